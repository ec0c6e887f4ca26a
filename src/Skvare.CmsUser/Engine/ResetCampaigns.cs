using System.Collections.Concurrent;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Password reset campaigns: each campaign's reset group or tag is a batch pass whose linked contacts get the CMS's own
/// reset email and a "User Account Password Reset" activity, and leave the campaign's trigger on success. A contact whose
/// account deprovisioning blocked gets none (<see cref="Blocked"/>); that evidence is read once per page, with the
/// page's preparation (<see cref="PageBlocks"/>), not once per contact.
/// </summary>
internal sealed class ResetCampaigns
{
    private readonly EngineContext _engine;

    public ResetCampaigns(EngineContext engine) => _engine = engine;

    /// <summary>One pass per configured campaign; each page's block records are read with the page (a page look-up on every page).</summary>
    public BatchPass[] Passes() => _engine.Options.PasswordResets.Select(campaign =>
    {
        var blocks = new PageBlocks(_engine.Pipeline.Restorer);
        return new BatchPass(
            campaign.DisplayName,
            _engine.SourceContext(campaign.Trigger!, null, ActivityKind.PasswordReset),
            (contact, prior, page) => ResetAsync(campaign.DisplayName, contact, prior, page, blocks, CancellationToken.None))
        {
            Lookups = new PageLookups(blocks.ReadAsync, always: true),
        };
    }).ToArray();

    /// <summary>
    /// Sends a reset email to one linked contact of a page whose block records <paramref name="blocks"/> holds once
    /// <paramref name="page"/>'s look-up is done (it is, when the pass launches the page). Never throws but for the
    /// caller's cancellation.
    /// </summary>
    private async Task<ContactResult> ResetAsync(string campaign, Contact contact, int priorFailures, PageLookup? page, PageBlocks blocks, CancellationToken cancellationToken)
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
            if (page is not null)
            {
                await page.LookUpAsync(cancellationToken).ConfigureAwait(false);
            }

            if (await blocks.BlockedAsync(contact, link.CmsUserId, cancellationToken).ConfigureAwait(false) is long blocked)
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

    /// <summary>
    /// One pass's block records, page by page: the page look-up reads them for the page's linked contacts and each contact
    /// takes its own (the entry is removed, so a long campaign holds one page's records at a time). A contact with no entry
    /// (its page was not looked up) is read on its own. The records are read while the page before is provisioned, as the
    /// page's failure count is; a block or restore recorded after that read is seen by the next run.
    /// </summary>
    private sealed class PageBlocks
    {
        private readonly AccessRestorer _restorer;
        private readonly ConcurrentDictionary<long, BlockRecords> _pages = new();

        public PageBlocks(AccessRestorer restorer) => _restorer = restorer;

        /// <summary>The page look-up: one read for the page's contacts linked in this domain (none when it has none).</summary>
        public async Task ReadAsync(IReadOnlyList<Contact> page, CancellationToken cancellationToken)
        {
            var linked = page.Where(c => c.CurrentDomainLink is not null).Select(c => c.Id).Distinct().ToArray();
            var records = await _restorer.ReadBlocksAsync(linked, cancellationToken).ConfigureAwait(false);
            foreach (var id in linked)
            {
                _pages[id] = records;
            }
        }

        /// <summary>The contact's latest block record of account <paramref name="uid"/> with no newer restore, or null.</summary>
        public async Task<long?> BlockedAsync(Contact contact, long uid, CancellationToken cancellationToken)
        {
            if (!_pages.TryRemove(contact.Id, out var records))
            {
                records = await _restorer.ReadBlocksAsync([contact.Id], cancellationToken).ConfigureAwait(false);
            }

            return records.Blocked(contact.Id, uid);
        }
    }
}
