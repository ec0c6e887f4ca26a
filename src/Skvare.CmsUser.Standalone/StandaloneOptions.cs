using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser.Standalone;

/// <summary>Settings of the CiviCRM Standalone provider, bound from <c>CmsUser:Standalone</c>.</summary>
public sealed class StandaloneOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Standalone";

    /// <summary>The Standalone site URL, e.g. <c>https://crm.example.org/</c>.</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>The API key of the API contact, whose user needs "administer users". Never logged.</summary>
    [Required]
    public string ApiKey { get; set; } = "";

    /// <summary>The site key, when the API user's role lacks "authenticate with api key". Never logged.</summary>
    public string? SiteKey { get; set; }

    /// <summary>
    /// The API user's own login password. Standalone accepts a password for a new user only together
    /// with it (<c>actorPassword</c>); without it users are created without a password and receive the
    /// password reset email. Never logged.
    /// </summary>
    public string? ActorPassword { get; set; }

    /// <summary>How long the links in password reset emails stay valid. Default 24 hours.</summary>
    public TimeSpan ResetLinkLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Transport settings.</summary>
    public HttpClientSettings Http { get; set; } = new();
}
