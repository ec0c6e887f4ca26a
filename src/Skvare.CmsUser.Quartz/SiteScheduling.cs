using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Skvare.CmsUser.Quartz;

/// <summary>Turns each site's schedule into Quartz jobs and triggers in the shared store.</summary>
internal static class SiteScheduling
{
    public static TimeZoneInfo Zone(CmsUserQuartzOptions options) =>
        options.TimeZone is { Length: > 0 } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Local;

    /// <summary>Whether a local time is inside the site's off-peak window (always, without one; the window may span midnight).</summary>
    public static bool InsideWindow(DateTimeOffset local, ScheduleOptions schedule)
    {
        // The same window as the core's hosted service; computed here because packages never use each other's internals.
        if (schedule.OffPeakStart is not TimeOnly start || schedule.OffPeakEnd is not TimeOnly end)
        {
            return true;
        }

        var now = TimeOnly.FromDateTime(local.DateTime);
        return start <= end ? now >= start && now < end : now >= start || now < end;
    }

    /// <summary>
    /// The triggers of one job: the cron expression when there is one, else every <see cref="ScheduleOptions.Interval"/>
    /// inside the off-peak window (two daily-interval triggers when the window spans midnight), else every interval.
    /// Misfire policy: one catch-up firing as soon as possible, then the normal schedule (never a burst of them).
    /// </summary>
    public static IReadOnlyList<ITrigger> Triggers(JobKey job, string? cron, ScheduleOptions schedule, TimeZoneInfo zone, DateTimeOffset now)
    {
        TriggerBuilder<IJob> Named(string suffix) => TriggerBuilder.Create(TimeProvider.System)
            .WithIdentity(job.Name + suffix, job.Group)
            .ForJob(job)
            .UsingJobData(SiteJobKeys.SiteKey, job.Name);

        if (cron is not null)
        {
            return [Named(".cron").WithSchedule(CronScheduleBuilder.Create(cron).InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)).Build()];
        }

        var interval = schedule.Interval > TimeSpan.Zero ? schedule.Interval : TimeSpan.FromMinutes(15);
        var seconds = (int)Math.Clamp(Math.Round(interval.TotalSeconds), 1, int.MaxValue);
        if (schedule.OffPeakStart is not TimeOnly start || schedule.OffPeakEnd is not TimeOnly end)
        {
            return [Named(".interval").StartAt(now).WithSchedule(SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromSeconds(seconds)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build()];
        }

        ITrigger Window(string suffix, TimeOnly from, TimeOnly to) => Named(suffix)
            .StartAt(now)
            .WithSchedule(DailyTimeIntervalScheduleBuilder.Create()
                .InTimeZone(zone)
                .StartingDailyAt(from)
                .EndingDailyAt(to)
                .WithInterval(seconds, IntervalUnit.Second)
                .WithMisfireInstruction(DailyTimeIntervalTriggerMisfireInstruction.FireAndProceed))
            .Build();

        return start < end
            ? [Window(".window", start, end)]
            : [Window(".window-evening", start, new TimeOnly(23, 59, 59)), Window(".window-morning", TimeOnly.MinValue, end)];
    }

    /// <summary>A fingerprint of a site's schedule, kept on its triggers so an unchanged schedule is left alone.</summary>
    public static string Fingerprint(string? cron, ScheduleOptions schedule, TimeZoneInfo zone) =>
        $"{cron}|{schedule.Interval}|{schedule.OffPeakStart}|{schedule.OffPeakEnd}|{zone.Id}";
}

/// <summary>
/// At start, makes the shared store hold exactly this configuration's site jobs: adds what is missing, replaces the
/// triggers of a site whose schedule changed, and leaves the rest (so instances starting together do not reset the
/// schedule each time). Runs before Quartz's hosted service starts the scheduler.
/// </summary>
internal sealed class SiteJobRegistrar(
    ISchedulerFactory schedulers,
    ICmsUserSites sites,
    IOptions<CmsUserQuartzOptions> options,
    TimeProvider time,
    ILogger<SiteJobRegistrar> logger) : IHostedService
{
    private const string FingerprintKey = "cmsuser.schedule";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var settings = options.Value;
        var zone = SiteScheduling.Zone(settings);
        foreach (var site in sites.Names)
        {
            var siteOptions = (IOptions<CmsUserOptions>?)sites.GetServices(site).GetService(typeof(IOptions<CmsUserOptions>));
            var cmsUser = siteOptions?.Value ?? new CmsUserOptions();
            var own = settings.Sites.TryGetValue(site, out var s) ? s : null;
            await EnsureAsync(scheduler, SiteJobKeys.Provision(site), typeof(SiteProvisioningJob), own?.Cron ?? settings.Cron, cmsUser.Schedule, zone, "provision", cancellationToken).ConfigureAwait(false);
            var resetCron = own?.ResetCron ?? settings.ResetCron;
            if (resetCron is not null && cmsUser.PasswordResets.Count > 0)
            {
                await EnsureAsync(scheduler, SiteJobKeys.Reset(site), typeof(SitePasswordResetJob), resetCron, cmsUser.Schedule, zone, "reset", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAsync(IScheduler scheduler, JobKey key, Type jobType, string? cron, ScheduleOptions schedule, TimeZoneInfo zone, string kind, CancellationToken cancellationToken)
    {
        var fingerprint = SiteScheduling.Fingerprint(cron, schedule, zone);
        var existing = await scheduler.GetTriggersOfJob(key, cancellationToken).ConfigureAwait(false);
        if (existing.Count > 0 && existing.All(t => t.JobDataMap.GetString(FingerprintKey) == fingerprint))
        {
            return;
        }

        var job = JobBuilder.Create()
            .OfType(jobType)
            .WithIdentity(key)
            .WithDescription($"Skvare.CmsUser {kind} for site {key.Name}")
            .UsingJobData(SiteJobKeys.SiteKey, key.Name)
            .StoreDurably()
            .RequestRecovery() // an instance that dies mid-run: another runs the job again at once
            .Build();
        var triggers = SiteScheduling.Triggers(key, cron, schedule, zone, time.GetUtcNow())
            .Select(t => t.GetTriggerBuilder().UsingJobData(FingerprintKey, fingerprint).Build())
            .ToArray();
        if (existing.Count > 0)
        {
            // The schedule changed: replace job and triggers in one transaction.
            await scheduler.ScheduleJob(job, triggers, ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                await scheduler.ScheduleJob(job, triggers, new ScheduleJobOptions(), cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another instance starting at the same moment added it first: its triggers may already have fired,
                // so they are left alone rather than replaced (a replaced trigger would fire again).
                return;
            }
        }

        Log.Scheduled(logger, key.Name, kind, cron ?? $"every {schedule.Interval}" + (schedule.OffPeakStart is null ? string.Empty : $" from {schedule.OffPeakStart} to {schedule.OffPeakEnd}"));
    }
}
