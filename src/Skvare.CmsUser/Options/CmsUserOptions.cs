using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser;

/// <summary>
/// Settings of the provisioning engine, bound from the configuration section <c>CmsUser</c>.
/// </summary>
public sealed class CmsUserOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "CmsUser";

    /// <summary>The account rules: each has a trigger, roles and an optional history target.</summary>
    public IList<ProvisioningRule> Rules { get; } = [];

    /// <summary>Password reset campaigns.</summary>
    public IList<PasswordResetCampaign> PasswordResets { get; } = [];

    /// <summary>
    /// Username pattern with contact tokens, e.g. <c>{contact.first_name}.{contact.last_name}</c>.
    /// Unknown tokens are rejected at start-up.
    /// </summary>
    [Required]
    public string UsernamePattern { get; set; } = "{contact.first_name}.{contact.last_name}";

    /// <summary>Pattern used when the main pattern renders nothing usable (e.g. no names). Default <c>user{contact.contact_id}</c>.</summary>
    [Required]
    public string FallbackUsernamePattern { get; set; } = "user{contact.contact_id}";

    /// <summary>When the email already has a CMS account, link that account instead of failing. Default <see langword="true"/>.</summary>
    public bool LinkExistingAccounts { get; set; } = true;

    /// <summary>When a username is taken, try <c>name2</c>, <c>name3</c>, … instead of failing. Default <see langword="true"/>.</summary>
    public bool NumberTakenUsernames { get; set; } = true;

    /// <summary>Most suffixes tried for a taken username. Default 50.</summary>
    [Range(1, 10_000)]
    public int MaxUsernameSuffix { get; set; } = 50;

    /// <summary>
    /// Put between a taken username that ends in a digit and its number, so the number stays readable:
    /// <c>_</c>, <c>-</c> or <c>.</c> (<c>newuser21</c> → <c>newuser21_2</c>); empty or <see langword="null"/> (the
    /// default) for none (<c>newuser212</c>). A name that ends in a letter is numbered without it (<c>ana.lima2</c>).
    /// Checked at start against the CMS's username rules (WordPress multisite allows only letters and digits).
    /// </summary>
    public string? UsernameSuffixSeparator { get; set; }

    /// <summary>Pass the contact's preferred language to the CMS. Default <see langword="true"/>.</summary>
    public bool MapLanguage { get; set; } = true;

    /// <summary>Explicit language mapping, CiviCRM locale to CMS language (e.g. <c>en_US</c> → <c>en</c>).</summary>
    public IDictionary<string, string> LanguageMap { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Tell each person that their new account exists: the CMS sends its own new-account or set-password
    /// email (never containing a password), exactly one per account, the same on every CMS. Default
    /// <see langword="true"/>; set <see langword="false"/> (or <see cref="ProvisioningRule.Notify"/> for one
    /// rule) to create accounts silently. docs/cms-support.md lists the email each CMS sends.
    /// </summary>
    public bool Notify { get; set; } = true;

    /// <summary>
    /// Create accounts without a password where the CMS allows it; the person sets one from the
    /// <see cref="Notify"/> email (or the CMS's "forgot password" page when notifications are off).
    /// Default <see langword="true"/>. Where the CMS needs a password, a strong random one is generated.
    /// </summary>
    public bool PreferSetPasswordEmail { get; set; } = true;

    /// <summary>Extra CMS fields, CMS field name → pattern with contact tokens (e.g. <c>field_first_name</c> → <c>{contact.first_name}</c>).</summary>
    public IDictionary<string, string> FieldMappings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How failures count and when a contact gives up.</summary>
    [ValidateObjectMembers]
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>Contacts read per page. Default 100.</summary>
    [Range(1, 5000)]
    public int PageSize { get; set; } = 100;

    /// <summary>Contacts processed at once. Default 4.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Most CMS requests per second, or <see langword="null"/> for no limit.</summary>
    [Range(0.01, 10_000)]
    public double? MaxCmsRequestsPerSecond { get; set; }

    /// <summary>
    /// When a batch run (<see cref="IUserProvisioner.RunOnceAsync"/>, <see cref="IUserProvisioner.ResetPasswordsAsync"/>) or a
    /// dry run (<see cref="IUserProvisioner.PlanAsync"/>) needed the CMS for no contact, check the CMS credentials with
    /// <see cref="ICmsAccountProvider.CheckCredentialsAsync"/> (one request, at most once per run) so that wrong
    /// credentials end the run as a configuration error instead of passing unnoticed until the first contact needs an
    /// account. A run in which the CMS took a contact (created, linked, blocked, roles removed, a reset sent) or failed to
    /// (a transient failure) makes no check; on-demand calls never do. A scheduled run and the reset campaigns after it
    /// (<see cref="ScheduleOptions.IncludePasswordResets"/>) check once between them. Default <see langword="true"/>; turn
    /// it off in a host that runs very often and wants idle runs to send the CMS nothing.
    /// </summary>
    public bool CheckCmsCredentials { get; set; } = true;

    /// <summary>Scheduled runs by the hosted service (when the host adds it).</summary>
    public ScheduleOptions Schedule { get; set; } = new();

    /// <summary>Which accounts one-time login links may be issued for (administrators never; existing accounts only when allowed).</summary>
    public LoginLinkOptions LoginLinks { get; set; } = new();
}

/// <summary>One account rule.</summary>
public sealed class ProvisioningRule
{
    /// <summary>A name for logs and activities. Defaults to the trigger.</summary>
    public string? Name { get; set; }

    /// <summary>The trigger: contacts in this group/tag/saved search get an account.</summary>
    [Required]
    public TriggerDefinition? Trigger { get; set; }

    /// <summary>Where done contacts go (optional).</summary>
    public TriggerDefinition? History { get; set; }

    /// <summary>CMS roles given on create.</summary>
    public IList<string> Roles { get; } = [];

    /// <summary>Also add the rule's roles to accounts that were already linked or found by email. Default <see langword="false"/>.</summary>
    public bool SyncRolesOfExistingAccounts { get; set; }

    /// <summary>Overrides <see cref="CmsUserOptions.UsernamePattern"/> for this rule.</summary>
    public string? UsernamePattern { get; set; }

    /// <summary>Overrides <see cref="CmsUserOptions.Notify"/> for this rule (<see langword="false"/>: the rule's accounts are created without telling the person).</summary>
    public bool? Notify { get; set; }

    /// <summary>
    /// Opt-in deprovisioning: what takes the access away again (leaving the trigger, or entering a revoked set) and
    /// whether the account is blocked or only loses the rule's roles. <see langword="null"/> (default): never.
    /// </summary>
    public DeprovisionOptions? Deprovision { get; set; }

    /// <summary>The display name: <see cref="Name"/> or the trigger.</summary>
    public string DisplayName => Name ?? Trigger?.ToString() ?? "(no trigger)";
}

/// <summary>A password reset campaign: linked contacts in the trigger get the CMS's reset email.</summary>
public sealed class PasswordResetCampaign
{
    /// <summary>A name for logs.</summary>
    public string? Name { get; set; }

    /// <summary>The reset group or tag.</summary>
    [Required]
    public TriggerDefinition? Trigger { get; set; }

    /// <summary>The display name.</summary>
    public string DisplayName => Name ?? Trigger?.ToString() ?? "(no trigger)";
}

/// <summary>When the hosted service runs the rules.</summary>
public sealed class ScheduleOptions
{
    /// <summary>Time between runs. Default 15 minutes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Start of an off-peak window (local time of day), or <see langword="null"/> to run at any time.</summary>
    public TimeOnly? OffPeakStart { get; set; }

    /// <summary>End of the off-peak window (may be before the start: the window then spans midnight).</summary>
    public TimeOnly? OffPeakEnd { get; set; }

    /// <summary>
    /// Also run the password reset campaigns on each scheduled run, right after it. The two are one cycle for
    /// <see cref="CmsUserOptions.CheckCmsCredentials"/>: an idle cycle checks the CMS credentials once. Default
    /// <see langword="true"/>.
    /// </summary>
    public bool IncludePasswordResets { get; set; } = true;
}
