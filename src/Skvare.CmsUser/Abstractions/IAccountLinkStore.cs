namespace Skvare.CmsUser;

/// <summary>
/// Reads and writes links between contacts and CMS users (the UFMatch role).
/// Implementations work in bulk: one call handles a whole page of contacts.
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

    /// <summary>
    /// Reads, without writing anything, the links in the current domain of the requests' CMS users and contacts: what
    /// <see cref="EnsureLinksAsync"/> reads before it decides (<see cref="AccountLinkClaims.Decide"/>). The dry run asks it
    /// to tell which existing account another contact holds already. A store that cannot read links by CMS user returns
    /// <see langword="null"/> (the default); the engine then asks the registered <see cref="IPageWriteBackStore"/>, if any.
    /// </summary>
    /// <param name="requests">The links a run would ask for.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The links found (outside the current domain they may be absent), or <see langword="null"/> when the store cannot tell.</returns>
    Task<IReadOnlyList<AccountLink>?> FindLinksInDomainAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AccountLink>?>(null);
}
