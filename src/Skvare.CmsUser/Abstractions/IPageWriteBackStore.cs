namespace Skvare.CmsUser;

/// <summary>
/// The write-back of a page in two requests: one read of what the engine decides on (the links of the page's CMS users
/// and contacts, the audit records of its contacts), then one write of everything it decided, in the order that loses
/// nothing if it stops half-way: links, then audit records, then trigger changes. Optional: when no store is registered
/// the engine writes through <see cref="IAccountLinkStore"/>, <see cref="IActivityRecorder"/> and
/// <see cref="ITriggerSource"/>, one call each, and it falls back to them whenever <see cref="WriteAsync"/> fails.
/// The CiviCRM package registers one (API v4 chains onto a one-row read).
/// </summary>
/// <remarks>
/// The engine applies the same decisions either way (<see cref="AccountLinkClaims.Decide"/> for links, the audit rules of
/// docs/architecture.md); a store only carries them. A store that writes part of a failed request must make
/// <see cref="FindUnwrittenAsync"/> tell which new records are not written, so the replay never writes one twice.
/// </remarks>
public interface IPageWriteBackStore
{
    /// <summary>Reads, in one request, what the page's write-back decides on.</summary>
    /// <param name="query">The links and audit records wanted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<PageWriteBackSnapshot> ReadAsync(PageWriteBackQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Before the CMS is called: writes the page's Scheduled records and then, in the same request, reads the audit records
    /// of the page's contacts (which then include those just written). A page whose links are all to accounts created in
    /// this run needs no other read: the write-back decides on this snapshot (docs/architecture.md, "Audit exactly once").
    /// </summary>
    /// <param name="scheduled">The Scheduled records, one per contact that may get an account.</param>
    /// <param name="query">The contacts whose audit records are read (<see cref="PageWriteBackQuery.Links"/> is ignored).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<PageWriteBackOpened> OpenAsync(IReadOnlyList<ActivityEntry> scheduled, PageWriteBackQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes, in one request and in this order, the links, the audit records (updates and new ones), the removal of
    /// Scheduled records, and (when <paramref name="source"/> is a source this store can write for) the trigger changes.
    /// Throws when the request fails; parts of it may be written then, and the engine replays them one call each.
    /// </summary>
    /// <param name="batch">What to write.</param>
    /// <param name="source">The page's trigger source, or <see langword="null"/> when the page has none.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task<PageWriteBackWritten> WriteAsync(PageWriteBackBatch batch, ITriggerSource? source, CancellationToken cancellationToken = default);

    /// <summary>
    /// After a failed <see cref="WriteAsync"/>: which of the new records (entries without an id) are not written, so the
    /// engine writes only those again. One request at most.
    /// </summary>
    /// <param name="created">The new records the failed write carried.</param>
    /// <param name="snapshot">The page's snapshot (<see cref="PageWriteBackSnapshot.ActivityWatermark"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IReadOnlyList<ActivityEntry>> FindUnwrittenAsync(IReadOnlyList<ActivityEntry> created, PageWriteBackSnapshot snapshot, CancellationToken cancellationToken = default);
}

/// <summary>What a page's write-back reads.</summary>
/// <param name="Links">The links the page wants: their CMS users' and contacts' links in the current domain are read.</param>
/// <param name="AuditContactIds">Contacts whose Completed and Scheduled records of <paramref name="Kind"/> are read.</param>
/// <param name="Kind">The activity type of the audit records.</param>
public sealed record PageWriteBackQuery(IReadOnlyList<AccountLinkRequest> Links, IReadOnlyCollection<long> AuditContactIds, ActivityKind Kind)
{
    /// <summary>Whether the write may carry new records: the snapshot then marks where new records start (<see cref="PageWriteBackSnapshot.ActivityWatermark"/>).</summary>
    public bool MayCreateRecords { get; init; }

    /// <summary>
    /// Trigger changes whose state is read too (after a write whose answer was lost: what it left in the trigger and the
    /// history group or tag), when <see cref="TriggerSource"/> is a source the store can write for; empty for none.
    /// </summary>
    public IReadOnlyList<TriggerAcknowledgement> Acknowledgements { get; init; } = [];

    /// <summary>The page's trigger source, whose changes <see cref="Acknowledgements"/> are; <see langword="null"/> for none.</summary>
    public ITriggerSource? TriggerSource { get; init; }
}

/// <summary>What a page's write-back read.</summary>
public sealed class PageWriteBackSnapshot
{
    /// <summary>An empty snapshot (nothing was read).</summary>
    public static PageWriteBackSnapshot Empty { get; } = new();

    /// <summary>Links in the current domain of the queried CMS users or contacts.</summary>
    public IReadOnlyList<AccountLink> Links { get; init; } = [];

    /// <summary>The Completed and Scheduled audit records of the queried contacts.</summary>
    public IReadOnlyList<AuditRecord> Audits { get; init; } = [];

    /// <summary>
    /// The highest activity id when read (asked with <see cref="PageWriteBackQuery.MayCreateRecords"/>): records the write
    /// creates have higher ids, which is how <see cref="IPageWriteBackStore.FindUnwrittenAsync"/> tells them apart.
    /// </summary>
    public long? ActivityWatermark { get; init; }

    /// <summary>
    /// The trigger changes of <see cref="PageWriteBackQuery.Acknowledgements"/> found carried out (every part of the
    /// change: out of the trigger, and in the history group or tag for a completed contact), which need not be sent again;
    /// <see langword="null"/> when the store did not read them.
    /// </summary>
    public IReadOnlyCollection<TriggerAcknowledgement>? AcknowledgementsDone { get; init; }
}

/// <summary>What a page's write-back writes, in order.</summary>
/// <param name="Links">Links to write (created, or repointed from the contact the CMS's plugin made): each an upsert on its CMS user in the current domain.</param>
/// <param name="Activities">Audit records: updates of open records (with <see cref="ActivityEntry.Id"/>) and new records.</param>
/// <param name="Discard">Scheduled records to remove (only while still Scheduled).</param>
/// <param name="Acknowledgements">The trigger changes.</param>
public sealed record PageWriteBackBatch(
    IReadOnlyList<AccountLinkRequest> Links,
    IReadOnlyList<ActivityEntry> Activities,
    IReadOnlyCollection<long> Discard,
    IReadOnlyList<TriggerAcknowledgement> Acknowledgements)
{
    /// <summary>
    /// Whether the links of <see cref="Links"/>' CMS users are read in the same request before they are written (the page
    /// was not read: every link is to an account created in this run, and the answer only tells whom a link was taken from).
    /// </summary>
    public bool ReadLinksFirst { get; init; }
}

/// <summary>What <see cref="IPageWriteBackStore.OpenAsync"/> wrote and read.</summary>
/// <param name="Ids">The ids of the Scheduled records, in order, or <see langword="null"/> when the store keeps none.</param>
/// <param name="Snapshot">The audit records of the page's contacts, read after the Scheduled records were written.</param>
public sealed record PageWriteBackOpened(IReadOnlyList<long>? Ids, PageWriteBackSnapshot Snapshot);

/// <summary>What <see cref="IPageWriteBackStore.WriteAsync"/> did.</summary>
/// <param name="Acknowledged">Whether the trigger changes were written; when <see langword="false"/> the engine calls <see cref="ITriggerSource.AcknowledgeAsync"/> itself.</param>
/// <param name="LinksBefore">With <see cref="PageWriteBackBatch.ReadLinksFirst"/>: the links of the written CMS users as they were before the write.</param>
public sealed record PageWriteBackWritten(bool Acknowledged, IReadOnlyList<AccountLink> LinksBefore);
