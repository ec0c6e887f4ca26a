using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>A contact deprovisioned by its rule and then provisioned again gets its access back (AccessRestorer).</summary>
public sealed class AccessRestoreTests : IDisposable
{
    private const string Lapsed = "lapsed_members";
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private void Deprovision(EngineHarness h, DeprovisionWhen when, DeprovisionAction action) => h.Configure = o =>
    {
        o.Rules[0].Deprovision = new DeprovisionOptions
        {
            When = when,
            Action = action,
            Revoked = when == DeprovisionWhen.Revoked ? TriggerDefinition.Group(Lapsed) : null,
        };
    };

    private static async Task<List<PlanEntry>> PlanAsync(EngineHarness harness)
    {
        var plan = new List<PlanEntry>();
        await foreach (var entry in harness.Provisioner.PlanAsync(Timeout))
        {
            plan.Add(entry);
        }

        return plan;
    }

    /// <summary>A run, with the outcome of every contact it processed.</summary>
    private async Task<(RunSummary Summary, List<ProvisioningOutcome> Outcomes)> RunAsync()
    {
        var outcomes = new List<ProvisioningOutcome>();
        var summary = await _h.Provisioner.RunOnceAsync(new Reported(p => outcomes.Add(p.Last)), Timeout);
        return (summary, outcomes);
    }

    private FakeProviderAccount AccountOf(long contactId) => _h.Cms.Accounts.Single(a => a.Id == _h.Civi.Links.Single(l => l.ContactId == contactId).CmsUserId);

    /// <summary>Creates the contact's account, then takes it out of the access group so the next run blocks it.</summary>
    private async Task<Contact> BlockedByDeprovisioningAsync(Action<CmsUserOptions>? configure = null)
    {
        Deprovision(_h, DeprovisionWhen.LeftTrigger, DeprovisionAction.Block);
        var deprovision = _h.Configure;
        _h.Configure = o =>
        {
            deprovision(o);
            configure?.Invoke(o);
        };
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        (await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout)).Count(OutcomeKind.Created).Should().Be(1);
        _h.Civi.RemoveFromGroup(EngineHarness.Trigger, ana.Id);
        (await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout)).Count(OutcomeKind.Blocked).Should().Be(1);
        AccountOf(ana.Id).Active.Should().BeFalse();
        _h.Time.Advance(TimeSpan.FromMinutes(5));
        return ana;
    }

    [Fact]
    public async Task Reset_campaign_skips_an_account_deprovisioning_blocked_and_sends_once_access_is_restored()
    {
        // Regression (admin trial): a blocked account got a reset email ("Sent") it could not use.
        var ana = await BlockedByDeprovisioningAsync(o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") }));
        var uid = AccountOf(ana.Id).Id;
        // The in-memory CiviCRM numbers activities by their row, from 1.
        var blockRecord = _h.Civi.Activities.ToList().FindIndex(a => a.Kind == ActivityKind.AccountBlocked) + 1;
        _h.Civi.AddToGroup("reset", ana.Id);

        var outcomes = new List<ProvisioningOutcome>();
        var skipped = await _h.Provisioner.ResetPasswordsAsync(new Reported(p => outcomes.Add(p.Last)), Timeout);

        skipped.Count(OutcomeKind.Skipped).Should().Be(1);
        var outcome = outcomes.Should().ContainSingle().Subject;
        outcome.Should().Match<ProvisioningOutcome>(o => o.ContactId == ana.Id && o.Kind == OutcomeKind.Skipped && o.CmsUserId == uid && o.Attempt == null);
        outcome.Error!.Code.Should().Be(CmsUserErrorCodes.AccountBlocked);
        outcome.Error.Message.Should().Contain($"CMS account {uid} (activity {blockRecord})").And.Contain("no reset email was sent");
        _h.Cms.Calls.Keys.Should().NotContain("SendPasswordReset");
        _h.Cms.Mails.Should().NotContain(m => m.StartsWith("reset:", StringComparison.Ordinal));
        _h.Civi.Activities.Should().NotContain(a => a.Kind == ActivityKind.PasswordReset, "nothing was attempted; the block record is the record");
        _h.Civi.GroupStatus("reset", ana.Id).Should().Be("Added", "the contact gets the email once its access is back");

        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        (await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout)).AccessRestored.Should().Be(1);
        _h.Time.Advance(TimeSpan.FromMinutes(1));
        var sent = await _h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout);

        sent.Count(OutcomeKind.Linked).Should().Be(1);
        _h.Cms.Mails.Should().ContainSingle(m => m.StartsWith("reset:", StringComparison.Ordinal));
        _h.Civi.GroupStatus("reset", ana.Id).Should().Be("Removed");
    }

    [Fact]
    public async Task Re_adding_a_blocked_contact_unblocks_its_account_once_and_records_it()
    {
        var ana = await BlockedByDeprovisioningAsync();

        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        var (back, outcomes) = await RunAsync();

        back.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        back.AccessRestored.Should().Be(1);
        outcomes.Should().ContainSingle().Which.Should().Match<ProvisioningOutcome>(o => o.ContactId == ana.Id && o.Kind == OutcomeKind.AlreadyLinked && o.AccessRestored);
        var account = AccountOf(ana.Id);
        account.Active.Should().BeTrue();
        account.Roles.Should().Contain("subscriber");
        var restored = _h.Civi.Activities.Single(a => a.Kind == ActivityKind.AccessRestored);
        restored.ContactId.Should().Be(ana.Id);
        restored.Status.Should().Be(ActivityOutcomeStatus.Completed);
        restored.Subject.Should().Be($"Unblocked : {_h.Civi.Links.Single(l => l.ContactId == ana.Id).UfName} ({account.Id})");
        restored.Details.Should().Contain("members").And.Contain("unblocked").And.Contain("subscriber");
        restored.OccurredAt.Should().Be(_h.Time.GetUtcNow());
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added", "the contact is the rule's again");

        var quiet = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        quiet.Total.Should().Be(0);
        _h.Cms.Calls.GetValueOrDefault("Unblock").Should().Be(1);
        _h.Civi.Activities.Count(a => a.Kind == ActivityKind.AccessRestored).Should().Be(1);
    }

    [Fact]
    public async Task A_second_leave_and_return_blocks_and_unblocks_again()
    {
        var ana = await BlockedByDeprovisioningAsync();
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        _h.Civi.RemoveFromGroup(EngineHarness.Trigger, ana.Id);
        (await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout)).Count(OutcomeKind.Blocked).Should().Be(1);
        AccountOf(ana.Id).Active.Should().BeFalse();
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        AccountOf(ana.Id).Active.Should().BeTrue();
        _h.Cms.Calls.GetValueOrDefault("Unblock").Should().Be(2);
        _h.Civi.Activities.Count(a => a.Kind == ActivityKind.AccessRestored).Should().Be(2);
    }

    [Fact]
    public async Task Removed_roles_are_given_back_when_the_contact_is_provisioned_again()
    {
        Deprovision(_h, DeprovisionWhen.Revoked, DeprovisionAction.RemoveRoles);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        await _h.Cms.AddRolesAsync(new CmsAccount(AccountOf(ana.Id).Id, null, null), ["author"]);
        _h.Civi.AddToGroup(Lapsed, ana.Id);
        (await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout)).Count(OutcomeKind.RolesRemoved).Should().Be(1);
        AccountOf(ana.Id).Roles.Should().Equal("author");

        _h.Civi.RemoveFromGroup(Lapsed, ana.Id);
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        var (back, outcomes) = await RunAsync();

        back.AccessRestored.Should().Be(1);
        outcomes.Should().ContainSingle().Which.AccessRestored.Should().BeTrue();
        AccountOf(ana.Id).Roles.Should().BeEquivalentTo(["author", "subscriber"]);
        AccountOf(ana.Id).Active.Should().BeTrue();
        _h.Cms.Calls.GetValueOrDefault("Unblock").Should().Be(0, "roles were taken, not the login");
        _h.Civi.Activities.Single(a => a.Kind == ActivityKind.AccessRestored).Subject.Should().StartWith("Roles restored : ");
    }

    [Fact]
    public async Task An_account_blocked_by_someone_else_stays_blocked()
    {
        Deprovision(_h, DeprovisionWhen.LeftTrigger, DeprovisionAction.Block);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        var account = AccountOf(ana.Id);
        await _h.Cms.BlockAsync(new CmsAccount(account.Id, null, null));
        _h.Civi.RemoveFromGroup(EngineHarness.History, ana.Id);

        var (run, outcomes) = await RunAsync();

        run.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        run.AccessRestored.Should().Be(0);
        outcomes.Should().ContainSingle().Which.AccessRestored.Should().BeFalse("nothing was given back");
        AccountOf(ana.Id).Active.Should().BeFalse("only a block recorded by this rule's deprovisioning is lifted");
        _h.Cms.Calls.GetValueOrDefault("Unblock").Should().Be(0);
        _h.Civi.Activities.Should().NotContain(a => a.Kind == ActivityKind.AccessRestored);
    }

    [Fact]
    public async Task A_rule_without_deprovisioning_reads_no_audit_for_linked_contacts()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        var reads = _h.Civi.Calls.GetValueOrDefault("FindAudits");

        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        var run = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        run.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        _h.Civi.Calls.GetValueOrDefault("FindAudits").Should().Be(reads + 1, "only the page write's own audit read");
        _h.Cms.Calls.GetValueOrDefault("Unblock").Should().Be(0);
    }

    [Fact]
    public async Task A_transient_unblock_failure_is_no_attempt_and_the_next_run_restores()
    {
        var ana = await BlockedByDeprovisioningAsync();
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        _h.Cms.FailNext(FakeCmsAccountProvider.Transient());

        var down = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        down.Failures.Single().Error!.Kind.Should().Be(FailureKind.Transient);
        down.Failures.Single().AccessRestored.Should().BeFalse();
        down.AccessRestored.Should().Be(0);
        AccountOf(ana.Id).Active.Should().BeFalse();
        _h.Civi.Activities.Should().NotContain(a => a.Kind == ActivityKind.AccessRestored);
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().NotBe("Added", "the contact stays pending");

        var back = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        back.Failures.Should().BeEmpty();
        back.AccessRestored.Should().Be(1);
        AccountOf(ana.Id).Active.Should().BeTrue();
        _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccessRestored);
    }

    [Fact]
    public async Task The_on_demand_call_restores_too()
    {
        var ana = await BlockedByDeprovisioningAsync();
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, cancellationToken: Timeout);

        outcome.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        outcome.AccessRestored.Should().BeTrue();
        AccountOf(ana.Id).Active.Should().BeTrue();
        _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccessRestored);
    }

    /// <summary>A harness whose CMS can block but not unblock, with a contact blocked by deprovisioning and back in the trigger.</summary>
    private async Task<EngineHarness> BlockedOnACmsThatCannotUnblockAsync()
    {
        var h = new EngineHarness(new FakeCmsAccountProvider(CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block));
        Deprovision(h, DeprovisionWhen.LeftTrigger, DeprovisionAction.Block);
        var ana = h.Member("Ana", "Lima", "ana@example.org");
        await h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        h.Civi.RemoveFromGroup(EngineHarness.Trigger, ana.Id);
        await h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        return h;
    }

    [Fact]
    public async Task A_cms_that_cannot_unblock_leaves_the_account_blocked_and_says_so()
    {
        using var h = await BlockedOnACmsThatCannotUnblockAsync();

        var run = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        run.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        run.AccessRestored.Should().Be(0, "the account is still blocked");
        h.Cms.Accounts.Single().Active.Should().BeFalse();
        h.Cms.Calls.GetValueOrDefault("Unblock").Should().Be(0);
        h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1103);
    }

    [Fact]
    public async Task The_dry_run_says_it_would_unblock_and_writes_nothing()
    {
        var ana = await BlockedByDeprovisioningAsync();
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);
        var cmsCalls = _h.Cms.Calls.Values.Sum();
        var activities = _h.Civi.Activities.Count;

        var plan = await PlanAsync(_h);

        var link = _h.Civi.Links.Single(l => l.ContactId == ana.Id);
        var entry = plan.Should().ContainSingle().Subject;
        entry.Should().BeEquivalentTo(new { ContactId = ana.Id, Rule = "members", Action = PlannedAction.Restore, Username = (string?)null, CmsUserId = (long?)link.CmsUserId });
        entry.Conflict.Should().MatchRegex(@"^Unblock the account deprovisioning blocked \(activity \d+\)").And.Contain("subscriber")
            .And.EndWith($"Linked to CMS user {link.CmsUserId} (stored name {link.UfName}).", "the link's stored name is said for what it is, not shown as a username");
        _h.Cms.Calls.Values.Sum().Should().Be(cmsCalls + 1, "a dry run makes no CMS call for a restore; having asked the CMS nothing, it checks the credentials");
        _h.Cms.Calls["CheckCredentials"].Should().BeGreaterThan(0);
        _h.Civi.Activities.Should().HaveCount(activities);
        AccountOf(ana.Id).Active.Should().BeFalse();

        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        AccountOf(ana.Id).Active.Should().BeTrue("the real run does what the plan said");
        _h.Civi.RemoveFromGroup(EngineHarness.History, ana.Id);
        (await PlanAsync(_h)).Single().Action.Should().Be(PlannedAction.AlreadyLinked, "the restore is recorded and done once");
    }

    [Fact]
    public async Task The_dry_run_says_it_would_give_removed_roles_back()
    {
        Deprovision(_h, DeprovisionWhen.Revoked, DeprovisionAction.RemoveRoles);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        _h.Civi.AddToGroup(Lapsed, ana.Id);
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        _h.Civi.RemoveFromGroup(Lapsed, ana.Id);
        _h.Civi.AddToGroup(EngineHarness.Trigger, ana.Id);

        var entry = (await PlanAsync(_h)).Should().ContainSingle().Subject;

        entry.Action.Should().Be(PlannedAction.Restore);
        entry.Conflict.Should().StartWith("Give back the rule's roles").And.Contain(": subscriber. Linked to CMS user ");
        AccountOf(ana.Id).Roles.Should().NotContain("subscriber");
    }

    [Fact]
    public async Task The_dry_run_of_a_cms_that_cannot_unblock_says_the_account_stays_blocked()
    {
        using var h = await BlockedOnACmsThatCannotUnblockAsync();

        var entry = (await PlanAsync(h)).Should().ContainSingle().Subject;

        entry.Action.Should().Be(PlannedAction.AlreadyLinked);
        entry.Conflict.Should().Contain("cannot unblock").And.Contain("stays blocked");
    }

    [Fact]
    public async Task The_dry_run_leaves_an_account_blocked_by_someone_else_as_already_linked()
    {
        Deprovision(_h, DeprovisionWhen.LeftTrigger, DeprovisionAction.Block);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout);
        await _h.Cms.BlockAsync(new CmsAccount(AccountOf(ana.Id).Id, null, null));
        _h.Civi.RemoveFromGroup(EngineHarness.History, ana.Id);

        var entry = (await PlanAsync(_h)).Should().ContainSingle().Subject;

        entry.Action.Should().Be(PlannedAction.AlreadyLinked);
        entry.Username.Should().BeNull("the link stores a name (the email at link time), not the account's username");
        entry.Conflict.Should().Be($"Linked to CMS user {AccountOf(ana.Id).Id} (stored name ana@example.org).", "nothing to restore: the note only says what the link is");
    }
}

/// <summary>Reports progress on the reporting thread (Progress&lt;T&gt; posts to the thread pool, after the run may have returned).</summary>
file sealed class Reported(Action<ProvisioningProgress> report) : IProgress<ProvisioningProgress>
{
    public void Report(ProvisioningProgress value) => report(value);
}
