using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Skvare.CmsUser.Hosting;

namespace Skvare.CmsUser.Sites;

/// <summary>A site's health: its CMS connectivity check, run with the site's own provider and HTTP client.</summary>
internal sealed class CmsUserSiteHealthCheck(ICmsUserSites sites, string site) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var provider = sites.GetServices(site).GetRequiredService<ICmsAccountProvider>();
        return new CmsProviderHealthCheck(provider).CheckHealthAsync(context, cancellationToken);
    }
}
