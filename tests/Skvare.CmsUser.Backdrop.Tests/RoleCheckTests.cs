namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>The rules' roles checked against the site (<see cref="ICmsRoleCatalog"/>): the cmsuser_provision module's <c>GET roles</c>.</summary>
public sealed class RoleCheckTests
{
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact(Timeout = 120_000)]
    public async Task Machine_names_the_site_has_pass_and_a_misspelled_one_is_unknown_after_one_request()
    {
        using var host = new BackdropTestHost();

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["editor", "authenticated", "editr"], Timeout());

        check.Verified.Should().BeTrue();
        check.SiteRoles.Should().Equal("administrator", "editor");
        check.Unknown.Keys.Should().Equal("editr");
        check.Unknown["editr"].Should().Contain("'editr' is not the machine name of a Backdrop role");
        host.Server.Requests.Should().ContainSingle();
    }

    [Fact(Timeout = 120_000)]
    public async Task A_module_without_the_roles_route_leaves_the_roles_not_verifiable()
    {
        using var host = new BackdropTestHost();
        host.Server.ModuleListsRoles = false;

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["editr"], Timeout());

        check.Verified.Should().BeFalse();
        check.Unknown.Should().BeEmpty();
        check.NotVerifiableReason.Should().Contain("no roles route");
    }
}
