namespace Skvare.CmsUser;

/// <summary>
/// Reads and writes links between contacts and CMS users (the UFMatch role).
/// Implementations work in bulk: one call handles a whole page of contacts. A store that can also read links without
/// writing implements <see cref="IAccountLinkLookup"/>.
/// </summary>
public interface IAccountLinkStore
{
    /// <summary>Finds the links of the given contacts, in every domain.</summary>
    /// <param name="contactIds">Contact ids to look up.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>Every link found; contacts without a link are absent.</returns>
    Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes each requested link exist in the current domain: find by CMS user id first,
    /// accept a link to the intended contact, repair one that points at another contact,
    /// and create only when none exists. Never a blind write.
    /// </summary>
    /// <param name="requests">The links wanted.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One result per request, in the same order.</returns>
    Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default);
}
