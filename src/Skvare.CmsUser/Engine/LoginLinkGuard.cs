namespace Skvare.CmsUser.Engine;

/// <summary>
/// Decides whether a one-time login link may be issued for the account of an on-demand call: only for an account
/// the call created (unless <see cref="LoginLinkOptions.AllowExistingUsers"/>), never for a blocked account or one
/// holding a blocked role (administrators by default). The account's roles are read from the CMS, not assumed.
/// </summary>
internal static class LoginLinkGuard
{
    /// <summary>Returns why no link may be issued, or <see langword="null"/> when one may.</summary>
    public static async Task<string?> WithholdReasonAsync(ICmsAccountProvider cms, LoginLinkOptions options, ProvisioningRule rule, ContactResult work, CancellationToken cancellationToken)
    {
        if ((work.Kind != OutcomeKind.Created || work.RecoveredCreation) && !options.AllowExistingUsers)
        {
            // An account an earlier, stopped run created is recorded as Created, but this call did not create it.
            return "The account existed before this call; login links are issued only for accounts the call created (CmsUser:LoginLinks:AllowExistingUsers).";
        }

        IEnumerable<string> blocked = options.BlockedRoles.Count > 0 ? options.BlockedRoles : LoginLinkOptions.DefaultBlockedRoles;
        if (rule.Roles.FirstOrDefault(r => blocked.Contains(r, StringComparer.OrdinalIgnoreCase)) is { } given)
        {
            return $"The rule gives the blocked role '{given}'; no login link is issued for it.";
        }

        CmsAccount? account;
        try
        {
            account = await cms.GetByIdAsync(work.CmsUserId!.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex)
        {
            return $"The account's roles could not be read, so no login link is issued: {ex.Message}";
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            return "The account's roles could not be read, so no login link is issued: " + ContactResult.InternalMessage(ex);
        }

        if (account is null)
        {
            return "The account could not be found in the CMS.";
        }

        if (account.IsActive == false)
        {
            return "The account is blocked.";
        }

        return account.Roles.FirstOrDefault(r => blocked.Contains(r, StringComparer.OrdinalIgnoreCase)) is { } held
            ? $"The account holds the blocked role '{held}'; no login link is issued for it."
            : null;
    }
}
