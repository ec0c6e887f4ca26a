using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// <c>MapCmsUserSiteWebhooks</c>: one route per site of <c>CmsUser:Sites</c>, each checked with the site's own secret
/// and provisioning into the site's own CiviCRM and CMS; a name that is no webhook site is 404 <c>unknown_site</c>.
/// </summary>
public sealed class SiteWebhookTests
{
    internal const string NorthSecret = "north-0123456789abcdef0123456789abcdef";
    private const string SouthSecret = "south-0123456789abcdef0123456789abcdef";

    [Fact(Timeout = 60_000)]
    public async Task Each_site_route_checks_that_sites_secret_and_provisions_into_that_site()
    {
        await using var sites = await SitesHost.StartAsync();

        using (var north = await sites.PostAsync("north", sites.Contact("north"), NorthSecret))
        {
            north.StatusCode.Should().Be(HttpStatusCode.OK);
            (await north.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString().Should().Be("Created");
        }

        // The site name is case-insensitive, like everywhere else; south's contact goes to south's CMS only.
        using (var south = await sites.PostAsync("SOUTH", sites.Contact("south"), SouthSecret))
        {
            south.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        sites.Cms["north"].Accounts.Should().ContainSingle().Which.Email.Should().Be("ana@north.example.org");
        sites.Cms["south"].Accounts.Should().ContainSingle().Which.Email.Should().Be("ana@south.example.org");
    }

    [Fact(Timeout = 60_000)]
    public async Task Another_sites_secret_is_an_invalid_signature()
    {
        await using var sites = await SitesHost.StartAsync();

        using var response = await sites.PostAsync("north", sites.Contact("north"), SouthSecret);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be(CmsUserErrorCodes.InvalidSignature);
        sites.Cms["north"].Accounts.Should().BeEmpty();
    }

    [Theory(Timeout = 60_000)]
    [InlineData("west", "west")]                 // no such site
    [InlineData("quiet", "quiet")]               // a site that did not add the webhook
    [InlineData("n%C3%B6rth", "(not shown)")]    // not a site name at all
    public async Task A_name_that_is_no_webhook_site_is_404_unknown_site(string site, string shown)
    {
        await using var sites = await SitesHost.StartAsync();

        using var response = await sites.PostAsync(site, sites.Contact("north"), NorthSecret);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.EnumerateObject().Select(p => p.Name).Should().Equal("error", "message");
        body.GetProperty("error").GetString().Should().Be(CmsUserErrorCodes.UnknownSite);
        body.GetProperty("message").GetString().Should().Contain($"'{shown}'")
            .And.NotContain("north", "configured site names are not told to callers").And.NotContain("south");
        sites.Cms.Values.Should().AllSatisfy(cms => cms.Accounts.Should().BeEmpty());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_site_without_its_secret_fails_at_start_naming_the_site_and_the_key()
    {
        var act = () => SitesHost.StartAsync(southSecret: null);

        var failure = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Failures.Should().ContainSingle().Which.Should().StartWith("Site 'south': CmsUser:Webhook:Secret");
    }

    [Fact]
    public void Mapping_needs_a_site_parameter_and_the_sites()
    {
        var single = WebApplication.CreateSlimBuilder();
        single.Services.AddCmsUserProvisioning().AddWebhook(o => o.Secret = NorthSecret);
        using var app = single.Build();
        var withoutSites = () => app.MapCmsUserSiteWebhooks();
        withoutSites.Should().Throw<InvalidOperationException>().WithMessage("*AddCmsUserSites*");

        var multi = WebApplication.CreateSlimBuilder();
        multi.Services.AddCmsUserSites(new ConfigurationBuilder().Build(), (_, site) => site.AddWebhook());
        using var sitesApp = multi.Build();
        var withoutParameter = () => sitesApp.MapCmsUserSiteWebhooks("/cmsuser/webhook");
        withoutParameter.Should().Throw<ArgumentException>().WithMessage("*{site}*");
    }

    /// <summary>Three sites: north and south receive webhooks (each its own secret, CiviCRM and CMS); quiet does not.</summary>
    internal sealed class SitesHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _http;
        private readonly FakeTimeProvider _time;
        private readonly Dictionary<string, InMemoryCiviCrm> _civi;

        private SitesHost(WebApplication app, HttpClient http, FakeTimeProvider time, Dictionary<string, InMemoryCiviCrm> civi, Dictionary<string, InMemoryCmsAccountProvider> cms)
        {
            _app = app;
            _http = http;
            _time = time;
            _civi = civi;
            Cms = cms;
        }

        public Dictionary<string, InMemoryCmsAccountProvider> Cms { get; }

        public static async Task<SitesHost> StartAsync(string? southSecret = SouthSecret)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
            string[] names = ["north", "south", "quiet"];
            var civi = names.ToDictionary(n => n, _ => new InMemoryCiviCrm());
            var cms = names.ToDictionary(n => n, _ => new InMemoryCmsAccountProvider());
            var settings = new Dictionary<string, string?> { ["CmsUser:Sites:north:Webhook:Secret"] = NorthSecret };
            if (southSecret is not null)
            {
                settings["CmsUser:Sites:south:Webhook:Secret"] = southSecret;
            }

            foreach (var name in names)
            {
                settings[$"CmsUser:Sites:{name}:Rules:0:Name"] = "members";
                settings[$"CmsUser:Sites:{name}:Rules:0:Trigger:Kind"] = "Group";
                settings[$"CmsUser:Sites:{name}:Rules:0:Trigger:Reference"] = "members";
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddCmsUserSites(builder.Configuration.GetSection("CmsUser"), (name, site) =>
            {
                site.UseInMemory(civi[name], cms[name]);
                if (name != "quiet")
                {
                    site.AddWebhook();
                }
            });
            var app = builder.Build();
            app.MapCmsUserSiteWebhooks();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await app.StartAsync(timeout.Token);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new SitesHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) }, time, civi, cms);
        }

        /// <summary>Adds Ana to the site's trigger group; the body to send for her.</summary>
        public string Contact(string site)
        {
            var ana = _civi[site].AddContact("Ana", "Lima", $"ana@{site}.example.org");
            _civi[site].AddToGroup("members", ana.Id);
            return $$"""{"contactId": {{ana.Id}}}""";
        }

        public async Task<HttpResponseMessage> PostAsync(string site, string json, string secret)
        {
            using var request = WebhookHost.Signed(json, _time.GetUtcNow().ToUnixTimeSeconds(), secret, path: $"/cmsuser/sites/{site}/webhook");
            return await _http.SendAsync(request, WebhookHost.Timeout());
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _app.DisposeAsync();
        }
    }
}
