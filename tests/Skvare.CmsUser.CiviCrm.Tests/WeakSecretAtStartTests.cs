using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A configured CiviCRM key shorter than 6 characters is reported (Warning 2013) when the host starts, before any request,
/// once, and never says which key.
/// </summary>
public sealed class WeakSecretAtStartTests
{
    private const int WeakSecret = 2013;

    private static IHost Host(FakeCiviCrmServer civi, string apiKey, string? siteKey = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") }))
            .AddCiviCrm(o =>
            {
                o.BaseUrl = civi.Url;
                o.ApiKey = apiKey;
                o.SiteKey = siteKey;
            });
        builder.Services.AddSingleton<ICmsAccountProvider>(new FakeCmsAccountProvider());

        // No scheduled runs (AddScheduledRuns is not called): the start itself must report the key, not a run's first request.
        return builder.Build();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact(Timeout = 60_000)]
    public async Task A_short_key_is_reported_when_the_host_starts_before_any_request_and_only_once()
    {
        using var civi = new FakeCiviCrmServer();
        using var host = Host(civi, apiKey: "k3y", siteKey: "s1te");

        await host.StartAsync(Timeout());

        civi.Requests.Should().BeEmpty("the host only started");
        var logs = host.Services.GetRequiredService<FakeLogCollector>();
        var weak = logs.GetSnapshot().Where(r => r.Id.Id == WeakSecret).Should().ContainSingle().Subject;
        weak.Level.Should().Be(LogLevel.Warning);
        weak.Message.Should().StartWith("CiviCRM: 2 of the credentials").And.NotContain("k3y").And.NotContain("s1te");

        // The first request (refused: the fake has another key) reports nothing again.
        var refused = () => host.Services.GetRequiredService<CiviCrmApiClient>().CallAsync("Contact", "get", new Api4Params(), Timeout());
        await refused.Should().ThrowAsync<CmsUserException>();
        civi.Requests.Should().NotBeEmpty();
        logs.GetSnapshot().Count(r => r.Id.Id == WeakSecret).Should().Be(1, "once per client");
        await host.StopAsync(Timeout());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_long_key_is_not_reported()
    {
        using var civi = new FakeCiviCrmServer();
        using var host = Host(civi, apiKey: civi.ApiKey);

        await host.StartAsync(Timeout());

        host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Should().NotContain(r => r.Id.Id == WeakSecret);
        await host.StopAsync(Timeout());
    }
}
