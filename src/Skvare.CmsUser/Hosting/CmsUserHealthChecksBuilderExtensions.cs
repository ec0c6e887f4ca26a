using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Skvare.CmsUser;

/// <summary>Registers the CMS provider's health check.</summary>
public static class CmsUserHealthChecksBuilderExtensions
{
    /// <summary>Adds <see cref="CmsProviderHealthCheck"/>: the CMS answers and the credentials have the permissions needed.</summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name. Default <c>cms</c>.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddCmsProviderCheck(this IHealthChecksBuilder builder, string name = "cms", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.AddCheck<CmsProviderHealthCheck>(name, failureStatus, tags ?? []);
    }
}
