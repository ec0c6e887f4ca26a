using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>The rules' roles checked against the site's roles (<see cref="ICmsRoleCatalog"/>): one <c>Role.get</c>; a role is named by its name or id.</summary>
public sealed class RoleCheckTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();

    public void Dispose() => _site.Dispose();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact(Timeout = 120_000)]
    public async Task Names_and_ids_the_site_has_pass_and_a_misspelled_name_is_unknown_after_one_role_request()
    {
        using var services = StandaloneHost.Build(_site);
        var catalog = (ICmsRoleCatalog)services.GetRequiredService<ICmsAccountProvider>();

        var check = await catalog.CheckRolesAsync(["staff", "Admin", _site.EveryoneRole.ToString(System.Globalization.CultureInfo.InvariantCulture), "stafff", "999"], Timeout());

        check.Verified.Should().BeTrue();
        check.SiteRoles.Should().Equal("everyone", "admin", "staff");
        check.Unknown.Keys.Should().BeEquivalentTo(["stafff", "999"]);
        check.Unknown["stafff"].Should().Contain("'stafff' is neither the name nor the id of a Standalone role");
        _site.CallCount("Role", "get").Should().Be(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_misspelled_role_is_reported_by_the_plan_and_the_rule_report_as_unknown_role()
    {
        using var services = StandaloneHost.Build(_site, engine: o =>
        {
            o.Rules[0].Roles.Clear();
            o.Rules[0].Roles.Add("stafff");
        });
        var members = _site.AddGroup("members");
        _site.AddToGroup(members, [_site.AddContact("Ana", "Lima", "ana@example.org")]);
        var cms = services.GetRequiredService<ICmsAccountProvider>();

        var report = await RuleRoleCheck.CheckAsync(cms, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CmsUserOptions>>().Value.Rules, Timeout());
        var plan = new List<PlanEntry>();
        await foreach (var entry in services.GetRequiredService<IUserProvisioner>().PlanAsync(Timeout()))
        {
            plan.Add(entry);
        }

        report.Healthy.Should().BeFalse();
        report.Checks.Should().ContainSingle().Which.Detail.Should().Contain("'stafff'").And.Contain("everyone, admin, staff");
        plan.Should().ContainSingle().Which.Conflict.Should().StartWith("unknown_role: ");
        plan[0].Action.Should().Be(PlannedAction.Fail);
    }
}
