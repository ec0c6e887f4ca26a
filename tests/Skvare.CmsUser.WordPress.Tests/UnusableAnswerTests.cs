using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>WordPress logs a successful answer it cannot use once, as event 3014 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly FakeWordPressServer _site;
    private readonly WordPressTestHost _host;

    public UnusableAnswerTests()
    {
        // With the companion plugin (its login link and roles routes); a create without the new-account email still goes
        // to core's route.
        _site = Own(new FakeWordPressServer());
        _host = Own(WordPressTestHost.For(_site, companion: true));
        Use(_host.Provider, _site, _host.Logs);
    }

    protected override int EventId => 3014;

    protected override string Secret => _site.ApplicationPassword;

    protected override string CreatePath => "wp/v2/users";

    protected override string AnswerWithoutId(string echo) => "{\"username\":\"una.usable\",\"email\":\"una.usable@example.org\",\"roles\":[\"subscriber\"],\"echo\":" + echo + "}";

    protected override IEnumerable<UnusableCall> OtherCalls(string echo)
    {
        var account = new CmsAccount(7, "una.usable", "una.usable@example.org");
        yield return new(
            "a login link without its URL", "POST", "{companion}/users/{id}/login-link",
            r => r.Path.EndsWith("/login-link", StringComparison.Ordinal),
            "{\"ok\":true,\"echo\":" + echo + "}",
            ct => _host.Provider.CreateOneTimeLoginLinkAsync(account, ct));
        yield return new(
            "a role list of another shape", "GET", "{companion}/roles",
            r => r.Method == "GET" && r.Path.EndsWith("/roles", StringComparison.Ordinal),
            "{\"roles\":\"subscriber\",\"echo\":" + echo + "}",
            ct => ((ICmsRoleCatalog)_host.Provider).CheckRolesAsync(["subscriber"], ct));

        // Without the plugin a reset goes through wp-login.php by login name, read first when the caller has none.
        var core = Own(new FakeWordPressServer());
        var coreHost = Own(WordPressTestHost.For(core, companion: false));
        yield return new(
            "an account without username and email", "GET", "wp/v2/users/{id}",
            r => r.Method == "GET" && r.Path.EndsWith("/wp/v2/users/7", StringComparison.Ordinal),
            "{\"id\":7,\"roles\":[\"subscriber\"],\"echo\":" + echo + "}",
            ct => coreHost.Provider.SendPasswordResetAsync(new CmsAccount(7, null, null), ct),
            core,
            coreHost.Logs);
    }
}
