using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Skvare.CmsUser.Quartz;

/// <summary>
/// The keys of one site's jobs in the Quartz store, for a host that triggers, pauses or inspects them through Quartz's
/// own <see cref="IScheduler"/> (e.g. <c>scheduler.TriggerJob(SiteJobKeys.Provision("north"))</c> runs a batch now). The
/// keys are rows of a persistent, shared store, so they stay the same across releases.
/// </summary>
public static class SiteJobKeys
{
    /// <summary>The Quartz group of the batch jobs.</summary>
    public const string ProvisionGroup = "cmsuser-provision";

    /// <summary>The Quartz group of the reset campaign jobs.</summary>
    public const string ResetGroup = "cmsuser-reset";

    /// <summary>The job data key holding the site name (the job's own bookkeeping: the key's name is the site).</summary>
    internal const string SiteKey = "site";

    /// <summary>A site's batch job.</summary>
    /// <param name="site">The site name.</param>
    public static JobKey Provision(string site) => new(site, ProvisionGroup);

    /// <summary>A site's reset campaign job.</summary>
    /// <param name="site">The site name.</param>
    public static JobKey Reset(string site) => new(site, ResetGroup);
}

/// <summary>
/// Runs one site's scheduled cycle once (<see cref="UserProvisionerExtensions.RunScheduledCycleAsync"/>): its rules, then
/// its reset campaigns when they have no cron of their own; never twice at once for a site.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class SiteProvisioningJob(ICmsUserSites sites, IOptions<CmsUserQuartzOptions> options, TimeProvider time, ILogger<SiteProvisioningJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await SiteJob.RunAsync(context, sites, options.Value, time, logger, "provision", async (provisioner, settings, site, token) =>
        {
            // Without a reset cron of their own, the campaigns follow the batch in the same cycle (as AddScheduledRuns
            // does), so an idle cycle checks the CMS credentials once.
            var resets = settings.Schedule.IncludePasswordResets && settings.PasswordResets.Count > 0 && !SiteJob.HasResetCron(options.Value, site);
            var cycle = await provisioner.RunScheduledCycleAsync(resets, token).ConfigureAwait(false);
            return cycle.Provisioning;
        }, cancellationToken).ConfigureAwait(false);
}

/// <summary>Runs one site's password reset campaigns once; never twice at once for a site.</summary>
[DisallowConcurrentExecution]
internal sealed class SitePasswordResetJob(ICmsUserSites sites, IOptions<CmsUserQuartzOptions> options, TimeProvider time, ILogger<SitePasswordResetJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await SiteJob.RunAsync(context, sites, options.Value, time, logger, "reset", (provisioner, _, _, token) => provisioner.ResetPasswordsAsync(null, token), cancellationToken).ConfigureAwait(false);
}

internal static class SiteJob
{
    public static bool HasResetCron(CmsUserQuartzOptions options, string site) =>
        ((options.Sites.TryGetValue(site, out var own) ? own.ResetCron : null) ?? options.ResetCron) is not null;

    public static async Task RunAsync(
        IJobExecutionContext context,
        ICmsUserSites sites,
        CmsUserQuartzOptions options,
        TimeProvider time,
        ILogger logger,
        string kind,
        Func<IUserProvisioner, CmsUserOptions, string, CancellationToken, Task<RunSummary>> run,
        CancellationToken cancellationToken)
    {
        var site = context.MergedJobDataMap.GetString(SiteJobKeys.SiteKey) ?? context.JobDetail.Key.Name;
        if (!sites.Names.Contains(site, StringComparer.OrdinalIgnoreCase))
        {
            // A site removed from configuration while its jobs remain in the shared store.
            Log.UnknownSite(logger, site, kind);
            return;
        }

        var settings = sites.GetServices(site).GetService(typeof(IOptions<CmsUserOptions>)) is IOptions<CmsUserOptions> siteOptions
            ? siteOptions.Value
            : new CmsUserOptions();
        var zone = SiteScheduling.Zone(options);
        if (!SiteScheduling.InsideWindow(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone), settings.Schedule))
        {
            // A late (misfired or recovered) firing outside the off-peak window waits for the next one.
            Log.OutsideWindow(logger, site, kind);
            return;
        }

        Log.Started(logger, site, kind, context.FireInstanceId, context.Recovering);
        try
        {
            var summary = await run(sites.GetProvisioner(site), settings, site, cancellationToken).ConfigureAwait(false);
            Log.Finished(logger, site, kind, summary.Total, summary.Quarantined, summary.StopKind);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: contacts already started were written; the rest stay for the next firing.
            Log.Cancelled(logger, site, kind);
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException)
        {
            // The next firing tries again; a refire now would hammer a site that is down.
            Log.Failed(logger, site, kind, ex);
        }
    }
}
