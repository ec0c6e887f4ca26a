using System.Globalization;
using Skvare.CmsUser.Retry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// A contact's latest "User Account Creation" record when it is the Failed record of the permanent defect the contact
/// still has (<see cref="ContactPipeline.DefectOf"/>), with exactly the details the page write would write for that defect
/// now (<see cref="PageWriter.DetailsOf"/>, ordinal: not a look-alike, another normalisation or one trailing space). An
/// on-demand call for such a contact answers from it (<see cref="Kind"/> and <see cref="Error"/>) instead of recording the
/// same failure again and spending an attempt: a webhook that fires on every edit of a contact without an email leaves one
/// Failed record, not one per edit.
/// </summary>
/// <remarks>
/// The details of a failure that gave up end with the attempt it was (<c>(this was attempt 2)</c>), which an unchanged defect
/// repeats with the next number: the number is read from the record and the expected text made with it, so only the number
/// may differ. A defect that gives up at once (an email that cannot be used) is only ever recorded that way; one that does
/// not (<see cref="CmsUserErrorCodes.InvalidContactData"/>) matches its plain <c>code: message</c> too. The record must also
/// still count (<see cref="ProvisioningContactQuery.CountFailuresSince"/>): a contact that joined its trigger again after it,
/// or whose record aged out of <see cref="RetryPolicy.AttemptWindow"/>, is tried as usual.
/// </remarks>
internal sealed class RecordedFailure
{
    private const string AttemptMarker = "(this was attempt ";

    private RecordedFailure(ActivityEntry record, OutcomeKind kind, ProvisioningError error)
    {
        Record = record;
        Kind = kind;
        Error = error;
    }

    /// <summary>The earlier record answered from.</summary>
    public ActivityEntry Record { get; }

    /// <summary><see cref="OutcomeKind.GaveUp"/> when the record says the contact gave up, else <see cref="OutcomeKind.Failed"/>.</summary>
    public OutcomeKind Kind { get; }

    /// <summary>The defect's error, as the earlier call answered it.</summary>
    public ProvisioningError Error { get; }

    /// <summary>
    /// The contact's latest record as the answer for <paramref name="defect"/>, or <see langword="null"/> with the reason in
    /// <paramref name="mismatch"/> (the record, not its details, which may quote the contact's data).
    /// </summary>
    /// <param name="latest">The contact's latest creation record (any status), or <see langword="null"/> for none.</param>
    /// <param name="defect">The defect the contact has now.</param>
    /// <param name="start">The contact's result before this attempt (its counted failures).</param>
    /// <param name="policy">The attempt policy the page write would apply.</param>
    /// <param name="countsSince">The instant from which the contact's failures count.</param>
    /// <param name="mismatch">Why the record is not the answer.</param>
    public static RecordedFailure? Match(ActivityEntry? latest, ContactDefect defect, ContactResult start, AttemptPolicy policy, DateTimeOffset countsSince, out string mismatch)
    {
        if (latest is null)
        {
            mismatch = "the contact has no User Account Creation record";
            return null;
        }

        var id = latest.Id is long known ? known.ToString(CultureInfo.InvariantCulture) : "?";
        if (latest.ContactId != start.Contact.Id)
        {
            mismatch = $"the record read as its latest ({id}) is another contact's";
            return null;
        }

        if (latest.Kind != ActivityKind.AccountCreation || latest.Status != ActivityOutcomeStatus.Failed)
        {
            mismatch = $"its latest record ({id}) is {latest.Status}, not Failed";
            return null;
        }

        // API v4 dates have whole seconds: a record in the same second as "since" counts, as the attempt count has it.
        if (latest.OccurredAt < countsSince.AddTicks(-(countsSince.Ticks % TimeSpan.TicksPerSecond)))
        {
            mismatch = $"its latest record ({id}) no longer counts (written before the contact's latest join to its trigger, or outside Retry:AttemptWindow)";
            return null;
        }

        if (SameDetails(latest.Details, defect.FailureOf(start, policy), plainToo: !defect.GiveUpNow) is not { } kind)
        {
            mismatch = $"its latest record ({id}) is Failed with other details than {defect.Code} now has";
            return null;
        }

        mismatch = "";
        return new RecordedFailure(latest, kind, new ProvisioningError(FailureKind.Permanent, defect.Code, defect.Message));
    }

    /// <summary>
    /// The outcome a record with <paramref name="recorded"/> details shows when they are exactly what the page write writes for
    /// <paramref name="failure"/>: <see cref="OutcomeKind.GaveUp"/> for its gave-up form (with the attempt number the record
    /// names), <see cref="OutcomeKind.Failed"/> for its plain form when <paramref name="plainToo"/>; <see langword="null"/>
    /// when they are not.
    /// </summary>
    internal static OutcomeKind? SameDetails(string? recorded, ContactResult failure, bool plainToo)
    {
        // The recorder writes no details as an empty text.
        recorded ??= "";
        if (plainToo && string.Equals(recorded, PageWriter.DetailsOf(failure with { Kind = OutcomeKind.Failed }, failed: true) ?? "", StringComparison.Ordinal))
        {
            return OutcomeKind.Failed;
        }

        return AttemptOf(recorded) is int attempt
            && string.Equals(recorded, PageWriter.DetailsOf(failure with { Kind = OutcomeKind.GaveUp, Attempt = attempt }, failed: true) ?? "", StringComparison.Ordinal)
            ? OutcomeKind.GaveUp
            : null;
    }

    /// <summary>
    /// The attempt number a gave-up record names (the last <c>(this was attempt N)</c>: the sentence ends the details, whatever
    /// the message before it quotes), or <see langword="null"/>.
    /// </summary>
    internal static int? AttemptOf(string details)
    {
        var at = details.LastIndexOf(AttemptMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var digits = details.AsSpan(at + AttemptMarker.Length);
        var end = digits.IndexOf(')');
        return end is > 0 and <= 10 && int.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : null;
    }
}
