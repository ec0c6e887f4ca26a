using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser;

/// <summary>
/// How often a contact may fail before it leaves the trigger, and which failures count.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>Counted failures after which the contact leaves the trigger without history (GaveUp). Default 4.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// Failures older than this do not count, unless the trigger source knows when the contact
    /// entered the trigger (then only failures after that count). Default 30 days.
    /// </summary>
    public TimeSpan AttemptWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Whether transient failures (server, network, throttling) count as attempts. Default <see langword="false"/>.</summary>
    public bool CountTransientFailures { get; set; }

    /// <summary>
    /// Transient failures in a row (across contacts) after which the run stops as quarantined,
    /// leaving the remaining contacts untouched. Default 5.
    /// </summary>
    [Range(1, 1000)]
    public int QuarantineAfterConsecutiveTransientFailures { get; set; } = 5;

    /// <summary>
    /// How long a page write-back whose answer was lost (a dropped connection, a timeout) keeps asking CiviCRM what it kept
    /// when the read-back fails too, so that each contact is reported as CiviCRM holds it: the read-back is asked again after
    /// a sixth of this, then after the rest. <see cref="TimeSpan.Zero"/> asks once. Only after the last read-back fails are
    /// the page's contacts reported <c>write_back_failed</c> ("CiviCRM may have applied it"). Batch runs and reset campaigns
    /// only: an on-demand call, whose caller is waiting, asks once. When the write-back's request timed out (CiviCRM usually
    /// still runs it), the first read-back waits this long first (a sixth of it for an on-demand call), so that it finds
    /// what CiviCRM carried out instead of sending it again. Default 30 seconds.
    /// </summary>
    public TimeSpan WriteBackReadBackWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a failure of this kind uses up an attempt.</summary>
    /// <param name="kind">The failure kind.</param>
    public bool Counts(FailureKind kind) => kind switch
    {
        FailureKind.Permanent => true,
        FailureKind.Transient => CountTransientFailures,
        _ => false,
    };

    /// <summary>The instant from which failures count for a contact.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="triggeredAt">When the contact entered the trigger, if known.</param>
    internal DateTimeOffset CountFailuresSince(DateTimeOffset now, DateTimeOffset? triggeredAt) =>
        triggeredAt ?? now - AttemptWindow;
}
