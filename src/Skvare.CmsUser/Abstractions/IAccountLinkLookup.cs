namespace Skvare.CmsUser;

/// <summary>
/// Optional for an <see cref="IAccountLinkStore"/>: reads, without writing anything, the links in the current domain of
/// some CMS users and contacts, which is what <see cref="IAccountLinkStore.EnsureLinksAsync"/> reads before it decides
/// (<see cref="AccountLinkClaims.Decide"/>). The dry run (<see cref="IUserProvisioner.PlanAsync"/>) uses it to tell which
/// existing account another contact holds already. A store that does not implement it is still complete: the engine
/// then asks the registered <see cref="IPageWriteBackStore"/>, if any, and otherwise plans without those links.
/// </summary>
public interface IAccountLinkLookup
{
    /// <summary>Reads the current domain's links of the requests' CMS users and contacts.</summary>
    /// <param name="requests">The links a run would ask for.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Every link in the current domain whose CMS user or contact is one of the requests', each once.</returns>
    Task<IReadOnlyList<AccountLink>> FindLinksInDomainAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default);
}
