using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.Testing.Backdrop;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>A fake Backdrop site plus a provider wired through the real DI registration.</summary>
internal sealed class BackdropTestHost : IDisposable
{
    private readonly ServiceProvider _services;

    public BackdropTestHost(Action<BackdropOptions>? configure = null, string? secret = null)
    {
        Server = FakeBackdropServer.Start(secret);
        Logs = new FakeLogCollector();
        var services = new ServiceCollection();
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

    public static HttpClientSettings FastHttp() => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetries = 2,
        AttemptTimeout = TimeSpan.FromSeconds(5),
        CircuitBreakerFailureRatio = 1.0,
    };

    public static NewCmsAccount NewAccount(string username = "jdoe", string email = "jdoe@example.org") =>
        new() { Username = username, Email = email };

    public void Dispose()
    {
        _services.Dispose();
        Server.Dispose();
    }
}

/// <summary>A minimal builder so the tests exercise AddBackdrop without the engine's own options.</summary>
internal sealed record TestBuilder(IServiceCollection Services, IConfiguration? Configuration) : ICmsUserBuilder;
