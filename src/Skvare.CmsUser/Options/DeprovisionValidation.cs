namespace Skvare.CmsUser;

/// <summary>Start-up checks of a rule's <see cref="ProvisioningRule.Deprovision"/>.</summary>
internal static class DeprovisionValidation
{
    public static void Check(List<string> failures, string ruleKey, ProvisioningRule rule)
    {
        if (rule.Deprovision is not { } deprovision)
        {
            return;
        }

        var key = ruleKey + ":Deprovision";
        if (!Enum.IsDefined(deprovision.When))
        {
            failures.Add($"{key}:When is {deprovision.When}; use LeftTrigger or Revoked.");
        }

        if (!Enum.IsDefined(deprovision.Action))
        {
            failures.Add($"{key}:Action is {deprovision.Action}; use Block or RemoveRoles.");
        }

        if (rule.History is null)
        {
            failures.Add($"{key} needs {ruleKey}:History (a group or tag): its members are the contacts this rule linked, the ones deprovisioning may act on.");
        }

        if (deprovision.Action == DeprovisionAction.RemoveRoles && rule.Roles.Count == 0)
        {
            failures.Add($"{key}:Action RemoveRoles needs {ruleKey}:Roles: there are no rule roles to remove.");
        }

        switch (deprovision.When)
        {
            case DeprovisionWhen.LeftTrigger:
                if (rule.Trigger?.Kind == TriggerKind.SavedSearch)
                {
                    failures.Add($"{key}:When LeftTrigger needs a group or tag trigger (a saved search cannot be left); use When Revoked with a saved search of revoked contacts.");
                }

                if (deprovision.Revoked is not null)
                {
                    failures.Add($"{key}:Revoked is set but When is LeftTrigger; set When to Revoked, or remove Revoked.");
                }

                break;
            case DeprovisionWhen.Revoked:
                if (deprovision.Revoked is null || string.IsNullOrWhiteSpace(deprovision.Revoked.Reference))
                {
                    failures.Add($"{key}:Revoked is missing: name the group, tag or saved search of contacts whose access is revoked (e.g. {{\"Kind\":\"Group\",\"Reference\":\"lapsed_members\"}}).");
                }
                else if (Same(deprovision.Revoked, rule.Trigger) || Same(deprovision.Revoked, rule.History))
                {
                    failures.Add($"{key}:Revoked is the rule's trigger or history target; it must be a set of its own.");
                }

                break;
        }
    }

    private static bool Same(TriggerDefinition a, TriggerDefinition? b) =>
        b is not null && a.Kind == b.Kind && string.Equals(a.Reference.Trim(), b.Reference.Trim(), StringComparison.OrdinalIgnoreCase);
}
