using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>A provider wired through DI against a fake or live site, with captured logs.</summary>
internal sealed class WordPressTestHost : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="configure">The provider's options.</param>
    /// <param name="httpClock">The HTTP pipeline's clock (attempt timeouts, retry delays); the system clock when null.</param>
    public WordPressTestHost(Action<WordPressOptions> configure, TimeProvider? httpClock = null)
    {
        var services = new ServiceCollection();
        Skvare.CmsUser.Tests.Shared.ProviderTestHost.AddHttpClock(services, httpClock);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddFakeLogging();
        services.AddCmsUserProvisioning().AddWordPress(o =>
        {
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            o.Http.MaxRetries = 2;
            o.Http.AttemptTimeout = TimeSpan.FromSeconds(30); // a bound for ordinary answers on a loaded machine; timeout tests set their own
            configure(o);
        });
        _services = services.BuildServiceProvider(validateScopes: true);
        Provider = _services.GetRequiredService<ICmsAccountProvider>();
        Logs = _services.GetFakeLogCollector();
    }

    public ICmsAccountProvider Provider { get; }

    public FakeLogCollector Logs { get; }

    public static WordPressTestHost For(FakeWordPressServer server, bool companion = false, Action<WordPressOptions>? configure = null, TimeProvider? httpClock = null) =>
        new(
            o =>
            {
                o.BaseUrl = server.BaseUrl;
                o.Username = server.AdminUsername;
                o.ApplicationPassword = server.ApplicationPassword;
                o.UseCompanionPlugin = companion;
                configure?.Invoke(o);
            },
            httpClock);

    public string AllLogText() =>
        string.Join('\n', Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception + " " + string.Join(",", r.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? [])));

    public void Dispose() => _services.Dispose();
}
