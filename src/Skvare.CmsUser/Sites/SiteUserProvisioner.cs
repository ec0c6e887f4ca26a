using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Sites;

/// <summary>
/// A site's provisioner as callers see it: every call runs inside a <c>site</c> logging scope, under a
/// <c>cmsuser.site</c> activity tagged with the site, and with the site as the ambient metric tag.
/// </summary>
internal sealed class SiteUserProvisioner(string site, IUserProvisioner inner, ILogger logger) : IUserProvisioner
{
    private readonly KeyValuePair<string, object?>[] _scope = [new(CmsUserTelemetry.SiteTag, site)];

    public string Site => site;

    public async Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var context = Enter("provision");
        return await inner.ProvisionAsync(contactId, options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunSummary> RunOnceAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var context = Enter("run");
        return await inner.RunOnceAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunSummary> ResetPasswordsAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var context = Enter("reset");
        return await inner.ResetPasswordsAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<PlanEntry> PlanAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var context = Enter("plan");
        await foreach (var entry in inner.PlanAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return entry;
        }
    }

    private SiteContext Enter(string operation)
    {
        var previous = CmsUserTelemetry.CurrentSite.Value;
        CmsUserTelemetry.CurrentSite.Value = site;
        var activity = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.site");
        activity?.SetTag("cmsuser." + CmsUserTelemetry.SiteTag, site);
        activity?.SetTag("cmsuser.operation", operation);
        return new SiteContext(logger.BeginScope(_scope), activity, previous);
    }

    private readonly struct SiteContext(IDisposable? scope, System.Diagnostics.Activity? activity, string? previous) : IDisposable
    {
        public void Dispose()
        {
            activity?.Dispose();
            scope?.Dispose();
            CmsUserTelemetry.CurrentSite.Value = previous;
        }
    }
}
