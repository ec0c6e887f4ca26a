using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Drupal;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>A fake Drupal site plus a provider wired through the real DI registration.</summary>
internal sealed class DrupalTestHost : ProviderTestHost, IDisposable
{
    private readonly ServiceProvider _services;

    public DrupalTestHost(Action<DrupalOptions>? configure = null, bool oauth = false, FakeTimeProvider? clock = null, TimeProvider? httpClock = null)
    {
        Clock = clock;
        Server = FakeDrupalServer.Start(timeProvider: clock);
        Logs = new FakeLogCollector();
        var services = new ServiceCollection();
        AddHttpClock(services, httpClock);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
        new TestBuilder(services, null).AddDrupal(o =>
        {
            o.BaseUrl = Server.BaseUrl;
            if (oauth)
            {
                o.Authentication = DrupalAuthenticationMode.OAuth2;
                o.ClientId = Server.ClientId;
                o.ClientSecret = Server.ClientSecret;
                o.Scope = "cmsuser";
            }
            else
            {
                o.Username = FakeDrupalServer.ApiUsername;
                o.Password = Server.ApiPassword;
            }

            o.Http = FastHttp();
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        // The fake clock goes to the provider only: the resilience pipeline keeps real time for its delays.
        Provider = clock is null
            ? _services.GetRequiredService<ICmsAccountProvider>()
            : ActivatorUtilities.CreateInstance<DrupalAccountProvider>(_services, (TimeProvider)clock);
    }

    public FakeDrupalServer Server { get; }

    public FakeLogCollector Logs { get; }

    public FakeTimeProvider? Clock { get; }

    public ICmsAccountProvider Provider { get; }

    public IEnumerable<FakeDrupalRequest> ApiRequests => Server.Requests.Where(r => r.Path != "/oauth/token");

    public void Dispose()
    {
        (Provider as IDisposable)?.Dispose();
        _services.Dispose();
        Server.Dispose();
    }
}
