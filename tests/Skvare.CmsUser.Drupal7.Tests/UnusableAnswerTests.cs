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

        // A mail action's answer that is neither true nor false, and a user's roles that are not the rid map.
        var user = _host.Server.AddUser("rita.roles", "rita.roles@example.org", roles: 4);
        var account = new CmsAccount(user.Id, user.Username, user.Email);
        yield return new(
            "a mail action answered with an object", "POST", "user/{uid}/password_reset",
            r => r.Path.EndsWith("/password_reset.json", StringComparison.Ordinal),
            "{\"echo\":" + echo + "}",
            ct => _host.Provider.SendPasswordResetAsync(account, ct));
        yield return new(
            "a user whose roles are a string", "GET", "user/{uid}",
            r => r.Method == "GET" && r.Path.EndsWith($"/user/{user.Id}.json", StringComparison.Ordinal),
            $"{{\"uid\":\"{user.Id}\",\"name\":\"rita.roles\",\"roles\":\"editor\",\"echo\":" + echo + "}",
            ct => _host.Provider.BlockAsync(account, ct));
    }
}
