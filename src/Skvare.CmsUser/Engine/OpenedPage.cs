namespace Skvare.CmsUser.Engine;

/// <summary>
/// The Scheduled records a page (or an on-demand call) opened before its contacts' CMS calls, and the audit records read
/// right after them in the same request, if any: the snapshot <see cref="PageWriter.WriteAsync"/> may decide on instead
/// of a read of its own.
/// </summary>
/// <param name="Records">Contact id → the id of the Scheduled record opened for it.</param>
/// <param name="Snapshot">The audit records read after the Scheduled records were written, or <see langword="null"/> when not read.</param>
internal sealed record OpenedPage(IReadOnlyDictionary<long, long> Records, PageWriteBackSnapshot? Snapshot)
{
    private static readonly IReadOnlyDictionary<long, string> NoRefusals = new Dictionary<long, string>();

    /// <summary>Nothing opened, nothing read.</summary>
    public static OpenedPage None { get; } = new(new Dictionary<long, long>(), null);

    /// <summary>
    /// Contact id → why the store refused the Scheduled record opened for it (for good): those contacts fail without a CMS
    /// call. Empty unless an open was refused.
    /// </summary>
    public IReadOnlyDictionary<long, string> NotOpened { get; init; } = NoRefusals;

    /// <summary>
    /// The kind of the records opened (a reset campaign's page opens "User Account Password Reset" records): what the
    /// write-back reads back for them when none of the page's contacts started, and no result tells the kind.
    /// </summary>
    public ActivityKind Kind { get; init; } = ActivityKind.AccountCreation;
}
