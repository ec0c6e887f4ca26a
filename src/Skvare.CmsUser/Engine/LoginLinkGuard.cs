namespace Skvare.CmsUser.Engine;

/// <summary>
/// Decides whether a one-time login link may be issued for the account of an on-demand call: only for an account
/// the call created (unless <see cref="LoginLinkOptions.AllowExistingUsers"/>), never for a blocked account or one
/// holding a blocked role (administrators always, unless <see cref="LoginLinkOptions.AllowAdministrators"/>). The
/// account's roles are read from the CMS, not assumed.
/// </summary>
internal static class LoginLinkGuard
{
    /// <summary>Returns why no link may be issued, or <see langword="null"/> when one may.</summary>
    public static async Task<LoginLinkRefusal?> WithholdReasonAsync(ICmsAccountProvider cms, LoginLinkOptions options, ProvisioningRule rule, ContactResult work, CancellationToken cancellationToken)
    {
        if ((work.Kind != OutcomeKind.Created || work.RecoveredCreation) && !options.AllowExistingUsers)
        {
            // An account an earlier, stopped run created is recorded as Created, but this call did not create it.
            return new(LoginLinkWithheldReason.ExistingAccount, "The account existed before this call; login links are issued only for accounts the call created (CmsUser:LoginLinks:AllowExistingUsers).");
        }

        var blocked = options.EffectiveBlockedRoles();
        if (rule.Roles.FirstOrDefault(blocked.Contains) is { } given)
        {
            return new(LoginLinkWithheldReason.BlockedRole, $"The rule gives the blocked role '{given}'; no login link is issued for it (CmsUser:LoginLinks:BlockedRoles).");
        }

        CmsAccount? account;
        try
        {
            account = await cms.GetByIdAsync(work.CmsUserId!.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex)
        {
            return new(LoginLinkWithheldReason.CmsFailed, $"The account's roles could not be read, so no login link is issued: {ex.Message}");
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            return new(LoginLinkWithheldReason.CmsFailed, "The account's roles could not be read, so no login link is issued: " + ContactResult.InternalMessage(ex));
        }

        if (account is null)
        {
            return new(LoginLinkWithheldReason.AccountNotFound, "The account could not be found in the CMS.");
        }

        if (account.IsActive == false)
        {
            return new(LoginLinkWithheldReason.AccountBlocked, "The account is blocked in the CMS.");
        }

        return account.Roles.FirstOrDefault(blocked.Contains) is { } held
            ? new(LoginLinkWithheldReason.BlockedRole, $"The account holds the blocked role '{held}'; no login link is issued for it (CmsUser:LoginLinks:BlockedRoles).")
            : null;
    }
}

/// <summary>Why no login link is issued: the stable reason and the sentence for the caller (never a secret or the link).</summary>
/// <param name="Reason">The reason.</param>
/// <param name="Message">One readable sentence.</param>
internal sealed record LoginLinkRefusal(LoginLinkWithheldReason Reason, string Message);
