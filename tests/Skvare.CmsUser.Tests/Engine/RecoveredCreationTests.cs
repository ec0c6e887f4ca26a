using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A run stopped after a contact's CMS account was created and before its write-back (the process ended, CiviCRM went
/// away): the next run finds the account and records it as the creation it was, <c>Created : NAME (UID)</c>, completing
/// the stopped attempt's open record, when the account's creation date proves it is that attempt's; otherwise it stays
/// <c>Linked</c>. The first run really stops: its write-back hangs and it is abandoned, as a killed process is.
/// </summary>
public sealed class RecoveredCreationTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly EngineHarness _h = new();
    private readonly TaskCompletionSource _writeBackArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecoveredCreationTests()
    {
        // The CMS dates its accounts (as WordPress's registered_date does) with the first process's clock.
        _h.Cms.Clock = _h.Time;
        _h.Services = s => s.AddSingleton<IAccountLinkStore>(new HangingLinks(_h.Civi, _writeBackArrived, _release.Task));
    }

    public void Dispose()
    {
        // A failed assertion must not leave the first run hanging.
        _release.TrySetResult();
        _h.Dispose();
    }

    [Fact]
    public async Task A_run_stopped_before_its_write_back_has_the_account_recorded_as_created_by_the_next_run()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var stopped = await RunUntilTheWriteBackAsync();
        var opened = _h.Civi.Activities.Should().ContainSingle().Which;
        opened.Status.Should().Be(ActivityOutcomeStatus.Scheduled);

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        var account = _h.Cms.Accounts.Should().ContainSingle().Which;
        run.Count(OutcomeKind.Created).Should().Be(1, "the stopped run created the account: the CMS refused it again, and its date is after the stopped attempt's");
        run.Count(OutcomeKind.Linked).Should().Be(0);
        _h.Civi.Links.Should().ContainSingle(l => l.ContactId == ana.Id).Which.CmsUserId.Should().Be(account.Id);
        var record = _h.Civi.Activities.Should().ContainSingle("one Completed record per account: the stopped attempt's, completed").Which;
        record.Id.Should().Be(opened.Id);
        record.Status.Should().Be(ActivityOutcomeStatus.Completed);
        record.Subject.Should().Be($"Created : ana.lima ({account.Id})");
        record.Details.Should().Contain("Created by an earlier attempt that did not record it");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
        await EndAsync(stopped);
    }

    [Fact]
    public async Task A_recovered_creation_record_has_the_rule_roles_and_email_of_a_normal_creation_record()
    {
        // Regression (trial10, real CiviCRM 6.17.2): the record of a recovered creation said only "Created by an earlier run
        // that stopped…", without the rule, its roles and the new-account email a normal creation's record gives, and said
        // "stopped" although an attempt whose create's answer was lost leaves its record open the same way.
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var stopped = await RunUntilTheWriteBackAsync();
        var opened = _h.Civi.Activities.Should().ContainSingle().Which;
        var bea = _h.Member("Bea", "Souza", "bea@example.org");

        var later = _h.Time.GetUtcNow().AddMinutes(15);
        using var next = _h.NextProcess(later);
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.Created).Should().Be(2, "Bea is created by this run, Ana's account was created by the stopped one");
        var made = _h.Cms.Accounts.Single(a => a.Email == "ana@example.org");
        var normal = _h.Civi.Activities.Should().ContainSingle(a => a.ContactId == bea.Id).Which.Details!;
        var recovered = _h.Civi.Activities.Should().ContainSingle(a => a.ContactId == ana.Id).Which.Details!;
        normal.Should().Be("Rule members; roles: subscriber. The website reported the new-account email as sent.");
        recovered.Should().Be(
            "Rule members; roles: subscriber. Created by an earlier attempt that did not record it (its create's answer was lost, or its run "
            + $"stopped before recording it; the attempt was opened {opened.OccurredAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, the account was created "
            + $"{made.CreatedAt!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC). This run sent the new-account email (the earlier attempt may have ended before sending it).");
        recovered.Should().StartWith(normal[..normal.IndexOf(". ", StringComparison.Ordinal)], "both start with the rule and its roles, from one place");
        await EndAsync(stopped);
    }

    [Fact]
    public async Task A_stopped_run_whose_account_the_cms_plugin_linked_is_recorded_as_created_by_the_next_run()
    {
        // CiviCRM's WordPress plugin links a new WordPress user to the contact with its email inside the create.
        _h.Cms.AfterCreate = account => _h.Civi.AddLink(new AccountLink(account.ContactId!.Value, account.Id, account.Email));
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var stopped = await RunUntilTheWriteBackAsync();
        var opened = _h.Civi.Activities.Should().ContainSingle().Which;

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        var account = _h.Cms.Accounts.Should().ContainSingle().Which;
        run.Count(OutcomeKind.Created).Should().Be(1);
        run.Count(OutcomeKind.AlreadyLinked).Should().Be(0);
        var record = _h.Civi.Activities.Should().ContainSingle().Which;
        record.Id.Should().Be(opened.Id);
        record.Should().Match<ActivityEntry>(a => a.Status == ActivityOutcomeStatus.Completed && a.Subject == $"Created : ana.lima ({account.Id})");
        // The stopped run may have died before the CMS's separate notification request: it is sent again, once.
        _h.Cms.Mails.Should().Equal("notify:ana@example.org", "reset:ana@example.org");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
        await EndAsync(stopped);
    }

    [Fact]
    public async Task An_account_made_before_the_stopped_attempt_is_recorded_as_linked()
    {
        // The account existed (made by hand a minute earlier); the stopped run found it and linked it.
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var existing = _h.Cms.AddAccount("ana.lima", "ana@example.org");
        _h.Time.Advance(TimeSpan.FromMinutes(1));
        var stopped = await RunUntilTheWriteBackAsync();

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.Linked).Should().Be(1);
        _h.Civi.Activities.Should().ContainSingle().Which.Subject.Should().Be($"Linked : ana.lima ({existing.Id})");
        _h.Civi.Links.Should().ContainSingle(l => l.ContactId == ana.Id);
        await EndAsync(stopped);
    }

    [Fact]
    public async Task A_cms_that_does_not_date_its_accounts_keeps_the_recovered_account_linked()
    {
        _h.Cms.Clock = null;
        _h.Member("Ana", "Lima", "ana@example.org");
        var stopped = await RunUntilTheWriteBackAsync();

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.Linked).Should().Be(1, "without the account's date nothing proves the stopped run made it");
        _h.Civi.Activities.Should().ContainSingle().Which.Subject.Should().StartWith("Linked : ana.lima (");
        await EndAsync(stopped);
    }

    [Fact]
    public async Task An_account_made_after_the_stopped_attempt_under_another_name_is_recorded_as_linked()
    {
        // The stopped run never created (its create hung and the process ended); the person then registered as "ana".
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", null, _h.Time.GetUtcNow()));
        _h.Time.Advance(TimeSpan.FromMinutes(5));
        var registered = _h.Cms.AddAccount("ana", "ana@example.org");

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.Linked).Should().Be(1, "the username is not one the rule's pattern gives the contact");
        _h.Civi.Activities.Should().ContainSingle().Which.Subject.Should().Be($"Linked : ana ({registered.Id})");
    }

    [Fact]
    public async Task A_recovered_creation_gets_no_login_link_on_demand()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        var stopped = await RunUntilTheWriteBackAsync();
        var ana = _h.Civi.Activities.Single().ContactId;

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var outcome = await next.Provisioner.ProvisionAsync(ana, new OnDemandOptions { IncludeLoginLink = true }).WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.LoginLink.Should().BeNull("this call did not create the account");
        outcome.LoginLinkWithheld.Should().NotBeNull();
        _h.Civi.Activities.Should().ContainSingle().Which.Subject.Should().StartWith("Created : ana.lima (");
        await EndAsync(stopped);
    }

    [Theory]
    [InlineData(false, CmsNotification.NotRequested)]
    [InlineData(true, CmsNotification.Sent)]
    public async Task A_recovered_creation_reports_its_notification_as_the_rule_asks(bool notify, CmsNotification expected)
    {
        // The in-memory CMS sends its email in a request of its own, which the stopped run may not have made: a rule that
        // notifies has it sent now; one that does not reports none requested (not unknown) and sends none.
        _h.Configure = o => o.Notify = notify;
        _h.Member("Ana", "Lima", "ana@example.org");
        var stopped = await RunUntilTheWriteBackAsync();
        var ana = _h.Civi.Activities.Single().ContactId;
        var mailsBefore = _h.Cms.Mails.Count;

        using var next = _h.NextProcess(_h.Time.GetUtcNow().AddMinutes(15));
        var outcome = await next.Provisioner.ProvisionAsync(ana).WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Notification.Should().Be(expected);
        _h.Cms.Mails.Count.Should().Be(mailsBefore + (notify ? 1 : 0));
        _h.Civi.Activities.Should().ContainSingle().Which.Details.Should().StartWith("Rule members; roles: subscriber. Created by an earlier attempt")
            .And.EndWith(notify
                ? "This run sent the new-account email (the earlier attempt may have ended before sending it)."
                : "No new-account email was sent (notification is off for this rule).");
        await EndAsync(stopped);
    }

    [Fact]
    public async Task A_recovered_creation_on_a_cms_that_mails_with_the_create_says_the_email_is_unknown()
    {
        // A CMS that sends the new-account email inside the create request: the earlier attempt's create may have sent it,
        // and nothing is sent again.
        var cms = new FakeCmsAccountProvider(CmsCapabilities.CreateWithoutPassword | CmsCapabilities.NotifiesInCreate);
        using var h = new EngineHarness(cms, _h.Civi);
        cms.Clock = h.Time;
        h.Services = s => s.AddSingleton<IAccountLinkStore>(new HangingLinks(h.Civi, _writeBackArrived, _release.Task));
        var ana = h.Member("Ana", "Lima", "ana@example.org");
        var stop = new CancellationTokenSource();
        var first = h.Provisioner.RunOnceAsync(cancellationToken: stop.Token);
        await _writeBackArrived.Task.WaitAsync(Bound);
        await stop.CancelAsync();
        var mailsBefore = cms.Mails.Count;

        using var next = h.NextProcess(h.Time.GetUtcNow().AddMinutes(15));
        var outcome = await next.Provisioner.ProvisionAsync(ana.Id).WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Notification.Should().Be(CmsNotification.Unknown);
        cms.Mails.Count.Should().Be(mailsBefore, "the create may have sent it: nothing is sent again");
        h.Civi.Activities.Should().ContainSingle(a => a.ContactId == ana.Id).Which.Details.Should()
            .StartWith("Rule members; roles: subscriber. Created by an earlier attempt that did not record it")
            .And.EndWith("Whether the new-account email was sent is unknown: the earlier attempt's create may have sent it, and this run sent none.");
        await EndAsync((first, stop));
    }

    /// <summary>Starts a run and returns once its write-back hangs (the account is made, nothing is written yet).</summary>
    private async Task<(Task<RunSummary> Run, CancellationTokenSource Stop)> RunUntilTheWriteBackAsync()
    {
        var stop = new CancellationTokenSource();
        var run = _h.Provisioner.RunOnceAsync(cancellationToken: stop.Token);
        await _writeBackArrived.Task.WaitAsync(Bound);
        await stop.CancelAsync();
        return (run, stop);
    }

    /// <summary>Lets the abandoned first run end (its write-back fails: CiviCRM "went away" for it).</summary>
    private async Task EndAsync((Task<RunSummary> Run, CancellationTokenSource Stop) stopped)
    {
        _release.TrySetResult();
        await stopped.Run.WaitAsync(Bound);
        stopped.Stop.Dispose();
    }

    /// <summary>The first run's link store: its write-back hangs until released, then fails; later processes have the plain store.</summary>
    private sealed class HangingLinks(FakeCiviCrm civi, TaskCompletionSource arrived, Task release) : IAccountLinkStore
    {
        public Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default) =>
            civi.FindByContactsAsync(contactIds, cancellationToken);

        public async Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
        {
            arrived.TrySetResult();
            await release.ConfigureAwait(false);
            throw new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "Connection refused");
        }
    }
}
