using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Skvare.CmsUser;

/// <summary>Health check over <see cref="ICmsAccountProvider.CheckConnectivityAsync"/>.</summary>
internal sealed class CmsProviderHealthCheck : IHealthCheck
{
    private readonly ICmsAccountProvider _provider;

    /// <summary>Creates the check.</summary>
    /// <param name="provider">The CMS provider.</param>
    public CmsProviderHealthCheck(ICmsAccountProvider provider)
    {
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var report = await _provider.CheckConnectivityAsync(cancellationToken).ConfigureAwait(false);
            var data = report.Checks.ToDictionary(c => c.Name, c => (object)$"{(c.Passed ? "ok" : "FAILED")}: {c.Detail}");
            return report.Healthy
                ? HealthCheckResult.Healthy(report.Target, data)
                : new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, $"{report.Target}: " + string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => c.Detail)), null, data);
        }
        catch (CmsUserException ex)
        {
            return new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, ex.Message, ex);
        }
    }
}
