namespace Skvare.CmsUser;

/// <summary>Which audit activity an entry belongs to.</summary>
public enum ActivityKind
{
    /// <summary>"User Account Creation".</summary>
    AccountCreation,

    /// <summary>"User Account Password Reset".</summary>
    PasswordReset,

    /// <summary>"User Account Blocked" (deprovisioning with <see cref="DeprovisionAction.Block"/>).</summary>
    AccountBlocked,

    /// <summary>"User Account Roles Removed" (deprovisioning with <see cref="DeprovisionAction.RemoveRoles"/>).</summary>
    RolesRemoved,
}

/// <summary>Status of an audit activity.</summary>
public enum ActivityOutcomeStatus
{
    /// <summary>The attempt succeeded.</summary>
    Completed,

    /// <summary>The attempt failed (counts toward <see cref="RetryPolicy.MaxAttempts"/>).</summary>
    Failed,
}

/// <summary>One audit record: an attempt for one contact. Never carries a secret.</summary>
/// <param name="ContactId">Target and source record of the activity.</param>
/// <param name="Kind">Which activity type.</param>
/// <param name="Status">Completed or Failed.</param>
/// <param name="Subject">Subject line, e.g. <c>Created : ana.lima (55)</c>.</param>
/// <param name="Details">Error text or other details; never a secret.</param>
/// <param name="OccurredAt">When the attempt happened.</param>
public sealed record ActivityEntry(
    long ContactId,
    ActivityKind Kind,
    ActivityOutcomeStatus Status,
    string Subject,
    string? Details,
    DateTimeOffset OccurredAt);

/// <summary>How far back failed attempts of one contact count.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Since">Only failures at or after this instant count.</param>
public sealed record AttemptCountRequest(long ContactId, DateTimeOffset Since);

/// <summary>Writes the audit trail (CiviCRM activities) and counts failed attempts.</summary>
public interface IActivityRecorder
{
    /// <summary>Makes sure the activity types and statuses exist (idempotent). Called once before a run.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task EnsureReadyAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes a page of activities in one call.</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Counts Failed activities of a kind for a page of contacts in one call.</summary>
    /// <param name="requests">Contacts and the instant from which failures count.</param>
    /// <param name="kind">Which activity type.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Failures per contact; contacts with none may be absent.</returns>
    Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default);
}
