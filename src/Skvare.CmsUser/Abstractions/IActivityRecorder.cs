using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>Which audit activity an entry belongs to.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActivityKind>))]
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

    /// <summary>
    /// "User Account Restored": a deprovisioned contact was provisioned again, so its account was unblocked or the
    /// rule's roles were given back.
    /// </summary>
    AccessRestored,
}

/// <summary>Status of an audit activity.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActivityOutcomeStatus>))]
public enum ActivityOutcomeStatus
{
    /// <summary>The attempt succeeded.</summary>
    Completed,

    /// <summary>The attempt failed (counts toward <see cref="RetryPolicy.MaxAttempts"/>).</summary>
    Failed,

    /// <summary>
    /// The attempt is under way: written before the CMS is called and completed (or removed) when the page is
    /// written, so a run that dies in between leaves a trace the next run completes.
    /// </summary>
    Scheduled,
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
    DateTimeOffset OccurredAt)
{
    /// <summary>
    /// The id of the Scheduled record this entry completes (an update), or <see langword="null"/> for a new record; on a
    /// record read back (<see cref="IActivityRecorder.FindLatestRecordAsync"/>), the record's id.
    /// </summary>
    public long? Id { get; init; }
}

/// <summary>A Completed or Scheduled audit record of one contact.</summary>
/// <param name="Id">The record's id.</param>
/// <param name="ContactId">The contact.</param>
/// <param name="Status">Completed or Scheduled.</param>
/// <param name="Subject">The activity's subject, such as <c>Created : jane (12)</c>.</param>
public sealed record AuditRecord(long Id, long ContactId, ActivityOutcomeStatus Status, string Subject)
{
    /// <summary>
    /// When the record was written (CiviCRM's <c>activity_date_time</c>), or <see langword="null"/> when the store does not
    /// say. A Scheduled record is written just before its attempt's CMS create, so an account created at or after it may be
    /// that attempt's.
    /// </summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Whether this record audits the CMS user <paramref name="cmsUserId"/> (its subject ends with <c>(ID)</c>).</summary>
    /// <param name="cmsUserId">The CMS user id.</param>
    internal bool Audits(long cmsUserId) =>
        Subject.EndsWith("(" + cmsUserId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")", StringComparison.Ordinal);
}

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

    /// <summary>Writes activities in one call.</summary>
    /// <remarks>
    /// A call refused for good (a permanent <see cref="CmsUserException"/>) is one record's refusal when the call holds one
    /// record. Without an <see cref="IPageWriteBackStore"/> nothing tells which new records a refused call of several kept,
    /// so the engine never puts two new records in one call: a page's updates (entries with an id) come in one call and
    /// each new record in a call of its own, so one refused record fails its contact alone and none is written twice.
    /// </remarks>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Counts Failed activities of a kind for a page of contacts in one call.</summary>
    /// <param name="requests">Contacts and the instant from which failures count.</param>
    /// <param name="kind">Which activity type.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Failures per contact; contacts with none may be absent.</returns>
    Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes Scheduled records (one per entry, in one call) before the CMS is called, and returns their ids
    /// in order. A store without this returns <see langword="null"/>; the engine then writes only final records
    /// (and cannot complete the audit of a run that died after a create). When a call of several is refused for good, the
    /// engine reads <see cref="FindAuditsAsync"/> and opens a record, one per call, only for the contacts that show no
    /// Scheduled record, so a store that opens records must find them.
    /// </summary>
    /// <param name="entries">Scheduled entries.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<long>?>(null);

    /// <summary>
    /// Reads the Completed and Scheduled records of a kind for a page of contacts in one call, so a page write
    /// can tell which accounts are audited already (a racing worker) and which attempts an earlier run left open.
    /// </summary>
    /// <param name="contactIds">The contacts.</param>
    /// <param name="kind">Which activity type.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AuditRecord>>([]);

    /// <summary>
    /// Reads the contact's latest record of a kind, whatever its status (the latest <c>activity_date_time</c>, of two in
    /// the same instant the higher id), with its status, details and id, in one call. An on-demand call for a contact that
    /// still has a permanent defect (no usable email, data that cannot be read) answers from it when it is the Failed record
    /// of that defect with exactly the same details, rather than recording the failure again. A store without this returns
    /// <see langword="null"/>, and every such call records its failure.
    /// </summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="kind">Which activity type.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record (its <see cref="ActivityEntry.Id"/> set), or <see langword="null"/> when the contact has none.</returns>
    Task<ActivityEntry?> FindLatestRecordAsync(long contactId, ActivityKind kind, CancellationToken cancellationToken = default) =>
        Task.FromResult<ActivityEntry?>(null);

    /// <summary>Removes Scheduled records that ended without an outcome worth recording (in one call).</summary>
    /// <param name="ids">The records.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
