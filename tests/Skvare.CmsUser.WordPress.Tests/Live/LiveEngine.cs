using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// The whole SDK against the real WordPress: the engine, the CiviCRM package over HTTP against a fake CiviCRM
/// (<see cref="Civi"/>), and the WordPress package pointed at the live site. One per test class instance.
/// </summary>
internal sealed class LiveEngine : IDisposable
{
    private ServiceProvider? _services;

    public FakeCiviCrmServer Civi { get; } = new();

    /// <summary>The log records of the engine <see cref="Start"/> built last.</summary>
    public FakeLogCollector Logs => _services!.GetFakeLogCollector();

    /// <summary>Builds the engine with <paramref name="configure"/>'s rules and options (and another application password when given).</summary>
    public (IUserProvisioner Engine, ICmsAccountProvider WordPress) Start(Action<CmsUserOptions> configure, bool companion, string? applicationPassword = null)
    {
        var site = LiveWordPressSite.Require();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFakeLogging();
        services.AddCmsUserProvisioning(configure)
            .AddCiviCrm(o =>
            {
                o.BaseUrl = Civi.Url;
                o.ApiKey = Civi.ApiKey;
            })
            .AddWordPress(o => site.Configure(o, companion, applicationPassword));
        _services?.Dispose();
        _services = services.BuildServiceProvider();
        return (_services.GetRequiredService<IUserProvisioner>(), _services.GetRequiredService<ICmsAccountProvider>());
    }

    public void Dispose()
    {
        _services?.Dispose();
        Civi.Dispose();
    }
}
