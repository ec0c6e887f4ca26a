using System.Globalization;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Deprovisioning of one rule (opt-in, <see cref="ProvisioningRule.Deprovision"/>): the contacts this rule linked are
/// the members of its history target; those who left the trigger, or entered the revoked set, have their account
/// blocked or lose the rule's roles, and leave the history target. Failures follow the same attempt policy as
/// creation (transient ones never count; a run of them quarantines the run).
/// </summary>
internal sealed class Deprovisioning
{
    private readonly ICmsAccountProvider _cms;
    private readonly AttemptPolicy _attempts;
    private readonly ILogger _logger;

    public Deprovisioning(ICmsAccountProvider cms, AttemptPolicy attempts, ILogger logger)
    {
        _cms = cms;
        _attempts = attempts;
        _logger = logger;
    }

    /// <summary>Whether the rule's trigger is an access group whose members stay in it (deprovisioned when they leave).</summary>
    public static bool KeepsMembers(ProvisioningRule rule) => rule.Deprovision?.When == DeprovisionWhen.LeftTrigger;

    /// <summary>The audit activity of the rule's deprovisioning.</summary>
    public static ActivityKind ActivityKindOf(DeprovisionOptions deprovision) =>
        deprovision.Action == DeprovisionAction.RemoveRoles ? ActivityKind.RolesRemoved : ActivityKind.AccountBlocked;

    /// <summary>The pass's source: members of the history target that left the trigger, or that are in the revoked set.</summary>
    public static TriggerSourceContext SourceContext(ProvisioningRule rule, IReadOnlyCollection<string> extraFields)
    {
        var deprovision = rule.Deprovision!;
        return new TriggerSourceContext
        {
            Trigger = rule.History!,
            History = null,
            ExtraFields = extraFields,
            Purpose = ActivityKindOf(deprovision),
            RequireIn = deprovision.When == DeprovisionWhen.Revoked ? deprovision.Revoked : null,
            RequireNotIn = deprovision.When == DeprovisionWhen.LeftTrigger ? rule.Trigger : null,
        };
    }

    /// <summary>The pass name in logs and outcomes.</summary>
    public static string PassName(ProvisioningRule rule) => rule.DisplayName + " (deprovision)";

    /// <summary>Blocks the contact's account or removes the rule's roles from it. Never throws but for the caller's cancellation.</summary>
    public async Task<ContactResult> DeprovisionAsync(ProvisioningRule rule, Contact contact, int priorFailures, CancellationToken cancellationToken)
    {
        var deprovision = rule.Deprovision!;
        var start = new ContactResult(contact, rule.DisplayName, ActivityKindOf(deprovision), priorFailures);
        if (contact.CurrentDomainLink is not { } link)
        {
            // No account in this domain to take away: the contact only leaves the history target.
            return start with { Kind = OutcomeKind.Skipped, Disposition = TriggerDisposition.Completed };
        }

        // The link knows the account's id and a stored name (uf_name, its email when the link was made), not its username:
        // the outcome reports no username, and the audit subject names the account by the stored name.
        var known = start with { CmsUserId = link.CmsUserId, StoredName = link.UfName };
        var account = new CmsAccount(link.CmsUserId, null, link.UfName ?? contact.Email);
        var why = deprovision.When == DeprovisionWhen.LeftTrigger
            ? $"the contact left {rule.Trigger}"
            : $"the contact is in {deprovision.Revoked}";
        try
        {
            if (deprovision.Action == DeprovisionAction.RemoveRoles)
            {
                await _cms.RemoveRolesAsync(account, rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false);
                return Done(known, OutcomeKind.RolesRemoved, $"Rule {rule.DisplayName}: {why}; removed roles: {string.Join(", ", rule.Roles)}.");
            }

            await _cms.BlockAsync(account, cancellationToken).ConfigureAwait(false);
            return Done(known, OutcomeKind.Blocked, $"Rule {rule.DisplayName}: {why}; the account is blocked (not deleted).");
        }
        catch (CmsProviderException ex) when (ex.Reason == CmsErrorReason.NotFound)
        {
            return known.Fail(_attempts, FailureKind.Permanent, CmsUserErrorCodes.AccountNotFound,
                $"CMS account {link.CmsUserId.ToString(CultureInfo.InvariantCulture)} no longer exists; there is nothing to take away.", giveUpNow: true);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // One contact's defect never stops the run: it fails (a counted attempt) and the page is written.
            return known.Catch(_attempts, ex, _logger);
        }
    }

    private static ContactResult Done(ContactResult known, OutcomeKind kind, string details) =>
        known with { Kind = kind, ActivityDetails = details, RecordActivity = true, Disposition = TriggerDisposition.Completed };

    /// <summary>
    /// The contact's earlier failures against the limit: "1 earlier failed attempt(s) of 4", or past it (more failures than
    /// Retry:MaxAttempts, e.g. after the limit was lowered) "5 earlier failed attempts, limit 4", never "5 of 4".
    /// </summary>
    internal static string EarlierFailures(int failures, int max) =>
        failures <= max
            ? string.Create(CultureInfo.InvariantCulture, $"{failures} earlier failed attempt(s) of {max}")
            : string.Create(CultureInfo.InvariantCulture, $"{failures} earlier failed attempts, limit {max}");

    /// <summary>What deprovisioning would do for one contact (dry run); no CMS call.</summary>
    public PlanEntry Plan(ProvisioningRule rule, Contact contact, int priorFailures)
    {
        var name = PassName(rule);
        if (contact.CurrentDomainLink is not { } link)
        {
            return new PlanEntry(contact.Id, name, PlannedAction.Skip, null, null, "No account is linked in this domain; the contact only leaves the history target.");
        }

        if (rule.Deprovision!.Action == DeprovisionAction.RemoveRoles && !_cms.Capabilities.HasFlag(CmsCapabilities.RemoveRoles))
        {
            return new PlanEntry(contact.Id, name, PlannedAction.Fail, null, link.CmsUserId, $"The {_cms.Name} provider cannot remove roles; use Action Block.");
        }

        var action = rule.Deprovision.Action == DeprovisionAction.RemoveRoles ? PlannedAction.RemoveRoles : PlannedAction.Block;
        // No username: the link stores a name (uf_name, the email when the link was made), not the account's username, and
        // the plan does not read the account. The note says what the name is, as the creation plan's does for a linked contact.
        var note = DryRun.LinkedNote(link) + (priorFailures > 0 ? $". {EarlierFailures(priorFailures, _attempts.MaxAttempts)}." : ".");
        return new PlanEntry(contact.Id, name, action, null, link.CmsUserId, note);
    }
}
