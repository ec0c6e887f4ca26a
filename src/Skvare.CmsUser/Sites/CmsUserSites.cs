using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Sites;

/// <summary>One site: its registrations, and the service provider built from them on first use.</summary>
internal sealed class CmsUserSite : IAsyncDisposable
{
    private readonly IServiceCollection _services;
    private readonly object _gate = new();
    private ServiceProvider? _provider;
    private SiteUserProvisioner? _provisioner;
    private bool _disposed;

    public CmsUserSite(string name, IServiceCollection services)
    {
        Name = name;
        _services = services;
    }

    public string Name { get; }

    /// <summary>Builds the site's provider, sharing the host's logging, clock and metrics.</summary>
    public IServiceProvider Services(IServiceProvider host)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_provider is null)
            {
                IServiceCollection services = new ServiceCollection();
                foreach (var descriptor in _services)
                {
                    services.Add(descriptor);
                }

                // Added last, so they win over the site's own defaults (AddHttpClient adds a LoggerFactory of its own).
                // Instances are never disposed by the site's provider: the host owns them.
                services.AddSingleton(host.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
                services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
                services.AddSingleton(host.GetService<TimeProvider>() ?? TimeProvider.System);
                if (host.GetService<System.Diagnostics.Metrics.IMeterFactory>() is { } meters)
                {
                    services.AddSingleton(meters);
                }

                _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
            }

            return _provider;
        }
    }

    public IUserProvisioner Provisioner(IServiceProvider host)
    {
        var services = Services(host);
        lock (_gate)
        {
            return _provisioner ??= new SiteUserProvisioner(
                Name,
                services.GetRequiredService<IUserProvisioner>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger("Skvare.CmsUser.Sites"));
        }
    }

    /// <summary>Runs the site's start-up validation (every <c>ValidateOnStart</c> options of the site).</summary>
    public void Validate(IServiceProvider host)
    {
        try
        {
            Services(host).GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            throw new OptionsValidationException(ex.OptionsName, ex.OptionsType, ex.Failures.Select(f => $"Site '{Name}': {f}"));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            // Several options of the site failed (the startup validator runs them all).
            throw new OptionsValidationException(
                Name,
                typeof(CmsUserOptions),
                ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Distinct().Select(f => $"Site '{Name}': {f}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        ServiceProvider? provider;
        lock (_gate)
        {
            provider = _provider;
            _provider = null;
            _disposed = true;
        }

        if (provider is not null)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The host's sites.</summary>
internal sealed class CmsUserSiteRegistry(IReadOnlyList<CmsUserSite> sites, IServiceProvider host) : ICmsUserSites, IAsyncDisposable
{
    private readonly Dictionary<string, CmsUserSite> _byName = sites.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> Names { get; } = sites.Select(s => s.Name).ToArray();

    public IUserProvisioner GetProvisioner(string site) => Find(site).Provisioner(host);

    public IServiceProvider GetServices(string site) => Find(site).Services(host);

    internal IEnumerable<CmsUserSite> All => sites;

    public async ValueTask DisposeAsync()
    {
        foreach (var site in sites)
        {
            await site.DisposeAsync().ConfigureAwait(false);
        }
    }

    private CmsUserSite Find(string site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return _byName.TryGetValue(site, out var found)
            ? found
            : throw new KeyNotFoundException($"No site is named '{(SiteName.IsValid(site) ? site : "(not shown)")}'. Configured: {string.Join(", ", Names)}.");
    }
}

/// <summary>
/// Validates every site's options when the host starts (as <c>ValidateOnStart</c> does for one site), then starts
/// the hosted services a site registered (e.g. <c>AddScheduledRuns</c> inside a site), and stops them in reverse.
/// </summary>
internal sealed class CmsUserSitesHostedService(CmsUserSiteRegistry registry, IServiceProvider host) : IHostedService
{
    private readonly List<IHostedService> _started = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var site in registry.All)
        {
            try
            {
                site.Validate(host);
            }
            catch (OptionsValidationException ex)
            {
                failures.AddRange(ex.Failures);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException("CmsUser:Sites", typeof(CmsUserOptions), failures);
        }

        foreach (var site in registry.All)
        {
            foreach (var service in site.Services(host).GetServices<IHostedService>())
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
                _started.Add(service);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].StopAsync(cancellationToken).ConfigureAwait(false);
        }

        _started.Clear();
    }
}
