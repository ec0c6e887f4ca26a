using System.Globalization;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Gives access back to a contact that a rule's deprovisioning took it from, when the contact is provisioned again
/// by that rule (re-added to the trigger) and found already linked. Evidence is the audit trail, not the account's
/// state: the contact's latest Completed deprovisioning record of this account (<c>Blocked : NAME (UID)</c> or
/// <c>Roles removed : NAME (UID)</c>) is newer than its latest <see cref="ActivityKind.AccessRestored"/> record. So an
/// account an administrator blocked is never unblocked here, and a restore is done once. The pipeline calls
/// <see cref="RestoreIfDeprovisionedAsync"/> at one point: for a contact already linked in this domain; the dry run
/// calls <see cref="PlanAsync"/> at the same point and shows the restore as <see cref="PlannedAction.Restore"/>.
/// </summary>
internal sealed class AccessRestorer
{
    private readonly ICmsAccountProvider _cms;
    private readonly IActivityRecorder _activities;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public AccessRestorer(ICmsAccountProvider cms, IActivityRecorder activities, TimeProvider time, ILogger logger)
    {
        _cms = cms;
        _activities = activities;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Unblocks the account (and gives the rule's roles back) or gives the rule's roles back, as the latest
    /// deprovisioning took them, and records a Completed "User Account Restored" activity. Does nothing for a rule
    /// without <see cref="ProvisioningRule.Deprovision"/> (no call at all), or when there is nothing to restore.
    /// A CMS failure is thrown: the contact fails like any creation attempt and is tried again.
    /// </summary>
    /// <returns>The activity details when access was restored, otherwise <see langword="null"/>.</returns>
    public async Task<string?> RestoreIfDeprovisionedAsync(ProvisioningRule rule, Contact contact, AccountLink link, string? username, CancellationToken cancellationToken)
    {
        if (await FindTakenAsync(rule, contact, link, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return null;
        }

        var (kind, taken) = found;

        var uid = link.CmsUserId;
        var account = new CmsAccount(uid, username, link.UfName ?? contact.Email);
        var name = username ?? link.UfName ?? contact.DisplayName ?? contact.Email ?? $"contact {contact.Id.ToString(CultureInfo.InvariantCulture)}";
        var record = taken.ToString(CultureInfo.InvariantCulture);
        string subject;
        string details;
        if (kind == ActivityKind.AccountBlocked)
        {
            if (!_cms.Capabilities.HasFlag(CmsCapabilities.Unblock))
            {
                Log.RestoreUnsupported(_logger, contact.Id, uid, _cms.Name);
                return null;
            }

            await _cms.UnblockAsync(account, cancellationToken).ConfigureAwait(false);
            if (rule.Roles.Count > 0)
            {
                // A CMS whose block took the roles away (WordPress without the companion plugin) gets them back here.
                await _cms.AddRolesAsync(account, rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            subject = $"Unblocked : {name} ({uid.ToString(CultureInfo.InvariantCulture)})";
            details = $"Rule {rule.DisplayName}: the contact is provisioned again after deprovisioning blocked the account (activity {record}); the account is unblocked"
                + (rule.Roles.Count > 0 ? $" and has the rule's roles: {string.Join(", ", rule.Roles)}." : ".");
        }
        else
        {
            await _cms.AddRolesAsync(account, rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false);
            subject = $"Roles restored : {name} ({uid.ToString(CultureInfo.InvariantCulture)})";
            details = $"Rule {rule.DisplayName}: the contact is provisioned again after deprovisioning removed the rule's roles (activity {record}); roles given back: {string.Join(", ", rule.Roles)}.";
        }

        await _activities.RecordAsync(
            [new ActivityEntry(contact.Id, ActivityKind.AccessRestored, ActivityOutcomeStatus.Completed, subject, details, _time.GetUtcNow())],
            cancellationToken).ConfigureAwait(false);
        Log.AccessRestored(_logger, contact.Id, uid, rule.DisplayName, kind);
        return details;
    }

    /// <summary>
    /// What <see cref="RestoreIfDeprovisionedAsync"/> would do for this linked contact, read-only (the dry run): a
    /// <see cref="PlannedAction.Restore"/> entry, an <see cref="PlannedAction.AlreadyLinked"/> entry that says why a
    /// blocked account would stay blocked (the CMS cannot unblock), or <see langword="null"/> when there is nothing to
    /// restore. Reads the same audit records as the real run and nothing else.
    /// </summary>
    public async Task<PlanEntry?> PlanAsync(ProvisioningRule rule, Contact contact, AccountLink link, CancellationToken cancellationToken)
    {
        if (await FindTakenAsync(rule, contact, link, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return null;
        }

        var (kind, taken) = found;

        var record = taken.ToString(CultureInfo.InvariantCulture);
        var roles = string.Join(", ", rule.Roles);
        var linked = DryRun.LinkedNote(link) + ".";
        if (kind == ActivityKind.AccountBlocked)
        {
            return _cms.Capabilities.HasFlag(CmsCapabilities.Unblock)
                ? new PlanEntry(contact.Id, rule.DisplayName, PlannedAction.Restore, null, link.CmsUserId,
                    $"Unblock the account deprovisioning blocked (activity {record})" + (rule.Roles.Count > 0 ? $" and give the rule's roles: {roles}. " : ". ") + linked)
                : new PlanEntry(contact.Id, rule.DisplayName, PlannedAction.AlreadyLinked, null, link.CmsUserId,
                    $"Deprovisioning blocked the account (activity {record}) and the {_cms.Name} provider cannot unblock it; it stays blocked. {linked}");
        }

        return new PlanEntry(contact.Id, rule.DisplayName, PlannedAction.Restore, null, link.CmsUserId,
            $"Give back the rule's roles deprovisioning removed (activity {record}): {roles}. {linked}");
    }

    /// <summary>
    /// The latest Completed deprovisioning record of this account (its kind and id) when no restore record is newer,
    /// otherwise <see langword="null"/>; no read at all for a rule without <see cref="ProvisioningRule.Deprovision"/>.
    /// </summary>
    private async Task<(ActivityKind Kind, long Record)?> FindTakenAsync(ProvisioningRule rule, Contact contact, AccountLink link, CancellationToken cancellationToken)
    {
        if (rule.Deprovision is not { } deprovision)
        {
            return null;
        }

        var kind = Deprovisioning.ActivityKindOf(deprovision);
        return await TakenAsync(contact.Id, kind, link.CmsUserId, cancellationToken).ConfigureAwait(false) is long taken ? (kind, taken) : null;
    }

    /// <summary>
    /// The id of the contact's latest Completed "User Account Blocked" record of this account when no restore record is
    /// newer: a deprovisioning (of any rule) blocked the account and nothing gave access back, so it cannot log in.
    /// Read whatever the rules say now, so a block stays known after its rule changed. One read when there is no block
    /// record (the usual case), two otherwise.
    /// </summary>
    public Task<long?> BlockedAsync(long contactId, long uid, CancellationToken cancellationToken) =>
        TakenAsync(contactId, ActivityKind.AccountBlocked, uid, cancellationToken);

    /// <summary>The latest Completed record of <paramref name="kind"/> of this account when no restore record is newer, or null.</summary>
    private async Task<long?> TakenAsync(long contactId, ActivityKind kind, long uid, CancellationToken cancellationToken)
    {
        if (await LatestAsync(contactId, kind, uid, cancellationToken).ConfigureAwait(false) is not long taken)
        {
            return null;
        }

        var restored = await LatestAsync(contactId, ActivityKind.AccessRestored, uid, cancellationToken).ConfigureAwait(false);
        return restored is long r && r > taken ? null : taken;
    }

    /// <summary>The id of the contact's latest Completed record of <paramref name="kind"/> that audits this account, or null.</summary>
    private async Task<long?> LatestAsync(long contactId, ActivityKind kind, long uid, CancellationToken cancellationToken)
    {
        var records = await _activities.FindAuditsAsync([contactId], kind, cancellationToken).ConfigureAwait(false);
        var ids = records.Where(a => a.ContactId == contactId && a.Status == ActivityOutcomeStatus.Completed && a.Audits(uid)).Select(a => a.Id).ToArray();
        return ids.Length == 0 ? null : ids.Max();
    }
}
