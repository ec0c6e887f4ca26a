namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// The rules' roles checked against the site's roles (<see cref="ICmsRoleCatalog"/>): JSON:API
/// <c>/jsonapi/user_role/user_role</c>, which shows roles only to an account with <c>administer permissions</c>.
/// </summary>
public sealed class RoleCheckTests
{
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static int RoleRequests(DrupalTestHost host) => host.ApiRequests.Count(r => r.Path == "/jsonapi/user_role/user_role");

    [Fact(Timeout = 120_000)]
    public async Task Machine_names_the_site_has_pass_and_a_misspelled_one_is_unknown_after_one_request()
    {
        using var host = new DrupalTestHost();

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["editor", "authenticated", "editr", "Content editor"], Timeout());

        check.Verified.Should().BeTrue();
        check.SiteRoles.Should().Equal("administrator", "editor");
        check.Unknown.Keys.Should().BeEquivalentTo(["editr", "Content editor"]);
        check.Unknown["editr"].Should().Contain("'editr' is not the machine name of a Drupal role");
        RoleRequests(host).Should().Be(1);
        host.ApiRequests.Should().ContainSingle().Which.Accept.Should().Contain("application/vnd.api+json");
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_administer_permissions_JSON_API_omits_the_roles_and_they_are_not_verifiable()
    {
        using var host = new DrupalTestHost();
        host.Server.ApiUserCanAdministerPermissions = false;

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["editr"], Timeout());

        check.Verified.Should().BeFalse();
        check.Unknown.Should().BeEmpty();
        check.NotVerifiableReason.Should().Contain("administer permissions");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_site_with_more_roles_than_a_page_holds_is_read_whole()
    {
        using var host = new DrupalTestHost();
        for (var i = 0; i < 60; i++)
        {
            host.Server.AddRole($"role_{i:D2}");
        }

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["role_59", "editor"], Timeout());

        check.Unknown.Should().BeEmpty();
        check.SiteRoles.Should().HaveCount(62);
        RoleRequests(host).Should().Be(2, "pages of 50, anonymous and authenticated included");
    }
}
