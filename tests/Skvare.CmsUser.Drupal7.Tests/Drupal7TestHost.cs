using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Drupal7;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>A fake Drupal 7 site plus a provider wired through the real DI registration.</summary>
internal sealed class Drupal7TestHost : ProviderTestHost, IDisposable
{
    private readonly ServiceProvider _services;

    public Drupal7TestHost(Action<Drupal7Options>? configure = null, TimeProvider? clock = null, TimeProvider? httpClock = null)
    {
        Server = FakeDrupal7Server.Start(timeProvider: clock);
        Logs = new FakeLogCollector();
        var services = new ServiceCollection();
        AddHttpClock(services, httpClock);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
        new TestBuilder(services, null).AddDrupal7(o =>
        {
            o.BaseUrl = Server.BaseUrl;
            o.Endpoint = Server.Endpoint;
            o.Username = FakeDrupal7Server.ApiUsername;
            o.Password = Server.ApiPassword;
            o.RoleIds["editor"] = "4";
            o.Http = FastHttp();
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Provider = _services.GetRequiredService<ICmsAccountProvider>();
    }

    public FakeDrupal7Server Server { get; }

    public FakeLogCollector Logs { get; }

    public ICmsAccountProvider Provider { get; }

    public IEnumerable<FakeDrupal7Request> ApiRequests => Server.Requests.Where(r => !r.Path.EndsWith("/user/login.json", StringComparison.Ordinal));

    public void Dispose()
    {
        _services.Dispose();
        Server.Dispose();
    }
}
