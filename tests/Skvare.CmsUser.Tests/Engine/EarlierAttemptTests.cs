using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A Scheduled record an earlier attempt left open (a create that got no answer keeps it for the run that finds the account)
/// does not stay open once the contact is settled: a failure saying the account its email has belongs to another contact
/// (seen on the real CiviCRM 6.17.2: activity 2587 of contact 4420 stayed Scheduled beside the Failed record), or giving up,
/// removes it, and the failure is counted once, by its own record.
/// </summary>
public sealed class EarlierAttemptTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task A_lost_create_whose_account_is_linked_to_another_contact_leaves_no_Scheduled_record_and_counts_once()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var duplicate = _h.Civi.AddContact("Ana", "Duplicate", "ana@example.org");
        // The create got no answer and the account cannot be found yet: the record stays open for the run that finds it.
        _h.Cms.FailCreateFor("ana@example.org", () => new CmsProviderException("InMemory", CmsErrorReason.UnknownOutcome, "No answer to the create."));

        var lost = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        lost.Failures.Should().ContainSingle().Which.Error!.Code.Should().Be(CmsUserErrorCodes.UnknownOutcome);
        var opened = _h.Civi.Activities.Should().ContainSingle().Subject;
        opened.Status.Should().Be(ActivityOutcomeStatus.Scheduled, "the create may have made the account");

        // The CMS had saved it after all, and CiviCRM's plugin linked it to the duplicate contact with the same email.
        _h.Cms.StopFailingCreateFor("ana@example.org");
        var account = _h.Cms.AddAccount("ana.lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(duplicate.Id, account.Id, "ana@example.org"));
        _h.Time.Advance(TimeSpan.FromMinutes(10));

        var next = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        var failure = next.Failures.Should().ContainSingle().Subject;
        failure.ContactId.Should().Be(ana.Id);
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.AccountLinkedToOtherContact);
        failure.Attempt.Should().Be(1, "the lost create was not a counted attempt");
        var records = _h.Civi.Activities.Where(a => a.ContactId == ana.Id && a.Kind == ActivityKind.AccountCreation).ToArray();
        records.Should().NotContain(a => a.Status == ActivityOutcomeStatus.Scheduled, "the contact is settled: nothing of ours stays open");
        var failed = records.Should().ContainSingle("one record per attempt: the earlier open record is removed, not failed too").Subject;
        failed.Status.Should().Be(ActivityOutcomeStatus.Failed);
        failed.Details.Should().Contain(CmsUserErrorCodes.AccountLinkedToOtherContact).And.Contain("An earlier attempt left open");
        _h.Civi.Links.Should().ContainSingle().Which.ContactId.Should().Be(duplicate.Id, "a link is never moved away");
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1051);

        _h.Time.Advance(TimeSpan.FromMinutes(10));
        var third = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        third.Failures.Should().ContainSingle().Which.Attempt.Should().Be(2, "the one Failed record counts once");
        _h.Civi.Activities.Where(a => a.ContactId == ana.Id).Should().HaveCount(2).And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Failed);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failure_that_does_not_settle_the_account_keeps_the_earlier_open_record_for_the_run_that_finds_it()
    {
        // An earlier attempt's create got no answer; this run fails for another reason (the CMS refuses the data): the account
        // that create may have made can still turn up, and the run that finds it completes that record.
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var earlier = new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", null, _h.Time.GetUtcNow().AddMinutes(-10));
        _h.Civi.AddActivity(earlier);
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("The CMS refused the data."));

        var run = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Failures.Should().ContainSingle().Which.Attempt.Should().Be(1);
        _h.Civi.Activities.Should().HaveCount(2);
        _h.Civi.Activities.Should().ContainSingle(a => a.Status == ActivityOutcomeStatus.Scheduled).Which.Subject.Should().Be("Creating account : Ana Lima");
        _h.Civi.Activities.Should().ContainSingle(a => a.Status == ActivityOutcomeStatus.Failed).Which.Details.Should().NotContain("earlier attempt");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_contact_that_gives_up_leaves_no_Scheduled_record_even_without_one_of_its_own()
    {
        // The page's Scheduled records are refused for the contact that already has an open one (a refused open claims none),
        // and the contact has no usable email: it gives up, and the earlier open record goes with it.
        var ana = _h.Member("Ana", "Lima", "not an email");
        _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", null, _h.Time.GetUtcNow().AddMinutes(-10)));
        var bea = _h.Member("Bea", "Reis", "bea@example.org");
        var refusing = true;
        _h.Civi.RefuseRecordWhere = e => refusing && e.Status == ActivityOutcomeStatus.Scheduled && e.ContactId == bea.Id ? "DB Error: refused" : null;

        var run = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        refusing = false;

        run.Count(OutcomeKind.GaveUp).Should().Be(1);
        _h.Civi.Activities.Where(a => a.ContactId == ana.Id).Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
    }
}
