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

    /// <summary>
    /// What each link request of a batch needs, given the links that exist in the current domain for its CMS users and
    /// contacts: <see cref="AccountLinkResultKind.AlreadyExisted"/> (the link to the intended contact is there),
    /// <see cref="AccountLinkResultKind.Failed"/> (the contact is linked to another CMS user),
    /// <see cref="AccountLinkResultKind.HeldByOtherContact"/> (another request of the batch wins the CMS user, or an existing
    /// account is linked to another contact: never taken from it), or a write: <see cref="AccountLinkResultKind.Created"/>
    /// (no link yet) and <see cref="AccountLinkResultKind.Repaired"/> (an account created in this run, linked to the contact
    /// the CMS's plugin made; <see cref="AccountLinkResult.PreviousContactId"/> names it), each what the write makes it.
    /// Every <see cref="IAccountLinkStore"/> and <see cref="IPageWriteBackStore"/> user applies this one rule.
    /// </summary>
    /// <param name="requests">The batch.</param>
    /// <param name="existing">The links found (links outside the current domain are ignored).</param>
    /// <returns>One decision per request, in order.</returns>
    public static IReadOnlyList<AccountLinkResult> Decide(IReadOnlyList<AccountLinkRequest> requests, IReadOnlyList<AccountLink> existing)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(existing);
        var rows = existing.Where(l => l.IsCurrentDomain).ToArray();
        var winners = Winners(requests);
        var results = new AccountLinkResult[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var winner = winners[request.CmsUserId];
            if (winner.ContactId != request.ContactId)
            {
                // Two contacts of one page share the CMS account (the same email): one link, never two.
                results[i] = new AccountLinkResult(request, AccountLinkResultKind.HeldByOtherContact, PreviousContactId: winner.ContactId);
                continue;
            }

            var byUser = rows.FirstOrDefault(r => r.CmsUserId == request.CmsUserId);
            var contactTaken = rows.FirstOrDefault(r => r.ContactId == request.ContactId && r.CmsUserId != request.CmsUserId);
            if (byUser is not null && byUser.ContactId == request.ContactId)
            {
                results[i] = new AccountLinkResult(request, AccountLinkResultKind.AlreadyExisted);
            }
            else if (contactTaken is not null)
            {
                results[i] = new AccountLinkResult(request, AccountLinkResultKind.Failed,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Contact {request.ContactId} is already linked to CMS user {contactTaken.CmsUserId} in this domain."));
            }
            else if (byUser is not null && !request.AccountCreatedNow)
            {
                // An existing account linked to another contact belongs to it: never repoint (steal) the link.
                // Only an account created in this run may be taken from the duplicate contact the CMS's plugin made.
                results[i] = new AccountLinkResult(request, AccountLinkResultKind.HeldByOtherContact, PreviousContactId: byUser.ContactId);
            }
            else
            {
                results[i] = byUser is null
                    ? new AccountLinkResult(request, AccountLinkResultKind.Created)
                    : new AccountLinkResult(request, AccountLinkResultKind.Repaired, PreviousContactId: byUser.ContactId);
            }
        }

        return results;
    }
}
