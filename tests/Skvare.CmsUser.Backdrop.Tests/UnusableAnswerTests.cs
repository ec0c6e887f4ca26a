using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>Backdrop logs a successful answer it cannot use once, as event 3313 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly BackdropTestHost _host;

    public UnusableAnswerTests()
    {
        _host = Own(new BackdropTestHost());
        Use(_host.Provider, _host.Server, _host.Logs);
    }

    protected override int EventId => 3313;

    protected override string Secret => _host.Server.Secret;

    protected override string CreatePath => "users";

    protected override string AnswerWithoutId(string echo) => "{\"name\":\"una.usable\",\"mail\":\"una.usable@example.org\",\"status\":1,\"roles\":[],\"echo\":" + echo + "}";

    protected override IEnumerable<UnusableCall> OtherCalls(string echo)
    {
        var account = new CmsAccount(7, "una.usable", "una.usable@example.org");
        var provider = _host.Provider;
        yield return new(
            "a mail result without sent", "POST", "users/{uid}/mail",
            r => r.Path.EndsWith("/mail", StringComparison.Ordinal),
            "{\"echo\":" + echo + "}",
            ct => provider.SendPasswordResetAsync(account, ct));
        yield return new(
            "a login link without its URL", "POST", "users/{uid}/login-link",
            r => r.Path.EndsWith("/login-link", StringComparison.Ordinal),
            "{\"echo\":" + echo + "}",
            ct => provider.CreateOneTimeLoginLinkAsync(account, ct));
        yield return new(
            "a role list of another shape", "GET", "roles",
            r => r.Method == "GET" && r.Path.EndsWith("/roles", StringComparison.Ordinal),
            "{\"roles\":{\"editor\":1},\"echo\":" + echo + "}",
            ct => ((ICmsRoleCatalog)provider).CheckRolesAsync(["editor"], ct));
        yield return new(
            "a status that is not the module's", "GET", "status",
            r => r.Path.EndsWith("/status", StringComparison.Ordinal),
            "{\"module\":\"other\",\"echo\":" + echo + "}",
            ct => provider.CheckConnectivityAsync(ct));
    }
}
