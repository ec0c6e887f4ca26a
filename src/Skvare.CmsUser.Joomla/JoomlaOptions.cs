using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser.Joomla;

/// <summary>Settings of the Joomla provider, bound from <c>CmsUser:Joomla</c>.</summary>
public sealed class JoomlaOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Joomla";

    /// <summary>The site URL, e.g. <c>https://www.example.org/</c>.</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>The Joomla API token of a Super User (profile → "Joomla API Token"). Never logged.</summary>
    [Required]
    public string ApiToken { get; set; } = "";

    /// <summary>The API path under the site. Default <c>api/index.php/v1</c> (works without URL rewriting).</summary>
    [Required]
    public string ApiPath { get; set; } = "api/index.php/v1";

    /// <summary>Role names used in rules → Joomla user group ids (rules may also give group ids directly).</summary>
    public IDictionary<string, long> GroupIds { get; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The group every new user gets when a rule gives none (Joomla requires one). Default 2, Registered.</summary>
    [Range(1, long.MaxValue)]
    public long DefaultGroupId { get; set; } = 2;

    /// <summary>Make new users change their password at first login. Default <see langword="true"/>.</summary>
    public bool RequireReset { get; set; } = true;

    /// <summary>
    /// Whether the companion package (<c>integrations/joomla/pkg_cmsuser</c>) is installed: it adds the password reset
    /// email that Joomla's Web Services API lacks, used by reset campaigns and by <c>Notify</c>. Default
    /// <see langword="false"/>.
    /// </summary>
    public bool UseCompanionPlugin { get; set; }

    /// <summary>Transport settings.</summary>
    public HttpClientSettings Http { get; set; } = new();
}
