using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>How the API v4 URL is built for the CMS that hosts CiviCRM.</summary>
public enum CiviCrmUrlStyle
{
    /// <summary><c>{BaseUrl}civicrm/ajax/api4/{Entity}/{action}</c>: Drupal, Backdrop, Standalone, and WordPress with the CiviCRM base page.</summary>
    Clean,

    /// <summary><c>{BaseUrl}?civiwp=CiviCRM&amp;q=civicrm/ajax/api4/{Entity}/{action}</c>: WordPress without clean base-page URLs.</summary>
    WordPress,

    /// <summary><c>{BaseUrl}index.php?option=com_civicrm&amp;task=civicrm/ajax/api4/{Entity}/{action}</c>: Joomla front end.</summary>
    Joomla,

    /// <summary><see cref="CiviCrmOptions.UrlTemplate"/> with <c>{path}</c> replaced by <c>civicrm/ajax/api4/{Entity}/{action}</c>.</summary>
    Template,
}

/// <summary>Settings of the CiviCRM package, bound from <c>CmsUser:CiviCrm</c>.</summary>
public sealed class CiviCrmOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "CiviCrm";

    /// <summary>The site's base URL, e.g. <c>https://crm.example.org/</c>.</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>The API key of the API contact (sent as <c>X-Civi-Auth: Bearer …</c>). Never logged.</summary>
    [Required]
    public string ApiKey { get; set; } = "";

    /// <summary>The site key (<c>CIVICRM_SITE_KEY</c>), sent as <c>X-Civi-Key</c>; needed unless the API user has "authenticate with api key". Never logged.</summary>
    public string? SiteKey { get; set; }

    /// <summary>How the endpoint URL is built. Default <see cref="CiviCrmUrlStyle.Clean"/>.</summary>
    public CiviCrmUrlStyle UrlStyle { get; set; } = CiviCrmUrlStyle.Clean;

    /// <summary>With <see cref="CiviCrmUrlStyle.Template"/>: an absolute URL containing <c>{path}</c>.</summary>
    public string? UrlTemplate { get; set; }

    /// <summary>Also read links in other CiviCRM domains (one extra call per page), so contacts linked only elsewhere get a link here. Default <see langword="true"/>.</summary>
    public bool ReadOtherDomainLinks { get; set; } = true;

    /// <summary>
    /// The site's time zone as CiviCRM uses it (an IANA id such as <c>America/Chicago</c>; WordPress: Settings → General →
    /// Timezone, Drupal: Regional settings). API v4 reads and writes date-times as the site's wall-clock time, so join dates
    /// and attempt windows are converted with it. Default <see langword="null"/>: read from CiviCRM once per process (API v3
    /// <c>System.get</c>, else the measured offset of API v4 <c>NOW()</c>, else UTC); setting it overrides that and makes no
    /// call. Activities are never dated by the SDK: CiviCRM stamps them itself.
    /// </summary>
    public string? TimeZone { get; set; }

    /// <summary>Transport settings.</summary>
    public HttpClientSettings Http { get; set; } = new();
}
