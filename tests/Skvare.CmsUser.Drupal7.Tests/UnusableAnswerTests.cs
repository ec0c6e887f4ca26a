using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>Drupal 7 logs a successful answer it cannot use once, as event 3211 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly Drupal7TestHost _host;

    public UnusableAnswerTests()
    {
        _host = Own(new Drupal7TestHost());
        Use(_host.Provider, _host.Server, _host.Logs);
    }

    protected override int EventId => 3211;

    protected override string Secret => _host.Server.ApiPassword;

    protected override string CreatePath => "user";

    protected override string AnswerWithoutId(string echo) => "{\"uri\":\"http://localhost/services/user/\",\"echo\":" + echo + "}";

    // The first call of this provider logs in: a login answered without its session (Services before 3.4 has no token).
    protected override IEnumerable<UnusableCall> OtherCalls(string echo)
    {
        yield return new(
            "a login answered without the session", "POST", "user/login",
            r => r.Path.EndsWith("/user/login.json", StringComparison.Ordinal),
            "{\"sessid\":\"\",\"user\":{\"uid\":\"1\"},\"echo\":" + echo + "}",
            ct => _host.Provider.CheckCredentialsAsync(ct));
    }
}
