namespace Skvare.CmsUser;

/// <summary>
/// Optional on an <see cref="ITriggerSource"/>: reads pending contacts page by page together with what the engine needs
/// before a page's CMS calls (the counted failed attempts, the Scheduled audit records opened and the page's audit
/// records read after them), so a page is ready in fewer requests. The CiviCRM package's sources send each page's
/// follow-up reads and writes as one request; the engine falls back to <see cref="ITriggerSource.ReadPendingAsync"/> and
/// its own calls to <see cref="IActivityRecorder"/> otherwise.
/// </summary>
/// <remarks>
/// An implementation writes and reads activities in place of <see cref="IActivityRecorder"/>: the engine uses it only when
/// <see cref="CanPrepareFor"/> says the registered recorder is one it stands for, and it must then answer exactly as
/// <see cref="ITriggerSource.ReadPendingAsync"/>, <see cref="IActivityRecorder.CountFailedAttemptsAsync"/>,
/// <see cref="IActivityRecorder.OpenAsync"/> and <see cref="IActivityRecorder.FindAuditsAsync"/> would.
/// </remarks>
public interface IPreparingTriggerSource
{
    /// <summary>Whether this source can open and count the activities that <paramref name="recorder"/> keeps.</summary>
    /// <param name="recorder">The registered activity recorder.</param>
    bool CanPrepareFor(IActivityRecorder recorder);

    /// <summary>
    /// The pending contacts, page by page as <see cref="ITriggerSource.ReadPendingAsync"/> returns them, each page with its
    /// counted failures and the Scheduled records of <see cref="PagePreparation.Open"/> written before the page is returned.
    /// </summary>
    /// <param name="pageSize">The page size.</param>
    /// <param name="preparation">What to prepare with each page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    IAsyncEnumerable<PreparedContactPage> ReadPreparedAsync(int pageSize, PagePreparation preparation, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IPreparingTriggerSource.ReadPreparedAsync"/> prepares with each page.</summary>
public sealed class PagePreparation
{
    /// <summary>Which activity type the failed attempts and the audit records belong to.</summary>
    public required ActivityKind Kind { get; init; }

    /// <summary>
    /// The instant from which a contact's failed attempts count, given when it entered the trigger
    /// (<see cref="Contact.TriggeredAt"/>; <see langword="null"/> when unknown).
    /// </summary>
    public required Func<DateTimeOffset?, DateTimeOffset> CountFailuresSince { get; init; }

    /// <summary>
    /// The Scheduled record to open for each contact of the page that may get an attempt (each contact once): for
    /// <see cref="ActivityKind.PasswordReset"/> every contact of the page, for another kind a contact not linked in the
    /// current domain; or <see langword="null"/> to open none. When set, the page's Completed and Scheduled records of <see cref="Kind"/> are
    /// read after the records are written (<see cref="PreparedContactPage.Audits"/>).
    /// </summary>
    public Func<Contact, ActivityEntry>? Open { get; init; }

    /// <summary>
    /// Awaited before a page's activities are read or written (the engine's set-up, which makes sure the activity types
    /// exist, may still be in flight while the first page is read). Completed by default.
    /// </summary>
    public Func<CancellationToken, Task> Ready { get; init; } = static _ => Task.CompletedTask;
}

/// <summary>A page of <see cref="IPreparingTriggerSource.ReadPreparedAsync"/>.</summary>
public sealed class PreparedContactPage
{
    /// <summary>The page's contacts, as <see cref="ITriggerSource.ReadPendingAsync"/> returns them.</summary>
    public required IReadOnlyList<Contact> Contacts { get; init; }

    /// <summary>Each contact's failed attempts since <see cref="PagePreparation.CountFailuresSince"/> of its entry date (absent: none).</summary>
    public required IReadOnlyDictionary<long, int> FailedAttempts { get; init; }

    /// <summary>Contact id → the id of the Scheduled record opened for it (empty when none was opened).</summary>
    public IReadOnlyDictionary<long, long> Opened { get; init; } = new Dictionary<long, long>();

    /// <summary>
    /// The page's Completed and Scheduled records of the preparation's kind, read after the records of
    /// <see cref="Opened"/> were written (so they include them), or <see langword="null"/> when not read.
    /// </summary>
    public IReadOnlyList<AuditRecord>? Audits { get; init; }

    /// <summary>
    /// Contact id → why the store refused the Scheduled record opened for it (for good: the same write gets the same
    /// answer). The engine fails these contacts without a CMS call (a contact is never provisioned without its record),
    /// and the rest of the page goes on. Empty by default.
    /// </summary>
    public IReadOnlyDictionary<long, string> NotOpened { get; init; } = new Dictionary<long, string>();
}
