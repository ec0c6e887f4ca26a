namespace Skvare.CmsUser.Retry;

/// <summary>What a failure means for one contact: its outcome, its attempt number, its trigger change and its audit.</summary>
/// <param name="Kind"><see cref="OutcomeKind.Failed"/> or <see cref="OutcomeKind.GaveUp"/>.</param>
/// <param name="Attempt">The counted failures including this one; <see langword="null"/> for a configuration failure (nothing is counted or recorded).</param>
/// <param name="Disposition"><see cref="TriggerDisposition.GaveUp"/> when the contact leaves the trigger, otherwise <see langword="null"/> (it stays).</param>
/// <param name="RecordActivity">Whether a Failed activity is written (the failure counts).</param>
internal readonly record struct AttemptVerdict(OutcomeKind Kind, int? Attempt, TriggerDisposition? Disposition, bool RecordActivity);

/// <summary>
/// The one place that decides what a failure does to a contact and to a run, from <see cref="RetryPolicy"/>:
/// whether it counts, when a contact gives up, when a contact whose attempts are used up is skipped, what the dry run
/// predicts, and when transient failures in a row quarantine the run. The pipeline, the link and write-back failure
/// paths, the saved-search gate, deprovisioning, reset campaigns and the dry run all ask it.
/// </summary>
internal sealed class AttemptPolicy
{
    private readonly RetryPolicy _retry;

    public AttemptPolicy(RetryPolicy retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        _retry = retry;
    }

    /// <summary>Counted failures after which a contact gives up.</summary>
    public int MaxAttempts => _retry.MaxAttempts;

    /// <summary>
    /// The pauses before each further read-back of a page write-back whose answer was lost, when the read-back fails
    /// (<see cref="RetryPolicy.WriteBackReadBackWait"/>: a sixth of it, then the rest; none when it is zero).
    /// </summary>
    public IReadOnlyList<TimeSpan> ReadBackPauses => _retry.WriteBackReadBackWait <= TimeSpan.Zero
        ? []
        : [_retry.WriteBackReadBackWait / 6, _retry.WriteBackReadBackWait - (_retry.WriteBackReadBackWait / 6)];

    /// <summary>
    /// The pause before the first read-back of a page write-back whose request timed out. CiviCRM usually still runs such a
    /// request (it waited in a busy server's queue, or runs longer than the attempt timeout): a read-back at once finds
    /// "missing" what it is about to write, and the engine sends it again. The whole of
    /// <see cref="RetryPolicy.WriteBackReadBackWait"/> for a batch page or reset campaign; a sixth of it for an on-demand call
    /// (<paramref name="onDemand"/>: a login or webhook waits for it); none when the wait is zero.
    /// </summary>
    public TimeSpan TimedOutReadBackPause(bool onDemand)
    {
        var wait = _retry.WriteBackReadBackWait;
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : onDemand ? wait / 6 : wait;
    }

    /// <summary>Transient failures in a row that quarantine a run.</summary>
    public int QuarantineAfter => _retry.QuarantineAfterConsecutiveTransientFailures;

    /// <summary>
    /// The verdict for a failure of <paramref name="kind"/> of a contact with <paramref name="priorFailures"/> counted
    /// failures before it. A configuration failure is nobody's attempt: the contact stays, nothing is recorded. Otherwise
    /// the failure counts when the policy says so (<see cref="RetryPolicy.Counts"/>), is recorded exactly when it counts,
    /// and the contact gives up at the <see cref="MaxAttempts"/>-th counted failure, or at once when
    /// <paramref name="giveUpNow"/> (data that can never work).
    /// </summary>
    public AttemptVerdict Decide(FailureKind kind, int priorFailures, bool giveUpNow = false)
    {
        if (kind == FailureKind.Configuration)
        {
            return new AttemptVerdict(OutcomeKind.Failed, null, null, RecordActivity: false);
        }

        var counts = _retry.Counts(kind);
        var attempt = priorFailures + (counts ? 1 : 0);
        return giveUpNow || (counts && attempt >= MaxAttempts)
            ? new AttemptVerdict(OutcomeKind.GaveUp, attempt, TriggerDisposition.GaveUp, counts)
            : new AttemptVerdict(OutcomeKind.Failed, attempt, null, counts);
    }

    /// <summary>
    /// The verdict when a page's results could not be written to CiviCRM: nothing was counted or recorded, so the
    /// contact stays in the trigger and the next run finds its account.
    /// </summary>
    public static AttemptVerdict NotWritten(int priorFailures) =>
        new(OutcomeKind.Failed, priorFailures, null, RecordActivity: false);

    /// <summary>
    /// Whether a contact's attempts are used up before it is tried: a trigger that cannot be left (a saved search, an
    /// access group kept for deprovisioning) skips such a contact until its failures age out of the attempt window.
    /// </summary>
    public bool UsedUp(int priorFailures) => priorFailures >= MaxAttempts;

    /// <summary>What the dry run predicts for a failure: <see cref="PlannedAction.GiveUp"/> exactly when <see cref="Decide"/> gives up.</summary>
    public PlannedAction Predict(FailureKind kind, int priorFailures, bool giveUpNow = false) =>
        Decide(kind, priorFailures, giveUpNow).Kind == OutcomeKind.GaveUp ? PlannedAction.GiveUp : PlannedAction.Fail;

    /// <summary>
    /// The run's count of transient failures in a row after one more contact: a transient failure adds one, a success
    /// or a permanent failure starts over, a configuration failure (which stops the run anyway) leaves it.
    /// </summary>
    public static int NextTransientStreak(int streak, FailureKind? failure) => failure switch
    {
        FailureKind.Transient => streak + 1,
        null or FailureKind.Permanent => 0,
        _ => streak,
    };

    /// <summary>Whether this many transient failures in a row quarantine the run.</summary>
    public bool Quarantines(int transientStreak) => transientStreak >= QuarantineAfter;
}
