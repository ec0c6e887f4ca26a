using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Skvare.CmsUser.CiviCrm;

namespace Skvare.CmsUser;

/// <summary>Registers the CiviCRM health check.</summary>
public static class CiviCrmHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="CiviCrmConnectivityCheck"/>: CiviCRM answers as the API user, UFMatch is readable, the activity
    /// types and the configured groups, tags and saved searches exist. Needs <c>AddCiviCrm()</c> on the CmsUser builder.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name. Default <c>civicrm</c>.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddCiviCrmCheck(this IHealthChecksBuilder builder, string name = "civicrm", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredService<CiviCrmConnectivityCheck>(), failureStatus, tags));
    }
}
