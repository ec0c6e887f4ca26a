namespace Skvare.CmsUser;

/// <summary>
/// Optional capability of an <see cref="ICmsAccountProvider"/> whose CMS replaces an account's whole role list, so adding
/// roles reads the account first: the provider gives that read back. The engine uses it when it gives the rule's roles to
/// an account a contact is already linked to (<see cref="ProvisioningRule.SyncRolesOfExistingAccounts"/>), so the
/// contact's <see cref="OutcomeKind.AlreadyLinked"/> result names the account's username (the link stores only its email)
/// without a request of its own. A provider without it is called through <see cref="ICmsAccountProvider.AddRolesAsync"/>.
/// </summary>
public interface ICmsRoleGrant
{
    /// <summary>
    /// Does what <see cref="ICmsAccountProvider.AddRolesAsync"/> does, and returns the account as the CMS described it for
    /// the change (its roles after it), or <see langword="null"/> when no read was needed (no roles to add).
    /// </summary>
    /// <param name="account">The account (at least <see cref="CmsAccount.UserId"/>).</param>
    /// <param name="roles">CMS role names (or ids where the CMS uses ids).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The account read, or <see langword="null"/>.</returns>
    Task<CmsAccount?> AddRolesAndReadAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default);
}
