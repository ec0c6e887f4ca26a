using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>The companion package, its documentation and <see cref="FakeJoomlaServer"/> describe the same routes.</summary>
public sealed partial class CompanionAgreementTests
{
    private static string Read(params string[] parts) => File.ReadAllText(Path.Combine([AppContext.BaseDirectory, .. parts]));

    private static List<(string Method, string Path, string Task)> PluginRoutes() =>
        PhpRoute().Matches(Read("integrations", "joomla", "Cmsuser.php"))
            .Select(m => (m.Groups[1].Value, "/api/index.php/" + m.Groups[2].Value, m.Groups[3].Value))
            .ToList();

    [Fact]
    public void The_plugin_registers_the_documented_routes_and_the_controller_has_their_tasks()
    {
        var routes = PluginRoutes();
        var documented = DocRoute().Matches(Read("docs", "cms-joomla.md")).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToList();
        var controller = Read("integrations", "joomla", "UsersController.php");

        routes.Select(r => $"{r.Method} {r.Path.Replace(":id", "{id}", StringComparison.Ordinal)}").Should().BeEquivalentTo(documented);
        routes.Should().NotBeEmpty();
        foreach (var (_, _, task) in routes)
        {
            task.Should().StartWith("users.");
            controller.Should().Contain($"public function {task["users.".Length..]}(): void");
        }
    }

    [Fact]
    public async Task The_fake_answers_every_plugin_route_when_enabled_and_none_when_disabled()
    {
        using var site = new FakeJoomlaServer();
        var user = site.AddUser("jdoe", "jdoe@example.org");
        using var http = new HttpClient();

        async Task<int> Call(string method, string path)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(site.BaseUrl, path.TrimStart('/').Replace(":id", user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
            request.Headers.Add("X-Joomla-Token", site.Token);
            request.Headers.Add("Accept", "application/vnd.api+json");
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }

        foreach (var (method, path, _) in PluginRoutes())
        {
            site.CompanionEnabled = false;
            (await Call(method, path)).Should().Be(404, $"{method} {path} is missing without the plugin");
            site.CompanionEnabled = true;
            (await Call(method, path)).Should().BeOneOf([200, 202], $"{method} {path} is served by the companion");
        }
    }

    [GeneratedRegex(@"new Route\(\['(GET|POST)'\], '(v1/cmsuser/[^']+)', '([a-z.]+)'")]
    private static partial Regex PhpRoute();

    [GeneratedRegex(@"^\| `(GET|POST) +(/api/index\.php/v1/cmsuser/[^`]+)`", RegexOptions.Multiline)]
    private static partial Regex DocRoute();
}
