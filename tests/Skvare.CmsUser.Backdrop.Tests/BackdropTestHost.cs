using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>A fake Backdrop site plus a provider wired through the real DI registration.</summary>
internal sealed class BackdropTestHost : ProviderTestHost, IDisposable
{
    private readonly ServiceProvider _services;

    public BackdropTestHost(Action<BackdropOptions>? configure = null, string? secret = null, TimeProvider? httpClock = null)
    {
        Server = FakeBackdropServer.Start(secret);
        Logs = new FakeLogCollector();
        var services = new ServiceCollection();
        AddHttpClock(services, httpClock);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
        new TestBuilder(services, null).AddBackdrop(o =>
        {
            o.BaseUrl = Server.BaseUrl;
            o.Secret = Server.Secret;
            o.Http = FastHttp();
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Provider = _services.GetRequiredService<ICmsAccountProvider>();
    }

    public FakeBackdropServer Server { get; }

    public FakeLogCollector Logs { get; }

    public ICmsAccountProvider Provider { get; }

    public void Dispose()
    {
        _services.Dispose();
        Server.Dispose();
    }
}
