using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>The CiviCRM package wired against a fake CiviCRM over real HTTP.</summary>
internal sealed class CiviHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public CiviHarness(Action<CiviCrmOptions>? configure = null, Action<CmsUserOptions>? engine = null, ICmsAccountProvider? cms = null, Func<HttpMessageHandler>? extraHandler = null, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddCmsUserProvisioning(o =>
        {
            if (engine is null)
            {
                o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") });
            }

            engine?.Invoke(o);
        }).AddCiviCrm(o =>
        {
            o.BaseUrl = Fake.Url;
            o.ApiKey = Fake.ApiKey;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            o.Http.AttemptTimeout = TimeSpan.FromSeconds(2);
            configure?.Invoke(o);
        });
        if (extraHandler is not null)
        {
            services.AddHttpClient(CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(_ => (DelegatingHandler)extraHandler());
        }

        if (cms is not null)
        {
            services.AddSingleton(cms);
        }

        more?.Invoke(services);
        _services = services.BuildServiceProvider();
    }

    public FakeCiviCrmServer Fake { get; } = new();

    public IServiceProvider Services => _services;

    public CiviCrmApiClient Client => _services.GetRequiredService<CiviCrmApiClient>();

    public ITriggerSourceFactory Triggers => _services.GetRequiredService<ITriggerSourceFactory>();

    public IActivityRecorder Recorder => _services.GetRequiredService<IActivityRecorder>();

    public IAccountLinkStore Links => _services.GetRequiredService<IAccountLinkStore>();

    public IUserProvisioner Provisioner => _services.GetRequiredService<IUserProvisioner>();

    public FakeLogCollector Logs => _services.GetRequiredService<FakeLogCollector>();

    public void Dispose()
    {
        _services.Dispose();
        Fake.Dispose();
    }
}
