using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>One contact's defect never stops a run; a link is never stolen; every account is audited once.</summary>
public sealed class ReliabilityTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_name_with_emoji_gets_an_account_and_does_not_abort_the_page()
    {
        var ana = _h.Member("Ana😀", "Lima👨‍👩‍👧", "ana@example.org");
        var bea = _h.Member("\uD800Bea", "🇧🇪", "bea@example.org");

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Count(OutcomeKind.Created).Should().Be(2);
        _h.Cms.Accounts.Select(a => a.Username).Should().BeEquivalentTo("ana.lima", "bea");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.Trigger, bea.Id).Should().Be("Removed");
    }

    [Fact]
    public async Task An_unexpected_exception_fails_only_that_contact_counts_as_an_attempt_and_gives_up_after_max_attempts()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var bea = _h.Member("Bea", "Lima", "bea@example.org");
        _h.Cms.BeforeCreate = account => account.Email == "ana@example.org" ? throw new InvalidOperationException("secret-ish detail 42") : Task.CompletedTask;

        var kinds = new List<OutcomeKind>();
        for (var run = 1; run <= 4; run++)
        {
            var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
            var failure = summary.Failures.Single();
            failure.ContactId.Should().Be(ana.Id);
            failure.Error!.Code.Should().Be("internal_error");
            failure.Error.Message.Should().NotContain("secret-ish detail", "the activity has one line naming the exception type only");
            kinds.Add(failure.Kind);
            _h.Time.Advance(TimeSpan.FromHours(1));
        }

        kinds.Should().Equal(OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.GaveUp);
        _h.Cms.Accounts.Should().ContainSingle(a => a.Email == "bea@example.org");
        _h.Civi.GroupStatus(EngineHarness.Trigger, bea.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed", "it gave up");
        _h.Civi.Activities.Where(a => a.ContactId == ana.Id).Should().HaveCount(4).And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Failed);
        _h.Logs.GetSnapshot().Should().Contain(r => r.Exception is InvalidOperationException, "the log has the exception");
    }

    [Fact]
    public async Task A_defect_while_writing_the_page_ends_the_run_cleanly_and_the_next_run_does_not_wait_for_leaked_locks()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.FailNext(new InvalidOperationException("boom"));

        var first = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        first.StopReason.Should().Contain("InvalidOperationException");

        var second = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        second.Count(OutcomeKind.Created).Should().Be(1);
    }

    [Fact]
    public async Task Waiting_for_a_contact_held_by_a_stuck_call_honours_cancellation()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var release = new TaskCompletionSource();
        var entered = new TaskCompletionSource();
        _h.Cms.BeforeCreate = async _ =>
        {
            entered.TrySetResult();
            await release.Task;
        };

        var stuck = _h.Provisioner.ProvisionAsync(ana.Id);
        await entered.Task.WaitAsync(Bound);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var run = await _h.Provisioner.RunOnceAsync(cancellationToken: cancel.Token).WaitAsync(Bound);

        run.Cancelled.Should().BeTrue();
        release.SetResult();
        (await stuck.WaitAsync(Bound)).Kind.Should().Be(OutcomeKind.Created);
    }

    [Fact]
    public async Task Plan_and_on_demand_survive_an_unexpected_exception()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Member("Bea", "Lima", "bea@example.org");
        _h.Cms.BeforeCreate = _ => throw new FormatException("bad data");
        var planned = new List<PlanEntry>();

        await foreach (var entry in _h.Provisioner.PlanAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            planned.Add(entry);
        }

        planned.Should().HaveCount(2);
        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id).WaitAsync(Bound);
        outcome.Kind.Should().Be(OutcomeKind.Failed);
        outcome.Error!.Code.Should().Be("internal_error");
    }

    [Fact]
    public async Task Two_contacts_sharing_an_email_one_account_and_the_second_fails_naming_the_holder()
    {
        var ana = _h.Member("Ana", "Lima", "shared@example.org");
        var bea = _h.Member("Bea", "Lima", "shared@example.org");

        var first = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        var second = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        _h.Cms.Accounts.Should().ContainSingle();
        var uid = _h.Cms.Accounts[0].Id;
        var holder = _h.Civi.Links.Single(l => l.CmsUserId == uid).ContactId;
        var other = holder == ana.Id ? bea.Id : ana.Id;
        var failure = first.Failures.Concat(second.Failures).First(f => f.ContactId == other);
        failure.Error!.Code.Should().Be("account_linked_to_other_contact");
        failure.Error.Kind.Should().Be(FailureKind.Permanent);
        failure.Error.Message.Should().Contain($"contact {holder}");
        _h.Civi.Activities.Count(a => a.Status == ActivityOutcomeStatus.Completed).Should().Be(1);
        _h.Civi.GroupStatus(EngineHarness.Trigger, holder).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.History, other).Should().BeNull("the contact without the account is not done");
    }

    [Fact]
    public async Task An_existing_account_linked_to_another_contact_is_never_taken()
    {
        var holder = _h.Civi.AddContact("Old", "Holder", "old@example.org");
        var account = _h.Cms.AddAccount("old", "taken@example.org");
        _h.Civi.AddLink(new AccountLink(holder.Id, account.Id, "taken@example.org"));
        var ana = _h.Member("Ana", "Lima", "taken@example.org");

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Failures.Single().Error!.Code.Should().Be("account_linked_to_other_contact");
        _h.Civi.Links.Should().ContainSingle(l => l.CmsUserId == account.Id).Which.ContactId.Should().Be(holder.Id);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task A_recovered_contact_gets_no_second_email_from_a_cms_that_notifies_in_the_create()
    {
        // WordPress with the companion plugin sends the new-account email in the create request: an account that exists
        // was told about, so recovering its audit must not mail the person again.
        using var h = new EngineHarness(new FakeCmsAccountProvider(CmsCapabilities.CreateWithoutPassword | CmsCapabilities.NotifiesInCreate));
        var (ana, account) = CreatedAndLinkedByADeadRun(h);

        var run = await h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        h.Cms.Mails.Should().BeEmpty();
        h.Civi.Activities.Should().ContainSingle().Which.Should().Match<ActivityEntry>(a =>
            a.Status == ActivityOutcomeStatus.Completed && a.Subject.EndsWith($"({account.Id})") && !a.Details!.Contains("notification"));
        h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    /// <summary>What a run leaves when it dies after the create and the link: the account linked, its record open.</summary>
    private (Contact Ana, FakeProviderAccount Account) CreatedAndLinkedByADeadRun() => CreatedAndLinkedByADeadRun(_h);

    private static (Contact Ana, FakeProviderAccount Account) CreatedAndLinkedByADeadRun(EngineHarness h)
    {
        var ana = h.Member("Ana", "Lima", "ana@example.org");
        var account = h.Cms.AddAccount("ana.lima", "ana@example.org");
        h.Civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", null, h.Time.GetUtcNow()));
        return (ana, account);
    }

    [Fact]
    public async Task A_contact_a_dead_run_created_and_linked_is_audited_by_the_next_run_once()
    {
        var (ana, account) = CreatedAndLinkedByADeadRun();

        var first = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        var second = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        first.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        second.Total.Should().Be(0);
        _h.Civi.Activities.Should().ContainSingle().Which.Should().Match<ActivityEntry>(a =>
            a.Status == ActivityOutcomeStatus.Completed && a.Subject.EndsWith($"({account.Id})"));
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task A_dead_run_that_stopped_before_the_notification_has_it_sent_once_by_the_next_run()
    {
        // The crashed run created (without the CMS's separate notification request) and linked, then stopped.
        _ = CreatedAndLinkedByADeadRun();

        await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        _h.Cms.Mails.Should().Equal("reset:ana@example.org");
        _h.Civi.Activities.Should().ContainSingle().Which.Should().Match<ActivityEntry>(a =>
            a.Status == ActivityOutcomeStatus.Completed && a.Details!.Contains("This run sent the new-account email"));
    }

    [Fact]
    public async Task A_recovered_contact_gets_no_notification_when_the_rule_asks_for_none()
    {
        _h.Configure = o => o.Notify = false;
        _ = CreatedAndLinkedByADeadRun();

        await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        _h.Cms.Mails.Should().BeEmpty();
        _h.Civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
    }

    [Fact]
    public async Task A_recovery_notification_that_fails_is_noted_and_does_not_fail_the_contact()
    {
        var (ana, _) = CreatedAndLinkedByADeadRun();
        _h.Cms.FailNext(new CmsProviderException("InMemory", CmsErrorReason.Unavailable, "HTTP 503"));

        var run = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        _h.Cms.Mails.Should().BeEmpty();
        _h.Civi.Activities.Should().ContainSingle().Which.Should().Match<ActivityEntry>(a =>
            a.Status == ActivityOutcomeStatus.Completed && a.Details!.Contains("the request to send the new-account email failed: HTTP 503"));
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task A_contact_linked_outside_the_sdk_gets_no_audit_record()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, 77, "ana@example.org"));

        await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        _h.Civi.Activities.Should().BeEmpty();
        _h.Cms.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task A_dead_run_that_created_without_linking_is_linked_and_audited_once_by_the_next_run()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana.lima", "ana@example.org");
        _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", null, _h.Time.GetUtcNow()));

        await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        _h.Civi.Links.Should().ContainSingle(l => l.ContactId == ana.Id);
        _h.Civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
    }

    [Fact]
    public async Task Two_engines_on_one_trigger_create_one_account_one_link_and_one_audit_per_contact()
    {
        var contacts = Enumerable.Range(0, 60).Select(i => _h.Member($"C{i}", "Racer", $"c{i}@example.org")).ToArray();
        var shared = _h.Civi;
        _h.Configure = o => o.PageSize = 10;
        var otherProvisioner = SharedHarness.Build(shared, _h.Cms);

        await Task.WhenAll(_h.Provisioner.RunOnceAsync(), otherProvisioner.RunOnceAsync()).WaitAsync(Bound);
        await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        _h.Cms.Accounts.Should().HaveCount(60);
        shared.Links.Should().HaveCount(60);
        foreach (var contact in contacts)
        {
            shared.Activities.Where(a => a.ContactId == contact.Id).Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
        }
    }
}
