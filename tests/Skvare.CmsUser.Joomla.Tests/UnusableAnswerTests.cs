using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>Joomla logs a successful answer it cannot use once, as event 3409 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly FakeJoomlaServer _site;
    private readonly ICmsAccountProvider _provider;

    public UnusableAnswerTests()
    {
        _site = Own(new FakeJoomlaServer());
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.Http = ProviderTestHost.FastHttp();
        });
        var built = Own(services.BuildServiceProvider());
        _provider = built.GetRequiredService<ICmsAccountProvider>();
        Use(_provider, _site, built.GetFakeLogCollector());
    }

    protected override int EventId => 3409;

    protected override string Secret => _site.Token;

    protected override string CreatePath => "users";

    protected override string AnswerWithoutId(string echo) => "{\"data\":{\"type\":\"users\",\"attributes\":{\"username\":\"una.usable\",\"echo\":" + echo + "}}}";

    // A role change reads the user's groups first, and sends them back whole: groups it cannot read fail it.
    protected override IEnumerable<UnusableCall> OtherCalls(string echo)
    {
        var user = _site.AddUser("rita.roles", "rita.roles@example.org");
        var account = new CmsAccount(user.Id, user.Username, user.Email);
        var path = "/users/" + user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, groups) in new[] { ("groups of another kind", "\"registered\""), ("a group id that is not a number", "[\"2\",\"two\"]") })
        {
            yield return new(
                name, "GET", "users/{id}",
                r => r.Method == "GET" && r.Path.EndsWith(path, StringComparison.Ordinal),
                "{\"data\":{\"type\":\"users\",\"id\":\"" + user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\",\"attributes\":{\"username\":\"rita.roles\",\"groups\":" + groups + ",\"echo\":" + echo + "}}}",
                ct => _provider.AddRolesAsync(account, ["2"], ct));
        }

        // A search answer without its data list, or listing a user whose id cannot be read, is not "no such user".
        foreach (var (name, body) in new[]
        {
            ("a search without its data list", "{\"links\":{},\"echo\":" + echo + "}"),
            ("a search listing a user without an id", "{\"data\":[{\"type\":\"users\",\"attributes\":{\"username\":\"rita.roles\",\"email\":\"rita.roles@example.org\",\"echo\":" + echo + "}}]}"),
        })
        {
            yield return new(
                name, "GET", "users?filter[search]",
                r => r.Method == "GET" && r.Path.EndsWith("/users", StringComparison.Ordinal) && (r.Query ?? "").Contains("search", StringComparison.Ordinal),
                body,
                ct => _provider.FindByEmailAsync("rita.roles@example.org", ct));
        }

        // Nor is a group list without its data list "no groups".
        yield return new(
            "a group list without its data list", "GET", "users/groups",
            r => r.Method == "GET" && r.Path.EndsWith("/users/groups", StringComparison.Ordinal),
            "{\"links\":{},\"echo\":" + echo + "}",
            ct => ((ICmsRoleCatalog)_provider).CheckRolesAsync(["2"], ct));

        // Nor is a listed group whose id cannot be read "no such group".
        yield return new(
            "a group list with a group without an id", "GET", "users/groups",
            r => r.Method == "GET" && r.Path.EndsWith("/users/groups", StringComparison.Ordinal),
            "{\"data\":[{\"type\":\"groups\",\"id\":\"2\",\"attributes\":{\"title\":\"Registered\"}},{\"type\":\"groups\",\"attributes\":{\"title\":\"Members\",\"echo\":" + echo + "}}]}",
            ct => ((ICmsRoleCatalog)_provider).CheckRolesAsync(["2"], ct));
    }
}
