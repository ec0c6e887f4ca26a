namespace Skvare.CmsUser.Engine;

/// <summary>
/// Password reset campaigns: each campaign's reset group or tag is a batch pass whose linked contacts get the CMS's own
/// reset email and a "User Account Password Reset" activity, and leave the campaign's trigger on success.
/// </summary>
internal sealed class ResetCampaigns
{
    private readonly EngineContext _engine;

    public ResetCampaigns(EngineContext engine) => _engine = engine;

    /// <summary>One pass per configured campaign.</summary>
    public BatchPass[] Passes() => _engine.Options.PasswordResets.Select(campaign => new BatchPass(
        campaign.DisplayName,
        _engine.SourceContext(campaign.Trigger!, null, ActivityKind.PasswordReset),
        (contact, prior, _) => ResetAsync(campaign.DisplayName, contact, prior, CancellationToken.None))).ToArray();

    /// <summary>Sends a reset email to one linked contact. Never throws but for the caller's cancellation.</summary>
    public async Task<ContactResult> ResetAsync(string campaign, Contact contact, int priorFailures, CancellationToken cancellationToken)
    {
        var start = new ContactResult(contact, campaign, ActivityKind.PasswordReset, priorFailures);
        if (contact.CurrentDomainLink is not { } link)
        {
            return start.Fail(_engine.Attempts, FailureKind.Permanent, CmsUserErrorCodes.NoLinkedAccount, "The contact has no CMS account linked in this domain, so there is no account to reset.");
        }

        // The link stores the account's email (uf_name), not its username: a reset reads no account, so its username stays
        // unknown rather than showing the email as one; the stored name still names the account in the audit subject.
        var known = start with { CmsUserId = link.CmsUserId, StoredName = link.UfName };
        try
        {
            if (_engine.Pipeline.Restorer is { } restorer
                && await restorer.BlockedAsync(contact.Id, link.CmsUserId, cancellationToken).ConfigureAwait(false) is long blocked)
            {
                return Blocked(known, link.CmsUserId, blocked);
            }

            await _engine.Cms.SendPasswordResetAsync(new CmsAccount(link.CmsUserId, null, link.UfName ?? contact.Email), cancellationToken).ConfigureAwait(false);
            return known with
            {
                Kind = OutcomeKind.Linked,
                RecordActivity = true,
                Disposition = TriggerDisposition.Completed,
            };
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            return known.Catch(_engine.Attempts, ex, _engine.Logger);
        }
    }

    /// <summary>
    /// A contact whose account deprovisioning blocked (its audit trail says so): a reset email would lead to an account that
    /// cannot log in, so none is sent, nothing is recorded (the "User Account Blocked" activity is the record) and the contact
    /// stays in the campaign's trigger, to get the email from a later run once its access is restored.
    /// </summary>
    private static ContactResult Blocked(ContactResult known, long uid, long record) => known with
    {
        Kind = OutcomeKind.Skipped,
        Error = new ProvisioningError(
            FailureKind.Permanent,
            CmsUserErrorCodes.AccountBlocked,
            $"Deprovisioning blocked CMS account {uid.ToString(System.Globalization.CultureInfo.InvariantCulture)} (activity {record.ToString(System.Globalization.CultureInfo.InvariantCulture)}) and its access was not restored, so it cannot log in: no reset email was sent. The contact stays in the campaign's trigger and gets the email from a later run once a run restores its access (the contact is back in the rule's trigger)."),
    };
}
