namespace Skvare.CmsUser.Standalone;

/// <summary>
/// Settings of the CiviCRM Standalone provider, bound from <c>CmsUser:Standalone</c>. The site URL, API key,
/// site key and transport are those of the CiviCRM package (<c>CmsUser:CiviCrm</c>): it is the same site.
/// </summary>
public sealed class StandaloneOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Standalone";

    /// <summary>
    /// The API user's own login password. Standalone accepts a password for a new user only together
    /// with it (<c>actorPassword</c>); without it users are created without a password and receive the
    /// password reset email. Never logged.
    /// </summary>
    public string? ActorPassword { get; set; }

    /// <summary>How long the links in password reset emails stay valid. Default 24 hours.</summary>
    public TimeSpan ResetLinkLifetime { get; set; } = TimeSpan.FromHours(24);
}
