using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>Deprovisioning and role removal against the real WordPress, with the fake CiviCRM over HTTP.</summary>
[Trait("Category", "Live")]
public sealed class LiveDeprovisioningTests : IDisposable
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private readonly LiveEngine _live = new();
    private readonly FakeCiviCrmServer _civi;

    public LiveDeprovisioningTests() => _civi = _live.Civi;

    public void Dispose() => _live.Dispose();

    private (IUserProvisioner Engine, ICmsAccountProvider WordPress) Build(DeprovisionOptions deprovision, bool companion) => _live.Start(
        o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done"), Deprovision = deprovision };
            rule.Roles.Add("author");
            o.Rules.Add(rule);
            o.Notify = false;
        },
        companion);

    [LiveWordPressFact]
    public async Task Live_remove_roles_keeps_the_other_roles()
    {
        using var host = LiveWordPressSite.Require().Host();
        var name = $"cmsuser-rr-{RunId}";
        var created = await host.Provider.CreateAsync(new NewCmsAccount { Username = name, Email = name + "@example.org", Password = "Live-Test-Pass-123", Roles = ["subscriber", "author"] });

        await host.Provider.RemoveRolesAsync(created, ["author"]);
        await host.Provider.RemoveRolesAsync(created, ["author"]);

        (await host.Provider.GetByIdAsync(created.UserId))!.Roles.Should().Equal("subscriber");
    }

    [LiveWordPressFact]
    public async Task Live_a_member_who_leaves_the_access_group_is_blocked_and_audited()
    {
        var members = _civi.AddGroup("members");
        var done = _civi.AddGroup("members_done");
        var stays = _civi.AddContact("Live", $"Stay{RunId}", $"stay-{RunId}@example.org");
        var leaves = _civi.AddContact("Live", $"Leave{RunId}", $"leave-{RunId}@example.org");
        _civi.AddToGroup(members, [stays, leaves]);
        var (engine, wordpress) = Build(new DeprovisionOptions { When = DeprovisionWhen.LeftTrigger, Action = DeprovisionAction.Block }, companion: false);

        (await engine.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(2);
        _civi.AddToGroup(members, [leaves], "Removed");
        var summary = await engine.RunOnceAsync();

        summary.Count(OutcomeKind.Blocked).Should().Be(1);
        var left = _civi.Links.Single(l => l.ContactId == leaves).UfId;
        var kept = _civi.Links.Single(l => l.ContactId == stays).UfId;
        // Core WordPress has no blocked flag: without the companion plugin, blocking takes every role away.
        (await wordpress.GetByIdAsync(left))!.Roles.Should().BeEmpty();
        (await wordpress.GetByIdAsync(kept))!.Roles.Should().Contain("author");
        _civi.Activities.Should().ContainSingle(a => a.Type == "User Account Blocked" && a.Status == "Completed" && a.Targets.Single() == leaves);
        _civi.GroupStatus(done, leaves).Should().Be("Removed");
    }

    [LiveWordPressFact]
    public async Task Live_a_revoked_member_loses_only_the_rule_roles()
    {
        var members = _civi.AddGroup("members");
        _civi.AddGroup("members_done");
        var lapsed = _civi.AddGroup("lapsed");
        var ana = _civi.AddContact("Live", $"Lapsed{RunId}", $"lapsed-{RunId}@example.org");
        _civi.AddToGroup(members, [ana]);
        var (engine, wordpress) = Build(new DeprovisionOptions { When = DeprovisionWhen.Revoked, Revoked = TriggerDefinition.Group("lapsed"), Action = DeprovisionAction.RemoveRoles }, companion: true);
        await engine.RunOnceAsync();
        var uid = _civi.Links.Single(l => l.ContactId == ana).UfId;
        await wordpress.AddRolesAsync(new CmsAccount(uid, null, null), ["subscriber"]);

        _civi.AddToGroup(lapsed, [ana]);
        var summary = await engine.RunOnceAsync();

        summary.Count(OutcomeKind.RolesRemoved).Should().Be(1);
        (await wordpress.GetByIdAsync(uid))!.Roles.Should().Equal("subscriber");
        _civi.Activities.Should().ContainSingle(a => a.Type == "User Account Roles Removed");
    }
}
