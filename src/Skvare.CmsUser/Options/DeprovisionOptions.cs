using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>What takes a rule's access away.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeprovisionWhen>))]
public enum DeprovisionWhen
{
    /// <summary>
    /// The contact leaves the rule's trigger group or tag. The trigger then works as an access group: members
    /// stay in it after their account is made, and a contact of the history target (linked by this rule) who is
    /// no longer in the trigger (removed, or no longer matching a smart group) is deprovisioned.
    /// </summary>
    LeftTrigger,

    /// <summary>The contact enters the <see cref="DeprovisionOptions.Revoked"/> group, tag or saved search (for example lapsed memberships).</summary>
    Revoked,
}

/// <summary>What deprovisioning does to the CMS account. Accounts are never deleted.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeprovisionAction>))]
public enum DeprovisionAction
{
    /// <summary>Block the account (WordPress without the companion plugin: take all its roles away).</summary>
    Block,

    /// <summary>Take only the rule's <see cref="ProvisioningRule.Roles"/> away; the account stays usable.</summary>
    RemoveRoles,
}

/// <summary>
/// Opt-in deprovisioning of one rule (docs/deprovisioning.md). The contacts this rule linked are the members of its
/// <see cref="ProvisioningRule.History"/> group or tag, so a history target is required; a deprovisioned contact
/// leaves it.
/// </summary>
public sealed class DeprovisionOptions
{
    /// <summary>What takes access away. Default <see cref="DeprovisionWhen.LeftTrigger"/>.</summary>
    public DeprovisionWhen When { get; set; } = DeprovisionWhen.LeftTrigger;

    /// <summary>The revoked group, tag or saved search, for <see cref="DeprovisionWhen.Revoked"/>.</summary>
    public TriggerDefinition? Revoked { get; set; }

    /// <summary>What is done to the account. Default <see cref="DeprovisionAction.Block"/>.</summary>
    public DeprovisionAction Action { get; set; } = DeprovisionAction.Block;
}

/// <summary>
/// Which accounts one-time login links (on demand, webhook) may be issued for. A login link logs whoever holds it
/// in without a password, so it is only issued for accounts the same call created, and never for accounts holding
/// a blocked role.
/// </summary>
public sealed class LoginLinkOptions
{
    /// <summary>
    /// Also issue links for accounts that existed before the call (linked, found by email, or already linked).
    /// Default <see langword="false"/>: only for an account the call created.
    /// </summary>
    public bool AllowExistingUsers { get; set; }

    /// <summary>
    /// Roles whose holders never get a link (case-insensitive). When empty, <see cref="DefaultBlockedRoles"/>. The
    /// administrator roles (<see cref="AdministratorRoles"/>) are blocked as well, whatever this list says, unless
    /// <see cref="AllowAdministrators"/> is on: a list that names only <c>subscriber</c> blocks <c>subscriber</c> and
    /// the administrator roles, not <c>editor</c>.
    /// </summary>
    public IList<string> BlockedRoles { get; } = [];

    /// <summary>
    /// Let holders of the administrator roles (<see cref="AdministratorRoles"/>) that <see cref="BlockedRoles"/> does not
    /// name get links. Default <see langword="false"/>: the administrator roles are always blocked. Needs a non-empty
    /// <see cref="BlockedRoles"/> (the default list blocks them), and the host logs a warning at start (event 1104) and
    /// <c>cmsuser check</c> shows one while it lets an administrator role through: a link logs its holder in without a
    /// password, so whoever can ask for one (a webhook sender) could take over an administrator account.
    /// </summary>
    public bool AllowAdministrators { get; set; }

    /// <summary>
    /// Roles blocked when <see cref="BlockedRoles"/> is empty: the administrator roles (<see cref="AdministratorRoles"/>)
    /// and WordPress <c>editor</c>.
    /// </summary>
    public static IReadOnlyList<string> DefaultBlockedRoles { get; } =
        ["administrator", "editor", "Administrator", "Super Users", "7", "8", "admin"];

    /// <summary>
    /// The administrator roles of every supported CMS, blocked whatever <see cref="BlockedRoles"/> says unless
    /// <see cref="AllowAdministrators"/> is on: WordPress, Drupal 8+, Drupal 7 and Backdrop <c>administrator</c>, Joomla
    /// <c>Administrator</c>, <c>Super Users</c> and their group ids <c>7</c> and <c>8</c>, CiviCRM Standalone <c>admin</c>.
    /// </summary>
    public static IReadOnlyList<string> AdministratorRoles { get; } =
        ["administrator", "Administrator", "Super Users", "7", "8", "admin"];

    /// <summary>The roles no link is issued for under these settings (compared without regard to case).</summary>
    internal HashSet<string> EffectiveBlockedRoles()
    {
        var blocked = new HashSet<string>(BlockedRoles.Count > 0 ? BlockedRoles : DefaultBlockedRoles, StringComparer.OrdinalIgnoreCase);
        if (!AllowAdministrators)
        {
            blocked.UnionWith(AdministratorRoles);
        }

        return blocked;
    }

    /// <summary>The administrator roles links may be issued for under these settings: none unless <see cref="AllowAdministrators"/> is on.</summary>
    internal IReadOnlyList<string> UnblockedAdministratorRoles()
    {
        var blocked = EffectiveBlockedRoles();
        return AdministratorRoles.Where(r => !blocked.Contains(r)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
