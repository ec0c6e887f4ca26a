using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>The busy answer through the provider and the engine (<see cref="BusyCreateContract"/>).</summary>
public sealed class BusyCreateTests : BusyCreateContract
{
    public BusyCreateTests()
    {
        var site = Own(new FakeJoomlaServer { CompanionEnabled = true });
        var services = Own(JoomlaServices(site));
        Use(services.GetRequiredService<ICmsAccountProvider>(), email => site.HoldCreateLock(email: email), email => site.Users.Count(u => u.Email == email));
    }

    protected override string? BusyErrorCode => null;

    internal static ServiceProvider JoomlaServices(FakeJoomlaServer site)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = site.BaseUrl;
            o.ApiToken = site.Token;
            o.UseCompanionPlugin = true;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        return services.BuildServiceProvider();
    }
}

/// <summary>
/// pkg_cmsuser 0.1.1 takes named database locks on the email and the username of a core create (<c>POST v1/users</c>)
/// before core's check-then-insert runs; a create that cannot take one within its wait answers 503 and creates nothing.
/// The provider must treat that as <see cref="CmsErrorReason.Unavailable"/>, never as an unknown outcome.
/// </summary>
public sealed class ConcurrentCreateTests : IDisposable
{
    private const string BusyEmail = """{"errors":[{"title":"Another request is creating an account with this email address; nothing was created. Retry later.","code":503}]}""";

    private readonly FakeJoomlaServer _site = new() { CompanionEnabled = true };
    private readonly ServiceProvider _services;

    public ConcurrentCreateTests() => _services = BusyCreateTests.JoomlaServices(_site);

    private ICmsAccountProvider Provider => _services.GetRequiredService<ICmsAccountProvider>();

    public void Dispose()
    {
        _services.Dispose();
        _site.Dispose();
    }

    private static NewCmsAccount Account(string username = "jdoe", string email = "jdoe@example.org") =>
        new() { Username = username, Email = email, FirstName = "Jane", LastName = "Doe", Password = "S3cret-pass!" };

    [Fact(Timeout = 30_000)]
    public async Task Busy_answer_is_the_companions_error_document_and_comes_before_the_token_check()
    {
        using (_site.HoldCreateLock(email: "jdoe@example.org", username: "jdoe"))
        {
            var (status, body) = await Post(_site, "jdoe", "jdoe@example.org", token: _site.Token);
            status.Should().Be(503);
            JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(BusyEmail)).Should().BeTrue(body);

            (await Post(_site, "jdoe", "jdoe@example.org", token: "wrong")).Status.Should().Be(503, "the plugin locks after routing, before Joomla authenticates");
        }

        using (_site.HoldCreateLock(username: "JDoe"))
        {
            var (_, body) = await Post(_site, "jdoe", "other@example.org", token: _site.Token);
            JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(BusyEmail.Replace("email address", "username", StringComparison.Ordinal))).Should().BeTrue(body);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_the_companion_nothing_is_locked_and_a_bare_503_on_a_create_stays_an_unknown_outcome()
    {
        _site.CompanionEnabled = false;
        using (_site.HoldCreateLock(email: "jdoe@example.org"))
        {
            (await Post(_site, "jdoe", "jdoe@example.org", token: _site.Token)).Status.Should().Be(200);
        }

        _site.FailNext(1, 503);
        var act = () => Provider.CreateAsync(Account("other", "other@example.org"));
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
    }

    [Fact]
    public void The_plugin_sends_the_busy_title_the_fake_and_the_provider_know()
    {
        var plugin = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "integrations", "joomla", "Cmsuser.php"));

        plugin.Should().Contain("'title' => 'Another request is creating an account with this ' . ($busy === 'email' ? 'email address' : 'username') . '; nothing was created. Retry later.',");
        plugin.Should().Contain("'code' => 503,");
        plugin.Should().Contain("$app->setHeader('status', '503', true);");
    }

    [Fact(Timeout = 60_000)]
    public async Task Any_case_or_accent_variant_of_a_held_value_is_busy_and_other_values_are_not()
    {
        var local = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 2, 16];
        await Gen.Select(local, Gen.Int[0, int.MaxValue]).SampleAsync(async (name, seed) =>
        {
            var random = new Random(seed);
            string Variant(string value, bool accents) => new([.. value.Select(c => random.Next(3) switch
            {
                0 => char.ToUpperInvariant(c),
                1 when accents && "aeiou".Contains(c, StringComparison.Ordinal) => "áéíóú"["aeiou".IndexOf(c, StringComparison.Ordinal)],
                _ => c,
            })]);
            var email = name + "@example.org";
            using var site = new FakeJoomlaServer { CompanionEnabled = true };
            using (site.HoldCreateLock(email: email, username: name))
            {
                (await Post(site, "other", Variant(email, accents: false), site.Token)).Status.Should().Be(503);
                (await Post(site, Variant(name, accents: true), "other@example.org", site.Token)).Status.Should().Be(503);
                (await Post(site, "x" + name, "x" + email, site.Token)).Status.Should().Be(200, "other values take other locks");
            }

            (await Post(site, name, email, site.Token)).Status.Should().Be(200, "the locks are free again");
        }, iter: 30);
    }

    private static async Task<(int Status, string Body)> Post(FakeJoomlaServer site, string username, string email, string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(site.BaseUrl, "api/index.php/v1/users"));
        request.Headers.Add("X-Joomla-Token", token);
        request.Headers.Add("Accept", "application/vnd.api+json");
        var body = new JsonObject { ["name"] = "Jane Doe", ["username"] = username, ["email"] = email, ["groups"] = new JsonArray("2"), ["password"] = "S3cret-pass!" }.ToJsonString();
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
