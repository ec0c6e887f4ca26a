using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A password reset campaign's "User Account Password Reset" records (in-memory kit, no write-back store, a source that does
/// not prepare its pages): opened as Scheduled for the page before any reset email, then completed or failed by id in the
/// page's write-back, so writing them twice writes them once. A record left open (a run that stopped) counts as no attempt
/// and is settled: the contact's next reset completes it, and its next counted failure removes it (one record per attempt).
/// </summary>
public sealed class ResetRecordTests : IDisposable
{
    private const string ResetGroup = "reset";

    private readonly EngineHarness _h;
    private readonly WatchingResets _cms;

    public ResetRecordTests()
    {
        _cms = new WatchingResets(new FakeCmsAccountProvider());
        _h = new EngineHarness(_cms.Inner);
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group(ResetGroup) });
        _h.Services = s => s.Replace(ServiceDescriptor.Singleton<ICmsAccountProvider>(_cms));
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_pages_records_are_open_before_its_emails_and_completed_or_failed_by_id()
    {
        var linked = Enumerable.Range(0, 3).Select(i => Linked(i)).ToArray();
        var unlinked = _h.Civi.AddContact("No", "Account", "none@example.org");
        var blocked = Linked(9);
        var blockedUid = _h.Civi.Links.Single(l => l.ContactId == blocked.Id).CmsUserId;
        _h.Civi.AddActivity(new ActivityEntry(blocked.Id, ActivityKind.AccountBlocked, ActivityOutcomeStatus.Completed, $"Blocked : r9 ({blockedUid})", null, _h.Time.GetUtcNow()));
        _h.Civi.AddToGroup(ResetGroup, unlinked.Id);
        var open = new Dictionary<long, ActivityEntry>();
        _cms.BeforeReset = uid =>
        {
            var contact = _h.Civi.Links.Single(l => l.CmsUserId == uid).ContactId;
            var records = _h.Civi.Activities.Where(a => a.Kind == ActivityKind.PasswordReset).ToArray();
            lock (open)
            {
                open[contact] = records.Should().ContainSingle(a => a.ContactId == contact, "the record is opened before the email").Subject;
            }

            records.Should().HaveCount(5, "every contact of the page has its record open before the page's first email");
        };

        var summary = await _h.Provisioner.ResetPasswordsAsync();

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        _h.Civi.Calls["OpenActivities"].Should().Be(1, "one call opens the page's records");
        _h.Civi.Calls["RecordActivities"].Should().Be(1, "one call completes them");
        var records = _h.Civi.Activities.Where(a => a.Kind == ActivityKind.PasswordReset).ToArray();
        records.Should().HaveCount(4, "one record per contact; the blocked contact's open record is removed");
        foreach (var contact in linked)
        {
            var before = open[contact.Id];
            before.Status.Should().Be(ActivityOutcomeStatus.Scheduled);
            before.Subject.Should().StartWith("Sending password reset email : ").And.EndWith($"({_h.Civi.Links.Single(l => l.ContactId == contact.Id).CmsUserId})");
            before.Details.Should().StartWith("In progress.");
            var after = records.Should().ContainSingle(a => a.ContactId == contact.Id).Subject;
            after.Id.Should().Be(before.Id, "the open record is completed by id, not written anew");
            after.Status.Should().Be(ActivityOutcomeStatus.Completed);
            after.Subject.Should().StartWith("Password reset email sent : ");
            _h.Civi.GroupStatus(ResetGroup, contact.Id).Should().Be("Removed");
        }

        var failed = records.Should().ContainSingle(a => a.ContactId == unlinked.Id).Subject;
        failed.Status.Should().Be(ActivityOutcomeStatus.Failed);
        failed.Subject.Should().Be("Failed to send password reset email to No Account");
        failed.Details.Should().StartWith(CmsUserErrorCodes.NoLinkedAccount + ":");
        records.Should().NotContain(a => a.ContactId == blocked.Id, "a blocked account gets no email and no record: the Blocked record is the record");
        _h.Civi.GroupStatus(ResetGroup, blocked.Id).Should().Be("Added");
        _cms.Inner.Calls["SendPasswordReset"].Should().Be(3);
    }

    [Fact]
    public async Task A_reset_the_CMS_does_not_answer_has_its_open_record_removed_and_counts_no_attempt()
    {
        var ana = Linked(0);
        _cms.Inner.FailNext(FakeCmsAccountProvider.Transient());

        var summary = await _h.Provisioner.ResetPasswordsAsync();

        summary.Failures.Should().ContainSingle().Which.Error!.Kind.Should().Be(FailureKind.Transient);
        _h.Civi.Calls["OpenActivities"].Should().Be(1);
        _h.Civi.Activities.Should().NotContain(a => a.Kind == ActivityKind.PasswordReset, "an outage records nothing: the open record goes");
        _h.Civi.GroupStatus(ResetGroup, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task A_record_a_stopped_run_left_open_is_no_attempt_and_the_next_reset_completes_it()
    {
        var ana = Linked(0);
        var bea = _h.Civi.AddContact("Bea", "Costa", "bea@example.org");
        _h.Civi.AddToGroup(ResetGroup, bea.Id);
        var earlier = _h.Time.GetUtcNow().AddHours(-1);
        _h.Civi.AddActivity(PageWriterScheduled(ana, earlier));
        _h.Civi.AddActivity(PageWriterScheduled(bea, earlier));
        var leftAna = _h.Civi.Activities.Single(a => a.ContactId == ana.Id).Id;
        var leftBea = _h.Civi.Activities.Single(a => a.ContactId == bea.Id).Id;
        _h.Configure += o => o.Retry.MaxAttempts = 2;

        var first = await _h.Provisioner.ResetPasswordsAsync();

        first.Failures.Should().ContainSingle().Which.Attempt.Should().Be(1, "the record left open counted no attempt");
        var anas = _h.Civi.Activities.Where(a => a.ContactId == ana.Id).ToArray();
        anas.Should().ContainSingle("the reset completes the record left open and removes its own").Which.Should()
            .Match<ActivityEntry>(a => a.Id == leftAna && a.Status == ActivityOutcomeStatus.Completed);
        var failed = _h.Civi.Activities.Where(a => a.ContactId == bea.Id).Should().ContainSingle(
            "a counted failure closes its own record and removes the one left open: a reset has no account to recover, so nothing waits for a later run").Subject;
        failed.Id.Should().NotBe(leftBea);
        failed.Status.Should().Be(ActivityOutcomeStatus.Failed);
        failed.Details.Should().EndWith(PageWriter.EarlierResetsNote(1));
        _h.Civi.GroupStatus(ResetGroup, bea.Id).Should().Be("Added", "not the last attempt");

        var second = await _h.Provisioner.ResetPasswordsAsync();

        var gaveUp = second.Failures.Should().ContainSingle().Subject;
        gaveUp.Kind.Should().Be(OutcomeKind.GaveUp);
        gaveUp.Attempt.Should().Be(2, "the one Failed record counts once");
        var beas = _h.Civi.Activities.Where(a => a.ContactId == bea.Id).ToArray();
        beas.Should().HaveCount(2).And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Failed);
        beas[^1].Details.Should().Contain("No more attempts").And.NotContain("An earlier reset left open", "nothing was left open to close");
        _h.Civi.GroupStatus(ResetGroup, bea.Id).Should().Be("Removed");
    }

    [Fact]
    public async Task A_run_that_stops_before_a_pages_contacts_start_leaves_no_record_open()
    {
        _h.Configure += o =>
        {
            o.PageSize = 2;
            o.MaxConcurrency = 1;
        };
        var contacts = Enumerable.Range(0, 6).Select(i => Linked(i)).ToArray();
        for (var i = 0; i < 10; i++)
        {
            _cms.Inner.FailNext(FakeCmsAccountProvider.Transient());
        }

        var summary = await _h.Provisioner.ResetPasswordsAsync();

        summary.StopKind.Should().Be(RunStopKind.Quarantined, "three transient failures in a row");
        summary.Total.Should().BeLessThan(6, "the run stopped before the last page's contacts");
        _h.Civi.Calls["OpenActivities"].Should().BeGreaterThan(0);
        _h.Civi.Activities.Should().NotContain(a => a.Kind == ActivityKind.PasswordReset, "the started contacts' records and the unstarted pages' records are removed");
        contacts.Should().OnlyContain(c => _h.Civi.GroupStatus(ResetGroup, c.Id) == "Added");
    }

    private static ActivityEntry PageWriterScheduled(Contact contact, DateTimeOffset at) =>
        new(contact.Id, ActivityKind.PasswordReset, ActivityOutcomeStatus.Scheduled, "Sending password reset email : left open", "In progress.", at);

    private Contact Linked(int i)
    {
        var email = $"r{i}@example.org";
        var account = _cms.Inner.AddAccount($"r{i}", email);
        var contact = _h.Civi.AddContact("R", $"N{i}", email);
        _h.Civi.AddLink(new AccountLink(contact.Id, account.Id, email));
        _h.Civi.AddToGroup(ResetGroup, contact.Id);
        return contact;
    }
}
