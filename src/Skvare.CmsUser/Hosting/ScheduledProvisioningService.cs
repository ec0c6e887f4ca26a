using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Hosting;

/// <summary>
/// Runs the rules (and the reset campaigns) every <see cref="ScheduleOptions.Interval"/>, only inside
/// the off-peak window when one is set. A failing run is logged and the schedule goes on. A run and the campaigns after
/// it are one cycle (<see cref="UserProvisionerExtensions.RunScheduledCycleAsync"/>): the CMS credentials are checked at
/// most once per cycle. In a host (<see cref="IHostApplicationLifetime"/> registered) the first run waits until the host
/// has started (<see cref="IHostApplicationLifetime.ApplicationStarted"/>, e.g. after Kestrel has bound its port), and no
/// run starts when the host stops or fails to start before that. The host builds its hosted services before it validates
/// the options; the provisioner validates them itself when it is built (<c>AddCmsUserProvisioning</c>'s factory), so a
/// host with wrong settings still stops with the one start-up message naming every package's problems.
/// </summary>
internal sealed class ScheduledProvisioningService : BackgroundService
{
    private readonly IUserProvisioner _provisioner;
    private readonly IOptionsMonitor<CmsUserOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ScheduledProvisioningService> _logger;
    private readonly IHostApplicationLifetime? _lifetime;

    public ScheduledProvisioningService(IUserProvisioner provisioner, IOptionsMonitor<CmsUserOptions> options, TimeProvider time, ILogger<ScheduledProvisioningService> logger, IHostApplicationLifetime? lifetime = null)
    {
        _provisioner = provisioner;
        _options = options;
        _time = time;
        _logger = logger;
        _lifetime = lifetime;
    }

    /// <summary>Raised when the service starts waiting for the host to finish starting (not raised without a host or once it has started).</summary>
    internal event Action? WaitingForHostStart;

    /// <summary>Raised after each finished run, once the wait for the next run has started.</summary>
    internal event Action<RunSummary>? RunCompleted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await HostStartedAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var schedule = _options.CurrentValue.Schedule;
            var wait = DelayUntilWindow(_time.GetLocalNow(), schedule);
            if (wait > TimeSpan.Zero)
            {
                // A wait is only ever for the off-peak window: say so, or a host that logs "waiting 7 hours" at start looks stuck.
                Log.ScheduledWait(
                    _logger,
                    TimeSpan.FromSeconds(Math.Ceiling(wait.TotalSeconds)),
                    schedule.OffPeakStart.GetValueOrDefault().ToString("HH:mm", CultureInfo.InvariantCulture),
                    schedule.OffPeakEnd.GetValueOrDefault().ToString("HH:mm", CultureInfo.InvariantCulture),
                    _time.GetUtcNow() + wait);
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }

            RunSummary? summary = null;
            try
            {
                var resets = schedule.IncludePasswordResets && _options.CurrentValue.PasswordResets.Count > 0;
                summary = (await _provisioner.RunScheduledCycleAsync(resets, stoppingToken).ConfigureAwait(false)).Provisioning;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ScheduledRunFailed(_logger, ex);
            }

            // The wait starts before observers hear about the run, so a test clock can be advanced right after.
            var next = Task.Delay(schedule.Interval, _time, stoppingToken);
            if (summary is not null)
            {
                RunCompleted?.Invoke(summary);
            }

            try
            {
                await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Waits until the host has started; <see langword="false"/> when it stops (or its start fails and it is disposed)
    /// before that. Without an <see cref="IHostApplicationLifetime"/> (a bare service provider) there is nothing to wait for.
    /// </summary>
    private async Task<bool> HostStartedAsync(CancellationToken stoppingToken)
    {
        if (_lifetime is null || _lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return !stoppingToken.IsCancellationRequested;
        }

        var decided = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var started = _lifetime.ApplicationStarted.Register(() => decided.TrySetResult(true));
        using var stopping = _lifetime.ApplicationStopping.Register(() => decided.TrySetResult(false));
        using var stopped = stoppingToken.Register(() => decided.TrySetResult(false));
        WaitingForHostStart?.Invoke();
        return await decided.Task.ConfigureAwait(false) && !stoppingToken.IsCancellationRequested;
    }

    /// <summary>How long to wait before the next run may start, given the off-peak window.</summary>
    internal static TimeSpan DelayUntilWindow(DateTimeOffset localNow, ScheduleOptions schedule)
    {
        if (schedule.OffPeakStart is not TimeOnly start || schedule.OffPeakEnd is not TimeOnly end)
        {
            return TimeSpan.Zero;
        }

        var now = TimeOnly.FromDateTime(localNow.DateTime);
        var inside = start <= end ? now >= start && now < end : now >= start || now < end;
        if (inside)
        {
            return TimeSpan.Zero;
        }

        var until = start.ToTimeSpan() - now.ToTimeSpan();
        return until > TimeSpan.Zero ? until : until + TimeSpan.FromDays(1);
    }
}
