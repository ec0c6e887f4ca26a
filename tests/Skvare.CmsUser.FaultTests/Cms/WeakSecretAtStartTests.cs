using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Every CMS package reports a configured credential shorter than 6 characters when the host starts, before any request,
/// once per client, without saying which (the packages whose validation allows one that short).
/// </summary>
public sealed class WeakSecretAtStartTests
{
    /// <summary>A CMS whose settings take a short credential: its fake, its registration with one, and its event id.</summary>
    private sealed record Row(Func<IFakeCmsServer> Start, Action<IServiceCollection, IFakeCmsServer> Register, int EventId);

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["Drupal"] = new(() => FakeDrupalServer.Start(), (services, server) => CmsClients.Drupal(services, server, "api", "pw1"), 3114),
        ["Drupal7"] = new(() => FakeDrupal7Server.Start(), (services, server) => CmsClients.Drupal7(services, server, "api", "pw1"), 3210),
        ["Joomla"] = new(() => new FakeJoomlaServer(), (services, server) => CmsClients.Joomla(services, server, "tk1"), 3407),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Names))]
    public async Task A_short_credential_is_reported_when_the_host_starts_before_any_request(string name)
    {
        var row = Rows[name];
        using var server = row.Start();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Trace);
        row.Register(builder.Services, server);
        builder.Services.Configure<CmsUserOptions>(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") }));
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await host.StartAsync(timeout.Token);

        server.RequestLogText.Should().BeEmpty("the host only started");
        var weak = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Id.Id == row.EventId).ToList();
        weak.Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
        weak[0].Message.Should().Contain(" of the credentials configured").And.NotContain("pw1").And.NotContain("tk1");
        await host.StopAsync(timeout.Token);
    }
}
