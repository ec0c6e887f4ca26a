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
    /// The "User Account Blocked" evidence of a page of linked contacts, for <see cref="BlockRecords.Blocked"/>: their
    /// Completed block records in one read, and their Completed restore records in a second read only when the first found
    /// one (the usual page costs one request, whatever its size). Read whatever the rules say now, so a block stays known
    /// after its rule changed.
    /// </summary>
    public async Task<BlockRecords> ReadBlocksAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Count == 0)
        {
            return BlockRecords.None;
        }

        var blocks = Completed(await _activities.FindAuditsAsync(contactIds, ActivityKind.AccountBlocked, cancellationToken).ConfigureAwait(false), contactIds);
        if (blocks.Length == 0)
        {
            return BlockRecords.None;
        }

        var blocked = blocks.Select(b => b.ContactId).Distinct().ToArray();
        var restores = Completed(await _activities.FindAuditsAsync(blocked, ActivityKind.AccessRestored, cancellationToken).ConfigureAwait(false), blocked);
        return new BlockRecords(blocks, restores);
    }

    /// <summary>The latest Completed record of <paramref name="kind"/> of this account when no restore record is newer, or null.</summary>
    private async Task<long?> TakenAsync(long contactId, ActivityKind kind, long uid, CancellationToken cancellationToken)
    {
        long[] contact = [contactId];
        var taken = Completed(await _activities.FindAuditsAsync(contact, kind, cancellationToken).ConfigureAwait(false), contact);
        if (LatestOf(taken, contactId, uid) is null)
        {
            return null;
        }

        var restored = Completed(await _activities.FindAuditsAsync(contact, ActivityKind.AccessRestored, cancellationToken).ConfigureAwait(false), contact);
        return Taken(taken, restored, contactId, uid);
    }

    /// <summary>The Completed records of these contacts (a store's answer is not trusted to hold only what was asked).</summary>
    private static AuditRecord[] Completed(IReadOnlyList<AuditRecord> records, IReadOnlyCollection<long> contactIds) =>
        records.Where(a => a.Status == ActivityOutcomeStatus.Completed && contactIds.Contains(a.ContactId)).ToArray();

    /// <summary>The latest of <paramref name="taken"/> that audits this contact's account when none of <paramref name="restored"/> is newer, or null.</summary>
    internal static long? Taken(IReadOnlyList<AuditRecord> taken, IReadOnlyList<AuditRecord> restored, long contactId, long uid) =>
        LatestOf(taken, contactId, uid) is not long t ? null
        : LatestOf(restored, contactId, uid) is long r && r > t ? null
        : t;

    /// <summary>The id of the latest record that audits this contact's account, or null.</summary>
    private static long? LatestOf(IReadOnlyList<AuditRecord> records, long contactId, long uid)
    {
        long? latest = null;
        foreach (var a in records)
        {
            if (a.ContactId == contactId && a.Audits(uid) && (latest is not long l || a.Id > l))
            {
                latest = a.Id;
            }
        }

        return latest;
    }
}

/// <summary>
/// A page's Completed "User Account Blocked" and "User Account Restored" records (<see cref="AccessRestorer.ReadBlocksAsync"/>).
/// </summary>
/// <param name="Blocks">The block records.</param>
/// <param name="Restores">The restore records of the contacts with a block record.</param>
internal sealed record BlockRecords(IReadOnlyList<AuditRecord> Blocks, IReadOnlyList<AuditRecord> Restores)
{
    /// <summary>No block record.</summary>
    public static readonly BlockRecords None = new([], []);

    /// <summary>
    /// The id of the contact's latest block record of account <paramref name="uid"/> when no restore record is newer: a
    /// deprovisioning (of any rule) blocked the account and nothing gave access back, so it cannot log in. Otherwise null.
    /// </summary>
    public long? Blocked(long contactId, long uid) => AccessRestorer.Taken(Blocks, Restores, contactId, uid);
}
