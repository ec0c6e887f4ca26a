namespace Skvare.CmsUser;

/// <summary>
/// Optional capability of an <see cref="ICmsAccountProvider"/>: reads the roles (groups) the site has, so the roles the
/// rules name are checked before any run (<c>cmsuser check</c>, <c>cmsuser plan</c>, <see cref="RuleRoleCheck"/>) instead
/// of stopping the first run at its first create (<see cref="CmsErrorReason.UnknownRole"/>). A provider without it, or
/// whose CMS offers no way to list roles, leaves the roles "not verifiable". Never called per contact.
/// </summary>
public interface ICmsRoleCatalog
{
    /// <summary>
    /// Reads the site's roles with one request and says which of <paramref name="roles"/> the site does not have (or
    /// the provider's role mapping, e.g. Joomla's <c>GroupIds</c>, does not resolve). A CMS that cannot list its roles
    /// answers <see cref="CmsRoleCheck.Verified"/> <see langword="false"/> and only the roles the provider can tell wrong
    /// without the site (an unmapped name) as unknown.
    /// </summary>
    /// <param name="roles">The roles the rules name (role names, or ids where the CMS uses ids).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The site's roles and the unknown ones. Failures of the request are thrown as <see cref="CmsProviderException"/>.</returns>
    Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="ICmsRoleCatalog.CheckRolesAsync"/> found.</summary>
public sealed record CmsRoleCheck
{
    /// <summary>Whether the site listed its roles, so a role missing from <see cref="Unknown"/> is known to exist.</summary>
    public bool Verified { get; init; }

    /// <summary>The site's roles as a rule names them (e.g. <c>subscriber</c>, or <c>10 (Members)</c> where the CMS uses ids); empty when not verified.</summary>
    public IReadOnlyList<string> SiteRoles { get; init; } = [];

    /// <summary>Each asked role the site does not have (or that does not resolve), with why; never a secret.</summary>
    public IReadOnlyDictionary<string, string> Unknown { get; init; } = new Dictionary<string, string>();

    /// <summary>Why the roles could not be verified against the site, when <see cref="Verified"/> is <see langword="false"/>.</summary>
    public string? NotVerifiableReason { get; init; }

    /// <summary>The site listed <paramref name="siteRoles"/>; <paramref name="unknown"/> are the asked roles it lacks.</summary>
    /// <param name="siteRoles">The site's roles as a rule names them.</param>
    /// <param name="unknown">Each unknown role with why.</param>
    public static CmsRoleCheck Listed(IReadOnlyList<string> siteRoles, IReadOnlyDictionary<string, string> unknown) =>
        new() { Verified = true, SiteRoles = siteRoles, Unknown = unknown };

    /// <summary>The site cannot list its roles (<paramref name="reason"/>); <paramref name="unknown"/> are those wrong without asking it.</summary>
    /// <param name="reason">Why the roles cannot be verified, naming what would make them verifiable.</param>
    /// <param name="unknown">Roles known wrong anyway (an unmapped name), with why; <see langword="null"/> for none.</param>
    public static CmsRoleCheck NotVerifiable(string reason, IReadOnlyDictionary<string, string>? unknown = null) =>
        new() { NotVerifiableReason = reason, Unknown = unknown ?? new Dictionary<string, string>() };
}
