using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Drupal logs a successful answer it cannot use once, as event 3115 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly DrupalTestHost _host;

    public UnusableAnswerTests()
    {
        // With the companion module (its status, notify and login link routes); a create without the new-account email
        // goes to core's route without the module's notify parameter.
        _host = Own(new DrupalTestHost(o => o.UseCompanionModule = true));
        _host.Server.CompanionModuleEnabled = true;
        Use(_host.Provider, _host.Server, _host.Logs);
    }

    protected override int EventId => 3115;

    protected override string Secret => _host.Server.ApiPassword;

    protected override string CreatePath => "entity/user";

    protected override string AnswerWithoutId(string echo) => "{\"name\":[{\"value\":\"una.usable\"}],\"mail\":[{\"value\":\"una.usable@example.org\"}],\"echo\":" + echo + "}";

    protected override IEnumerable<UnusableCall> OtherCalls(string echo)
    {
        var account = new CmsAccount(7, "una.usable", "una.usable@example.org");
        var provider = (DrupalAccountProvider)_host.Provider;
        yield return new(
            "a login link without its URL", "POST", "cmsuser/user/{uid}/login-link",
            r => r.Path.EndsWith("/login-link", StringComparison.Ordinal),
            "{\"echo\":" + echo + "}",
            ct => provider.CreateOneTimeLoginLinkAsync(account, ct));
        yield return new(
            "a notify result without sent", "POST", "cmsuser/user/{uid}/notify",
            r => r.Path.EndsWith("/notify", StringComparison.Ordinal),
            "{\"echo\":" + echo + "}",
            ct => provider.SendNewAccountNotificationAsync(account, ct));
        yield return new(
            "a status that is not the module's", "GET", "cmsuser/status",
            r => r.Path.EndsWith("/cmsuser/status", StringComparison.Ordinal),
            "{\"module\":\"other\",\"echo\":" + echo + "}",
            ct => provider.CheckConnectivityAsync(ct));
        yield return new(
            "a role list without its data", "GET", "jsonapi/user_role/user_role",
            r => r.Path.EndsWith("/jsonapi/user_role/user_role", StringComparison.Ordinal),
            "{\"meta\":{},\"echo\":" + echo + "}",
            ct => provider.CheckRolesAsync(["editor"], ct));
        var user = _host.Server.AddUser("rita.roles", "rita.roles@example.org");
        yield return new(
            "a role change answered without the user's uid", "PATCH", "user/{uid}",
            r => r.Method == "PATCH",
            "{\"name\":[{\"value\":\"rita.roles\"}],\"echo\":" + echo + "}",
            ct => provider.AddRolesAsync(new CmsAccount(user.Id, user.Username, user.Email), ["editor"], ct));

        // With OAuth: a token answer without its access token, echoing the client secret (this host's credential).
        var oauth = Own(new DrupalTestHost(oauth: true));
        yield return new(
            "a token answer without a Bearer access token", "POST", "oauth/token",
            r => r.Path.EndsWith("/oauth/token", StringComparison.Ordinal),
            "{\"token_type\":\"Bearer\",\"expires_in\":300,\"echo\":" + System.Text.Json.JsonSerializer.Serialize("token " + oauth.Server.ClientSecret) + "}",
            ct => oauth.Provider.CheckCredentialsAsync(ct),
            oauth.Server,
            oauth.Logs);
    }
}
