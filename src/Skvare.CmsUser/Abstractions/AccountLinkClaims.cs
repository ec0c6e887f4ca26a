namespace Skvare.CmsUser;

/// <summary>
/// The rule every <see cref="IAccountLinkStore"/> applies when one batch asks to link the same CMS user to
/// several contacts (two contacts sharing an email): one request wins, the others are answered
/// <see cref="AccountLinkResultKind.HeldByOtherContact"/>.
/// </summary>
public static class AccountLinkClaims
{
    /// <summary>
    /// The winning request per CMS user id: the one whose account was created in this run, otherwise the first.
    /// </summary>
    /// <param name="requests">The batch.</param>
    public static IReadOnlyDictionary<long, AccountLinkRequest> Winners(IReadOnlyList<AccountLinkRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var winners = new Dictionary<long, AccountLinkRequest>();
        foreach (var request in requests)
        {
            if (!winners.TryGetValue(request.CmsUserId, out var current) || (request.AccountCreatedNow && !current.AccountCreatedNow))
            {
                winners[request.CmsUserId] = request;
            }
        }

        return winners;
    }
}
