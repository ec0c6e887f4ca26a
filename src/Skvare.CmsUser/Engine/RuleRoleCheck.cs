namespace Skvare.CmsUser;

/// <summary>
/// Checks the roles the rules name against the CMS before any run: one <see cref="ICmsRoleCatalog.CheckRolesAsync"/>
/// request for every rule together. <c>cmsuser check</c> shows its report; the dry run
/// (<see cref="IUserProvisioner.PlanAsync"/>) plans the contacts of a rule with an unknown role as failing with
/// <c>unknown_role</c> instead of created. A provider that cannot list roles leaves them "not verifiable", which passes.
/// </summary>
public static class RuleRoleCheck
{
    /// <summary>The <see cref="ConnectivityCheck.Name"/> of a failure that concerns every rule (the roles could not be read).</summary>
    public const string Name = "Roles";

    /// <summary>
    /// Checks every rule's <see cref="ProvisioningRule.Roles"/> against <paramref name="cms"/>'s roles with one request
    /// (none when no rule names a role). Failures are returned, not thrown.
    /// </summary>
    /// <param name="cms">The CMS provider; one that does not implement <see cref="ICmsRoleCatalog"/> leaves the roles not verifiable.</param>
    /// <param name="rules">The rules whose roles to check.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>
    /// A report with one check per rule that names roles: failed (<see cref="FailureKind.Configuration"/>) when the site
    /// lacks one of them, naming the unknown roles and the roles the site has; passed when the site has them all, or when
    /// they are not verifiable (its detail then starts with <c>Not verifiable:</c>). When the roles could not be read,
    /// one check named <see cref="Name"/>: failed <see cref="FailureKind.Transient"/> when the CMS was unavailable,
    /// otherwise passed as not verifiable with the CMS's answer.
    /// </returns>
    public static async Task<ConnectivityReport> CheckAsync(ICmsAccountProvider cms, IEnumerable<ProvisioningRule> rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cms);
        ArgumentNullException.ThrowIfNull(rules);
        var named = rules.Where(r => r.Roles.Count > 0).ToList();
        var target = $"{cms.Name} roles of the rules";
        if (named.Count == 0)
        {
            return new ConnectivityReport(target, true, [new ConnectivityCheck(Name, true, "No rule names a role: nothing to check.")]);
        }

        RuleRoleFindings findings;
        try
        {
            findings = await FindAsync(cms, named, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex) when (ex.Kind == FailureKind.Transient)
        {
            return new ConnectivityReport(target, false, [ConnectivityCheck.Failed(Name, ex) with { Detail = $"The roles could not be read: {ex.Message}" }]);
        }
        catch (CmsUserException ex)
        {
            return new ConnectivityReport(target, true, [new ConnectivityCheck(Name, true, $"Not verifiable: {cms.Name} did not list its roles ({ex.Message.TrimEnd('.')}).")]);
        }

        var checks = named.Select(findings.CheckOf).ToList();
        return new ConnectivityReport(target, checks.All(c => c.Passed), checks);
    }

    /// <summary>
    /// Asks the CMS once for the roles of <paramref name="rules"/> (every rule that names one); a provider without
    /// <see cref="ICmsRoleCatalog"/> answers not verifiable without a request. Failures are thrown.
    /// </summary>
    internal static async Task<RuleRoleFindings> FindAsync(ICmsAccountProvider cms, IReadOnlyCollection<ProvisioningRule> rules, CancellationToken cancellationToken)
    {
        if (cms is not ICmsRoleCatalog catalog)
        {
            return new RuleRoleFindings(cms.Name, CmsRoleCheck.NotVerifiable($"the {cms.Name} provider cannot list the site's roles"));
        }

        var roles = rules.SelectMany(r => r.Roles).Where(r => !string.IsNullOrWhiteSpace(r)).Distinct(StringComparer.Ordinal).ToList();
        var check = roles.Count == 0
            ? CmsRoleCheck.NotVerifiable("no rule names a role")
            : await catalog.CheckRolesAsync(roles, cancellationToken).ConfigureAwait(false);
        return new RuleRoleFindings(cms.Name, check);
    }
}

/// <summary>What one role listing says about each rule.</summary>
/// <param name="Cms">The CMS name.</param>
/// <param name="Roles">The provider's answer for the roles of every rule.</param>
internal sealed record RuleRoleFindings(string Cms, CmsRoleCheck Roles)
{
    /// <summary>The rule's roles the site does not have, with why, in the rule's order.</summary>
    public IReadOnlyList<(string Role, string Why)> UnknownOf(ProvisioningRule rule) =>
        rule.Roles.Distinct(StringComparer.Ordinal).Where(Roles.Unknown.ContainsKey).Select(r => (r, Roles.Unknown[r])).ToList();

    /// <summary>
    /// Why the rule's creates would stop the run (<c>unknown_role</c>), naming the unknown roles and the roles the site
    /// has; <see langword="null"/> when none of its roles is known to be wrong.
    /// </summary>
    public string? ProblemOf(ProvisioningRule rule)
    {
        var unknown = UnknownOf(rule);
        if (unknown.Count == 0)
        {
            return null;
        }

        var has = Roles.Verified ? $" {Cms} has: {SiteRoles()}." : "";
        return $"Rule '{rule.DisplayName}' names {(unknown.Count == 1 ? "a role" : "roles")} {Cms} does not have: {string.Join("; ", unknown.Select(u => u.Why.TrimEnd('.')))}.{has} Correct the rule's Roles.";
    }

    /// <summary>The rule's item of <c>cmsuser check</c>.</summary>
    public ConnectivityCheck CheckOf(ProvisioningRule rule)
    {
        var name = $"Rule '{rule.DisplayName}'";
        if (ProblemOf(rule) is { } problem)
        {
            return new ConnectivityCheck(name, false, problem) { Failure = FailureKind.Configuration };
        }

        var roles = string.Join(", ", rule.Roles.Distinct(StringComparer.Ordinal));
        return Roles.Verified
            ? new ConnectivityCheck(name, true, $"{Cms} has every role of the rule: {roles}.")
            : new ConnectivityCheck(name, true, $"Not verifiable: {Roles.NotVerifiableReason?.TrimEnd('.')}. The rule's roles: {roles}.");
    }

    private string SiteRoles() => Roles.SiteRoles.Count == 0 ? "no role" : string.Join(", ", Roles.SiteRoles);
}
