using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Skvare.CmsUser.Sites;

namespace Skvare.CmsUser;

/// <summary>Registers several named sites (<c>CmsUser:Sites:{name}</c>) in one host.</summary>
public static class CmsUserSitesServiceCollectionExtensions
{
    /// <summary>
    /// Adds one provisioning engine per site under <c>CmsUser:Sites</c>. Each child section has the single-site
    /// layout (<c>CiviCrm</c>, <c>WordPress</c>, <c>Rules</c>, …) and gets its own service provider, so its options,
    /// HTTP clients and providers are its own. Without a <c>Sites</c> section the <c>CmsUser</c> section itself is
    /// the one site, named <c>default</c>. Each site's <see cref="IUserProvisioner"/> is a keyed service under the
    /// site name; <see cref="ICmsUserSites"/> lists them; a host with a single site also gets it unkeyed.
    /// Every site's options are validated when the host starts.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The <c>CmsUser</c> section.</param>
    /// <param name="configureSite">Adds the site's packages: <c>(name, site) =&gt; site.AddCiviCrm().AddWordPress()</c>.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentException">A site name is not 1-64 letters, digits, '-', '_' or '.', or two differ only in case.</exception>
    public static IServiceCollection AddCmsUserSites(this IServiceCollection services, IConfiguration configuration, Action<string, ICmsUserBuilder> configureSite)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configureSite);

        var sections = configuration.GetSection("Sites").GetChildren().ToList();
        var layout = sections.Count == 0
            ? [(SiteName.Default, configuration)]
            : sections.Select(s => (Name: s.Key, Section: (IConfiguration)s)).ToList();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var sites = new List<CmsUserSite>();
        foreach (var (name, section) in layout)
        {
            SiteName.Require(name);
            if (!seen.Add(name))
            {
                throw new ArgumentException($"Two sites are named '{name}' (names are case-insensitive).", nameof(configuration));
            }

            var siteServices = new ServiceCollection();
            configureSite(name, siteServices.AddCmsUserProvisioning(section));
            sites.Add(new CmsUserSite(name, siteServices));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new CmsUserSiteRegistry(sites, sp));
        services.AddSingleton<ICmsUserSites>(sp => sp.GetRequiredService<CmsUserSiteRegistry>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CmsUserSitesHostedService>());
        foreach (var site in sites)
        {
            services.AddKeyedSingleton<IUserProvisioner>(site.Name, (sp, _) => sp.GetRequiredService<ICmsUserSites>().GetProvisioner(site.Name));
        }

        if (sites.Count == 1)
        {
            services.TryAddSingleton(sp => sp.GetRequiredService<ICmsUserSites>().GetProvisioner(sites[0].Name));
        }

        return services;
    }

    /// <summary>
    /// Adds one health check per site, named <c>cmsuser-{site}</c> and tagged <c>cmsuser</c> and the site name: the
    /// site's CMS connectivity check (credentials, permissions, API reachable).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="sites">The site names (from <see cref="ICmsUserSites.Names"/> or configuration).</param>
    /// <param name="failureStatus">The status reported when a site is down; <see cref="HealthStatus.Unhealthy"/> when not set.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddCmsUserSiteChecks(this IHealthChecksBuilder builder, IEnumerable<string> sites, HealthStatus? failureStatus = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sites);
        foreach (var site in sites)
        {
            var name = SiteName.Require(site);
            builder.Add(new HealthCheckRegistration(
                "cmsuser-" + name,
                sp => new CmsUserSiteHealthCheck(sp.GetRequiredService<ICmsUserSites>(), name),
                failureStatus,
                ["cmsuser", name]));
        }

        return builder;
    }

    /// <summary>The site names <see cref="AddCmsUserSites"/> reads from a <c>CmsUser</c> section (for <see cref="AddCmsUserSiteChecks"/>).</summary>
    /// <param name="configuration">The <c>CmsUser</c> section.</param>
    /// <returns>The names, or <c>default</c> alone for the single-site layout.</returns>
    public static IReadOnlyList<string> SiteNames(this IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var names = configuration.GetSection("Sites").GetChildren().Select(s => s.Key).ToArray();
        return names.Length == 0 ? [SiteName.Default] : names;
    }
}
