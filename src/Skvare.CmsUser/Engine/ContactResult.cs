using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// What processing one contact produced, before and after the page's bulk write-back. Immutable: each step
/// (the pipeline, the page writer, a write-back failure) returns a new value, so data flows one way.
/// </summary>
/// <param name="Contact">The contact.</param>
/// <param name="Rule">The rule, campaign or deprovisioning pass.</param>
/// <param name="ActivityKind">The audit activity of the pass.</param>
/// <param name="PriorFailures">Counted failures before this attempt.</param>
internal sealed record ContactResult(Contact Contact, string Rule, ActivityKind ActivityKind, int PriorFailures)
{
    /// <summary>The error code of an unexpected exception (a defect in the data or in the code).</summary>
    public const string InternalErrorCode = CmsUserErrorCodes.InternalError;

    public OutcomeKind Kind { get; init; } = OutcomeKind.Skipped;

    public string? Username { get; init; }

    /// <summary>
    /// The name a link stores for the account (UFMatch <c>uf_name</c>, the account's email when the link was made), when the
    /// result knows the account only by its link (deprovisioning, a password reset): it names the account in the audit
    /// subject, never as its username.
    /// </summary>
    public string? StoredName { get; init; }

    public long? CmsUserId { get; init; }

    public ProvisioningError? Error { get; init; }

    /// <summary>Whether the contact, found already linked, had its access given back after deprovisioning (<see cref="AccessRestorer"/>).</summary>
    public bool AccessRestored { get; init; }

    public int? Attempt { get; init; }

    public AccountLinkRequest? Link { get; init; }

    /// <summary>Whether an activity is written for this contact.</summary>
    public bool RecordActivity { get; init; }

    public string? ActivityDetails { get; init; }

    public TriggerDisposition? Disposition { get; init; }

    /// <summary>
    /// Set for a contact found already linked when the rule asks for a notification: if an open Scheduled record
    /// shows that a stopped run created the account, the notification may never have been sent, so it is sent then.
    /// </summary>
    public CmsAccount? NotifyIfRecovered { get; init; }

    /// <summary>
    /// Whether the rule asks for the new-account email, on a result that links an account: a creation recovered from a
    /// stopped run (<see cref="RecoveredCreation"/>) whose rule asks for none reports <see cref="CmsNotification.NotRequested"/>.
    /// </summary>
    public bool RuleNotifies { get; init; }

    /// <summary>
    /// The username the rule's pattern gives the contact (before any number), on a result that links an account: an account
    /// an interrupted run of the SDK created for the contact has this name or a numbered form of it.
    /// </summary>
    public string? PatternUsername { get; init; }

    /// <summary>
    /// The rule of a result that links an account: the page write starts the record of a creation recovered from an earlier
    /// attempt (<see cref="RecoveredCreation"/>) with its sentence (<see cref="ContactPipeline.RuleNote"/>: the rule and the
    /// roles an account is created with), as the record of a creation this run made. Built only then, not per contact.
    /// </summary>
    public ProvisioningRule? CreationRule { get; init; }

    /// <summary>When the CMS says the account this result links was created (<see cref="CmsAccount.CreatedAt"/>), when known.</summary>
    public DateTimeOffset? AccountCreatedAt { get; init; }

    /// <summary>
    /// Set by the page write on a result recorded as <see cref="OutcomeKind.Created"/> although this run found the account
    /// made: an earlier attempt of the SDK created it and did not record it (its open audit record proves it).
    /// </summary>
    public bool RecoveredCreation { get; init; }

    public Uri? LoginLink { get; init; }

    /// <summary>What became of the new-account email of an account this contact's create made (null when none was made).</summary>
    public CmsNotification? Notification { get; init; }

    /// <summary>Why that email could not be sent (cleaned: one line, no password), when <see cref="Notification"/> is Failed.</summary>
    public string? NotificationFailure { get; init; }

    /// <summary>What kind of failure <see cref="NotificationFailure"/> is, when <see cref="Notification"/> is Failed.</summary>
    public CmsNotificationFailure? NotificationFailureReason { get; init; }

    public string? LoginLinkWithheld { get; init; }

    public LoginLinkWithheldReason? LoginLinkWithheldReason { get; init; }

    /// <summary>
    /// Set when a create was sent whose outcome is unknown (no answer): the account may exist, so a failed contact
    /// keeps its open Scheduled record and the run that finds the account completes that audit.
    /// </summary>
    public bool AccountMayExist { get; init; }

    /// <summary>
    /// Set on a failure that the attempt's look-ups reached with no CMS account for the contact: its email's look-up found
    /// none, and every create the attempt sent was refused (none got lost). The page write closes the Scheduled records an
    /// earlier run left open for the contact with this failure's record (<c>PageWriter.SettlesEarlierAttempts</c>): an account
    /// one of those attempts made would have the email and would have been found.
    /// </summary>
    public bool NoAccountFound { get; init; }

    /// <summary>
    /// On a failure after this attempt linked the account (a role change of an existing account that failed once the link was
    /// written): the success the attempt was up to the link. The page write audits the link as that success (exactly one
    /// Completed record per account) and the failure as a linked contact's failed role change (its own Failed record when it
    /// counts).
    /// </summary>
    public ContactResult? LinkedBeforeFailure { get; init; }

    /// <summary>Set when the run must stop after this contact (configuration error).</summary>
    public CmsUserException? StopError { get; init; }

    public string NameForSubject => Username ?? StoredName ?? Contact.DisplayName ?? Contact.Email ?? $"contact {Contact.Id}";

    /// <summary>The result with the failure applied as <paramref name="policy"/> decides (attempt, outcome, disposition, audit); what is known of the account is kept.</summary>
    public ContactResult Fail(AttemptPolicy policy, FailureKind kind, string code, string message, bool giveUpNow = false, int? statusCode = null)
    {
        var verdict = policy.Decide(kind, PriorFailures, giveUpNow);
        return this with
        {
            Error = new ProvisioningError(kind, code, message) { StatusCode = statusCode },
            Link = null,
            Kind = verdict.Kind,
            Attempt = verdict.Attempt,
            RecordActivity = verdict.RecordActivity,
            Disposition = verdict.Disposition,
            ActivityDetails = kind == FailureKind.Configuration ? ActivityDetails : $"{code}: {message}",
        };
    }

    /// <summary>
    /// The failure boundary of one contact: a <see cref="CmsUserException"/> becomes its kind and code (a configuration
    /// error also stops the run); anything else is a defect, logged with the exception and failed with
    /// <see cref="InternalErrorCode"/> (a counted attempt, so a contact that always crashes the SDK gives up).
    /// What is known of the account (an account created before the defect) is kept, to be linked and audited.
    /// </summary>
    public ContactResult Catch(AttemptPolicy policy, Exception exception, ILogger logger)
    {
        if (exception is CmsUserException known)
        {
            return Fail(policy, known.Kind, CmsUserErrorCodes.For(known), known.Message, statusCode: known.StatusCode) with
            {
                StopError = known.Kind == FailureKind.Configuration ? known : null,
            };
        }

        Log.ContactCrashed(logger, Contact.Id, Rule, exception);
        return Fail(policy, FailureKind.Permanent, InternalErrorCode, InternalMessage(exception));
    }

    /// <summary>One line naming an unexpected exception, without its message (which may quote data).</summary>
    public static string InternalMessage(Exception ex) =>
        $"Unexpected {ex.GetType().Name} while handling the contact; see the log for details.";

    /// <summary>Whether an exception is the caller cancelling the run (the only exception a contact lets through).</summary>
    public static bool IsRunCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    public ProvisioningOutcome ToOutcome() => new()
    {
        ContactId = Contact.Id,
        Kind = Kind,
        Rule = Rule,
        Username = Username,
        CmsUserId = CmsUserId,
        Error = Error,
        AccessRestored = AccessRestored,
        Attempt = Attempt,
        LoginLink = LoginLink,
        LoginLinkWithheld = LoginLinkWithheld,
        LoginLinkWithheldReason = LoginLinkWithheldReason,
        Notification = Kind == OutcomeKind.Created ? Notification : null,
        NotificationFailure = Kind == OutcomeKind.Created ? NotificationFailure : null,
        NotificationFailureReason = Kind == OutcomeKind.Created ? NotificationFailureReason : null,
    };
}
