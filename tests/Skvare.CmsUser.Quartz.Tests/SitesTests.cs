using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Sites;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary>The metric tag is process-wide: these tests run alone so the cluster test does not add to what they observe.</summary>
[CollectionDefinition(nameof(SitesTests), DisableParallelization = true)]
public sealed class SitesTestGroup;

/// <summary>Several sites in one host (<c>CmsUser:Sites</c>), each on its own fake CiviCRM and WordPress.</summary>
[Collection(nameof(SitesTests))]
public sealed class SitesTests : IDisposable
{
    private readonly FakeSite _a = new("alpha", 3);
    private readonly FakeSite _b = new("beta", 2);

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task Each_site_provisions_its_own_contacts_into_its_own_CMS_through_its_keyed_provisioner()
    {
        using var host = Build(Configuration(new { Sites = new Dictionary<string, object> { ["alpha"] = _a.Settings(TimeSpan.FromHours(1)), ["beta"] = _b.Settings(TimeSpan.FromHours(1)) } }), out var logs);
        await host.StartAsync();
        using var processed = new MetricCollector<long>(null, CmsUserTelemetry.Name, CmsUserTelemetry.ContactsProcessed);

        var alpha = await host.Services.GetRequiredKeyedService<IUserProvisioner>("alpha").RunOnceAsync();
        var beta = await host.Services.GetRequiredService<ICmsUserSites>().GetProvisioner("BETA").RunOnceAsync();

        alpha.Count(OutcomeKind.Created).Should().Be(3);
        beta.Count(OutcomeKind.Created).Should().Be(2);
        _a.WordPress.Users.Where(u => u.Username != _a.WordPress.AdminUsername).Select(u => u.Email).Should().OnlyContain(e => e.EndsWith("@alpha.example.org", StringComparison.Ordinal));
        _b.WordPress.Users.Where(u => u.Username != _b.WordPress.AdminUsername).Select(u => u.Email).Should().OnlyContain(e => e.EndsWith("@beta.example.org", StringComparison.Ordinal)).And.HaveCount(2);
        _b.Civi.Links.Select(l => l.ContactId).Should().BeEquivalentTo(_b.ContactIds);
        host.Services.GetService<IUserProvisioner>().Should().BeNull("with two sites there is no unkeyed provisioner to pick by accident");

        processed.GetMeasurementSnapshot().GroupBy(m => m.Tags[CmsUserTelemetry.SiteTag] as string).ToDictionary(g => g.Key ?? "(none)", g => g.Count())
            .Should().BeEquivalentTo(new Dictionary<string, int> { ["alpha"] = 3, ["beta"] = 2 });
        var engineLogs = logs.GetSnapshot().Where(r => r.Category?.StartsWith("Skvare.CmsUser.Engine", StringComparison.Ordinal) == true).ToList();
        engineLogs.Should().NotBeEmpty();
        engineLogs.Should().OnlyContain(r => r.Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>().Any(s => s.Any(kv => kv.Key == "site")));
        engineLogs.Select(r => r.Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>().SelectMany(s => s).First(kv => kv.Key == "site").Value).Distinct()
            .Should().BeEquivalentTo(new object[] { "alpha", "beta" });
        await host.StopAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task The_single_site_layout_is_the_default_site_and_stays_resolvable_unkeyed()
    {
        using var host = Build(Configuration(_a.Settings(TimeSpan.FromHours(1))), out _);
        await host.StartAsync();

        host.Services.GetRequiredService<ICmsUserSites>().Names.Should().Equal("default");
        var summary = await host.Services.GetRequiredService<IUserProvisioner>().RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(3);
        host.Services.GetRequiredKeyedService<IUserProvisioner>("default").Should().BeSameAs(host.Services.GetRequiredService<IUserProvisioner>());
        await host.StopAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task The_single_site_layout_may_hold_the_Quartz_section_where_docs_scaling_puts_it()
    {
        // docs/scaling.md: AddCmsUserQuartz(cmsUser.GetSection("Quartz")); without CmsUser:Sites the CmsUser section is the site.
        var settings = JsonSerializer.SerializeToNode(_a.Settings(TimeSpan.FromHours(1)))!;
        settings["Quartz"] = new JsonObject { ["ConnectionString"] = "Server=db.internal;Database=cmsuser_quartz", ["Cron"] = "0 0/15 * * * ?" };
        using var host = Build(Configuration(settings), out _);
        await host.StartAsync();

        var summary = await host.Services.GetRequiredService<IUserProvisioner>().RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(3);
        await host.StopAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_site_with_invalid_settings_stops_the_host_at_start_and_is_named()
    {
        var broken = new { CiviCrm = new { BaseUrl = _b.Civi.Url.ToString() }, WordPress = new { BaseUrl = _b.WordPress.BaseUrl.ToString() }, Rules = Array.Empty<object>() };
        using var host = Build(Configuration(new { Sites = new Dictionary<string, object> { ["alpha"] = _a.Settings(TimeSpan.FromHours(1)), ["beta"] = broken } }), out _);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Contain(f => f.StartsWith("Site 'beta': ", StringComparison.Ordinal))
            .And.NotContain(f => f.StartsWith("Site 'alpha'", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Each_site_has_its_own_health_check()
    {
        var wrongPassword = JsonSerializer.SerializeToNode(_b.Settings(TimeSpan.FromHours(1)))!;
        wrongPassword["WordPress"]!["ApplicationPassword"] = "wrong password here 1234";
        var configuration = Configuration(new { Sites = new Dictionary<string, object> { ["alpha"] = _a.Settings(TimeSpan.FromHours(1)), ["beta"] = wrongPassword } });
        using var host = Build(configuration, out _, services => services.AddHealthChecks().AddCmsUserSiteChecks(configuration.SiteNames()));
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Entries.Keys.Should().BeEquivalentTo("cmsuser-alpha", "cmsuser-beta");
        report.Entries["cmsuser-alpha"].Status.Should().Be(HealthStatus.Healthy);
        report.Entries["cmsuser-beta"].Status.Should().Be(HealthStatus.Unhealthy);
        report.Entries["cmsuser-beta"].Description.Should().NotContain("wrong password here");
        await host.StopAsync();
    }

    [Fact]
    public void Site_names_are_accepted_exactly_when_they_are_short_ASCII_words_and_errors_never_echo_control_characters()
    {
        Gen.String.Sample(name =>
        {
            var valid = name.Length is > 0 and <= 64 && name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.');
            SiteName.IsValid(name).Should().Be(valid);
            if (!valid)
            {
                var error = FluentActions.Invoking(() => SiteName.Require(name)).Should().Throw<ArgumentException>().Which.Message;
                foreach (var control in name.Where(char.IsControl))
                {
                    error.Should().NotContain(control.ToString());
                }
            }
        });
        Gen.Char["abcXYZ019-_."].Array[1, 64].Select(c => new string(c)).Sample(name => SiteName.Require(name).Should().Be(name));
    }

    private static IConfiguration Configuration(object cmsUser) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { CmsUser = cmsUser })))).Build().GetSection("CmsUser");

    private static IHost Build(IConfiguration cmsUser, out FakeLogCollector logs, Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddCmsUserSites(cmsUser, (_, site) => site.AddCiviCrm().AddWordPress());
        more?.Invoke(builder.Services);
        var host = builder.Build();
        logs = host.Services.GetRequiredService<FakeLogCollector>();
        return host;
    }
}
