using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// The rules' roles checked against the real WordPress (<see cref="ICmsRoleCatalog"/>), and the fake next to it: with a
/// companion plugin that has the roles route both list the default roles and find the same misspelled ones; with a
/// plugin without it both answer 404 <c>rest_no_route</c>, which leaves the roles not verifiable. (The version alone
/// does not tell: a site set up from another branch may report 0.2.3 without the route.)
/// </summary>
[Trait("Category", "Live")]
public sealed class LiveRoleCheckTests
{
    private static readonly string[] Asked = ["subscriber", "subscriberr", "Editor"];

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [LiveWordPressFact]
    public async Task Live_and_fake_answer_the_role_check_alike_whichever_plugin_the_site_has()
    {
        using var live = Host();

        var fromLive = await ((ICmsRoleCatalog)live.Provider).CheckRolesAsync(Asked, Timeout());

        // The fake as the live site's plugin: with the roles route when the site listed its roles, without it otherwise.
        using var fake = new FakeWordPressServer { CompanionListsRoles = fromLive.Verified };
        using var faked = WordPressTestHost.For(fake, companion: true);
        var fromFake = await ((ICmsRoleCatalog)faked.Provider).CheckRolesAsync(Asked, Timeout());

        fromFake.Verified.Should().Be(fromLive.Verified);
        fromFake.NotVerifiableReason.Should().Be(fromLive.NotVerifiableReason);
        fromFake.Unknown.Should().BeEquivalentTo(fromLive.Unknown);
        if (fromLive.Verified)
        {
            // A plugin with the roles route (setup.sh installs the repository's): the site's roles, the fake's five among them.
            fromLive.SiteRoles.Should().Contain(fromFake.SiteRoles, "a fresh WordPress has the five default roles; the live site may have more");
            fromLive.Unknown.Keys.Should().BeEquivalentTo(["subscriberr", "Editor"]);
        }
        else
        {
            // An older plugin (or one without the route): 404 rest_no_route, as the fake answers without it.
            fromLive.NotVerifiableReason.Should().Contain("no roles route");
        }
    }

    private static WordPressTestHost Host()
    {
        var site = LiveWordPressSite.Require();
        return new WordPressTestHost(o =>
        {
            o.BaseUrl = site.Url;
            o.Username = site.User;
            o.ApplicationPassword = site.ApplicationPassword;
            o.UseCompanionPlugin = true;
        });
    }
}
