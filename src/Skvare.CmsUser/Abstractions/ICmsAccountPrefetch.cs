namespace Skvare.CmsUser;

/// <summary>
/// Optional for an <see cref="ICmsAccountProvider"/>: looks up, in one request, the accounts a whole page of
/// contacts may collide with, so that the per-contact <see cref="ICmsAccountProvider.FindByEmailAsync"/> and
/// <see cref="ICmsAccountProvider.FindByUsernameAsync"/> calls of that page need no request of their own.
/// The engine calls it once per page before the contacts of the page are processed.
/// </summary>
public interface ICmsAccountPrefetch
{
    /// <summary>Looks up the accounts with these emails, and the accounts whose username starts with one of these names.</summary>
    /// <param name="emails">The page's email addresses.</param>
    /// <param name="usernames">The page's base usernames (numbered variants start with them).</param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    Task PrefetchAsync(IReadOnlyCollection<string> emails, IReadOnlyCollection<string> usernames, CancellationToken cancellationToken = default);
}
