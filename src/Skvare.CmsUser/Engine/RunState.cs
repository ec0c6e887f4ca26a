using System.Diagnostics;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>Counts, failures and the stop decision of one run. Thread-safe.</summary>
internal sealed class RunState
{
    private const int MaxFailuresKept = 1000;
    private readonly object _gate = new();
    private readonly Dictionary<OutcomeKind, int> _counts = [];
    private readonly List<ProvisioningOutcome> _failures = [];
    private readonly Dictionary<int, int> _processedByPass = [];
    private readonly AttemptPolicy _attempts;
    private int _consecutiveTransient;
    private int _processed;
    private int _notificationsFailed;
    private int _accessRestored;

    public RunState(DateTimeOffset startedAt, AttemptPolicy attempts)
    {
        StartedAt = startedAt;
        _attempts = attempts;
    }

    public DateTimeOffset StartedAt { get; }

    public bool Quarantined { get; private set; }

    public bool Cancelled { get; set; }

    public string? StopReason { get; private set; }

    /// <summary>What kind of stop set <see cref="StopReason"/> (the first one), or <see cref="RunStopKind.None"/>.</summary>
    public RunStopKind StopKind { get; private set; }

    /// <summary>
    /// Whether a contact of the run reached the CMS: the CMS took it (created, linked, blocked, roles removed; in a reset
    /// campaign, a reset sent, or answered but not mailed: <c>mail_failed</c>) or a server could not take it (a transient
    /// failure). Such a run needs no credentials check.
    /// </summary>
    public bool CmsReached { get; private set; }

    /// <summary>The credentials check the run made because no contact reached the CMS, if it made one.</summary>
    public ConnectivityCheck? CmsCredentialsCheck { get; set; }

    /// <summary>Whether no further contact may be started.</summary>
    public bool Stopped => StopReason is not null;

    /// <summary>Notes a contact's processing result (before the write-back) for the quarantine decision.</summary>
    public void Observe(ContactResult work)
    {
        lock (_gate)
        {
            _consecutiveTransient = AttemptPolicy.NextTransientStreak(_consecutiveTransient, work.Error?.Kind);
            if (work.Error?.Kind == FailureKind.Transient && _attempts.Quarantines(_consecutiveTransient) && !Stopped)
            {
                // The message is a sentence; inside the parentheses its full stop would read "…)." after a caller's own stop.
                Quarantine($"{_consecutiveTransient} transient failures in a row (last: {work.Error.Message.TrimEnd().TrimEnd('.')})");
            }

            if (work.StopError is { } stop && !Stopped)
            {
                StopReason = stop.Message;
                StopKind = RunStopKind.Configuration;
            }
        }
    }

    public void Quarantine(string reason)
    {
        lock (_gate)
        {
            if (!Stopped)
            {
                Quarantined = true;
                StopReason = reason;
                StopKind = RunStopKind.Quarantined;
                CmsUserTelemetry.Quarantined.Add(1);
            }
        }
    }

    /// <summary>Stops the run for <paramref name="kind"/> (a configuration error or a defect) unless it stopped already.</summary>
    public void Stop(RunStopKind kind, string reason)
    {
        lock (_gate)
        {
            if (!Stopped)
            {
                StopReason = reason;
                StopKind = kind;
            }
        }
    }

    /// <summary>Records a final outcome of pass <paramref name="pass"/>; returns the running counts of processed contacts, in the run and in that pass.</summary>
    public (int Run, int Pass) Complete(ProvisioningOutcome outcome, int pass)
    {
        lock (_gate)
        {
            _counts[outcome.Kind] = _counts.GetValueOrDefault(outcome.Kind) + 1;
            // A reset the site answered but could not mail (mail_failed) was an accepted, authenticated request too.
            CmsReached |= outcome.Kind is OutcomeKind.Created or OutcomeKind.Linked or OutcomeKind.Blocked or OutcomeKind.RolesRemoved
                || outcome.Error?.Kind == FailureKind.Transient
                || outcome.Error?.Code == CmsUserErrorCodes.MailFailed;
            if (outcome.Kind is OutcomeKind.Failed or OutcomeKind.GaveUp && _failures.Count < MaxFailuresKept)
            {
                _failures.Add(outcome);
            }

            if (outcome is { Kind: OutcomeKind.Created, Notification: CmsNotification.Failed })
            {
                _notificationsFailed++;
            }

            if (outcome.AccessRestored)
            {
                _accessRestored++;
            }

            if (CmsUserTelemetry.Processed.Enabled)
            {
                // Only with a listener: the outcome's name boxes the enum, and the tags are built per contact.
                CmsUserTelemetry.Processed.Add(1, new TagList { { "outcome", outcome.Kind.ToString() }, { "rule", outcome.Rule } });
            }

            var inPass = _processedByPass[pass] = _processedByPass.GetValueOrDefault(pass) + 1;
            return (++_processed, inPass);
        }
    }

    public RunSummary ToSummary(TimeSpan duration)
    {
        lock (_gate)
        {
            return new RunSummary
            {
                StartedAt = StartedAt,
                Duration = duration,
                Counts = Enum.GetValues<OutcomeKind>().ToDictionary(k => k, k => _counts.GetValueOrDefault(k)),
                Failures = _failures.ToArray(),
                NotificationsFailed = _notificationsFailed,
                AccessRestored = _accessRestored,
                CmsCredentialsCheck = CmsCredentialsCheck,
                Quarantined = Quarantined,
                Cancelled = Cancelled,
                StopReason = StopReason,
                StopKind = StopKind != RunStopKind.None ? StopKind : Cancelled ? RunStopKind.Cancelled : RunStopKind.None,
            };
        }
    }
}
