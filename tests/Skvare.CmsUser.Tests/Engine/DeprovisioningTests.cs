using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class DeprovisioningTests : IDisposable
{
    private const string Lapsed = "lapsed_members";
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private void Deprovision(DeprovisionWhen when, DeprovisionAction action) => _h.Configure = o =>
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var plan = new List<PlanEntry>();
        await foreach (var entry in harness.Provisioner.PlanAsync(timeout.Token))
        {
            plan.Add(entry);
        }

        return plan;
    }

    private FakeProviderAccount AccountOf(long userId) => _h.Cms.Accounts.Single(a => a.Id == userId);

    [Fact]
    public void The_plan_note_of_earlier_failures_names_the_limit_once_past_it()
    {
        // Regression (admin trial): after Retry:MaxAttempts was lowered, the plan read "5 earlier failed attempt(s) of 4".
        Skvare.CmsUser.Engine.Deprovisioning.EarlierFailures(1, 4).Should().Be("1 earlier failed attempt(s) of 4");
        Skvare.CmsUser.Engine.Deprovisioning.EarlierFailures(4, 4).Should().Be("4 earlier failed attempt(s) of 4");
        Skvare.CmsUser.Engine.Deprovisioning.EarlierFailures(5, 4).Should().Be("5 earlier failed attempts, limit 4");
    }

    [Fact]
    public async Task Leaving_the_access_group_blocks_the_account_once_and_records_it()
    {
        Deprovision(DeprovisionWhen.LeftTrigger, DeprovisionAction.Block);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var bo = _h.Member("Bo", "Berg", "bo@example.org");

        var first = await _h.Provisioner.RunOnceAsync();
        first.Count(OutcomeKind.Created).Should().Be(2);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added", "an access group keeps its members");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");

        var again = await _h.Provisioner.RunOnceAsync();
        again.Total.Should().Be(0, "members already in the history target are not pending, and nobody left");

        _h.Civi.RemoveFromGroup(EngineHarness.Trigger, ana.Id);
        var reported = new List<ProvisioningOutcome>();
        var third = await _h.Provisioner.RunOnceAsync(new SynchronousProgress(p => reported.Add(p.Last)));

        third.Count(OutcomeKind.Blocked).Should().Be(1);
        var anaLink = _h.Civi.Links.Single(l => l.ContactId == ana.Id);
        var blocked = reported.Should().ContainSingle(o => o.Kind == OutcomeKind.Blocked).Subject;
        blocked.CmsUserId.Should().Be(anaLink.CmsUserId);
        blocked.Username.Should().BeNull("the link stores a name ({0}), not the account's username ({1})", anaLink.UfName, AccountOf(anaLink.CmsUserId).Username);
        AccountOf(anaLink.CmsUserId).Active.Should().BeFalse();
        AccountOf(_h.Civi.Links.Single(l => l.ContactId == bo.Id).CmsUserId).Active.Should().BeTrue();
        _h.Cms.Accounts.Should().HaveCount(2, "accounts are never deleted");
        var audit = _h.Civi.Activities.Single(a => a.Kind == ActivityKind.AccountBlocked);
        audit.ContactId.Should().Be(ana.Id);
        audit.Status.Should().Be(ActivityOutcomeStatus.Completed);
        audit.Subject.Should().Be($"Blocked : {anaLink.UfName} ({anaLink.CmsUserId})");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Removed", "a deprovisioned contact leaves the history target");

        var fourth = await _h.Provisioner.RunOnceAsync();
        fourth.Total.Should().Be(0);
        _h.Cms.Calls.GetValueOrDefault("Block").Should().Be(1);
    }

    [Fact]
    public async Task Entering_the_revoked_group_removes_only_the_rule_roles()
    {
        Deprovision(DeprovisionWhen.Revoked, DeprovisionAction.RemoveRoles);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync();
        var uid = _h.Civi.Links.Single(l => l.ContactId == ana.Id).CmsUserId;
        await _h.Cms.AddRolesAsync(new CmsAccount(uid, null, null), ["author"]);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed", "with When Revoked the trigger is left as usual");

        _h.Civi.AddToGroup(Lapsed, ana.Id);
        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.RolesRemoved).Should().Be(1);
        AccountOf(uid).Roles.Should().Equal("author");
        AccountOf(uid).Active.Should().BeTrue();
        _h.Civi.Activities.Single(a => a.Kind == ActivityKind.RolesRemoved).Subject.Should().StartWith("Roles removed : ");
        (await _h.Provisioner.RunOnceAsync()).Total.Should().Be(0);
    }

    [Fact]
    public async Task Revoked_contacts_this_rule_did_not_link_are_left_alone()
    {
        Deprovision(DeprovisionWhen.Revoked, DeprovisionAction.Block);
        var stranger = _h.Civi.AddContact("Cy", "Cole", "cy@example.org");
        var account = _h.Cms.AddAccount("cy", "cy@example.org");
        _h.Civi.AddLink(new AccountLink(stranger.Id, account.Id, "cy@example.org", true));
        _h.Civi.AddToGroup(Lapsed, stranger.Id);

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Total.Should().Be(0);
        AccountOf(account.Id).Active.Should().BeTrue();
    }

    [Fact]
    public async Task Transient_failures_never_burn_an_attempt_and_quarantine_the_run()
    {
        Deprovision(DeprovisionWhen.Revoked, DeprovisionAction.Block);
        var members = Enumerable.Range(1, 4).Select(i => _h.Member("M" + i, "X", $"m{i}@example.org")).ToArray();
        await _h.Provisioner.RunOnceAsync();
        _h.Civi.AddToGroup(Lapsed, members.Select(m => m.Id).ToArray());
        for (var i = 0; i < 3; i++)
        {
            _h.Cms.FailNext(FakeCmsAccountProvider.Transient());
        }

        var down = await _h.Provisioner.RunOnceAsync();

        down.Quarantined.Should().BeTrue();
        _h.Civi.Activities.Should().NotContain(a => a.Kind == ActivityKind.AccountBlocked, "transient failures are not attempts");
        members.Should().OnlyContain(m => _h.Civi.GroupStatus(EngineHarness.History, m.Id) == "Added");

        var back = await _h.Provisioner.RunOnceAsync();
        back.Count(OutcomeKind.Blocked).Should().Be(4);
        _h.Cms.Accounts.Should().OnlyContain(a => !a.Active);
    }

    [Fact]
    public async Task Permanent_failures_count_and_the_fourth_gives_up()
    {
        Deprovision(DeprovisionWhen.Revoked, DeprovisionAction.Block);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync();
        _h.Civi.AddToGroup(Lapsed, ana.Id);

        var kinds = new List<OutcomeKind>();
        for (var run = 0; run < 4; run++)
        {
            _h.Cms.FailNext(FakeCmsAccountProvider.Permanent("Refused."));
            kinds.Add((await _h.Provisioner.RunOnceAsync()).Failures.Single().Kind);
            _h.Time.Advance(TimeSpan.FromHours(1));
        }

        kinds.Should().Equal(OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.GaveUp);
        _h.Civi.Activities.Where(a => a.Kind == ActivityKind.AccountBlocked).Should().HaveCount(4)
            .And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Failed && a.Subject.StartsWith("Failed to block User", StringComparison.Ordinal));
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Removed");
    }

    [Fact]
    public async Task The_dry_run_shows_what_deprovisioning_would_do_and_changes_nothing()
    {
        Deprovision(DeprovisionWhen.Revoked, DeprovisionAction.Block);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        await _h.Provisioner.RunOnceAsync();
        _h.Civi.AddToGroup(Lapsed, ana.Id);
        var calls = _h.Cms.Calls.Values.Sum();

        var plan = await PlanAsync(_h);

        var uid = _h.Civi.Links.Single(l => l.ContactId == ana.Id).CmsUserId;
        // The link stores a name (its uf_name, the email when it was made), not the account's username: the plan names it as such.
        AccountOf(uid).Username.Should().NotBe("ana@example.org", "the case tells the stored name from the username");
        plan.Should().ContainSingle().Which.Should().Be(new PlanEntry(ana.Id, "members (deprovision)", PlannedAction.Block, null, uid, $"Linked to CMS user {uid} (stored name ana@example.org)."));
        _h.Cms.Calls.Values.Sum().Should().Be(calls + 1, "a dry run makes no CMS call for deprovisioning; having asked the CMS nothing, it checks the credentials");
        AccountOf(uid).Active.Should().BeTrue();
    }

    [Fact]
    public async Task Remove_roles_on_a_cms_that_cannot_stops_the_run_with_a_configuration_error()
    {
        using var h = new EngineHarness(new FakeCmsAccountProvider(CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block));
        h.Configure = o => o.Rules[0].Deprovision = new DeprovisionOptions { When = DeprovisionWhen.Revoked, Revoked = TriggerDefinition.Group(Lapsed), Action = DeprovisionAction.RemoveRoles };
        var ana = h.Member("Ana", "Lima", "ana@example.org");
        await h.Provisioner.RunOnceAsync();
        h.Civi.AddToGroup(Lapsed, ana.Id);

        var plan = await PlanAsync(h);

        plan.Single().Action.Should().Be(PlannedAction.Fail);
    }
}

/// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
file sealed class SynchronousProgress(Action<ProvisioningProgress> report) : IProgress<ProvisioningProgress>
{
    private readonly Lock _gate = new();

    public void Report(ProvisioningProgress value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}
