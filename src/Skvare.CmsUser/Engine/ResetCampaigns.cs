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

        var known = start with { CmsUserId = link.CmsUserId };
        try
        {
            await _engine.Cms.SendPasswordResetAsync(new CmsAccount(link.CmsUserId, null, link.UfName ?? contact.Email), cancellationToken).ConfigureAwait(false);
            return known with
            {
                Kind = OutcomeKind.Linked,
                Username = link.UfName,
                RecordActivity = true,
                Disposition = TriggerDisposition.Completed,
            };
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            return known.Catch(_engine.Attempts, ex, _engine.Logger);
        }
    }
}
