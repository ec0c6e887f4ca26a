namespace Skvare.CmsUser.Drupal7;

/// <summary>
/// Settings of the Drupal 7 provider, bound from <c>CmsUser:Drupal7</c>. The site needs the Services 3.x module
/// with a REST endpoint, the user resource and session authentication (see docs/cms-drupal7.md).
/// </summary>
public sealed class Drupal7Options
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Drupal7";

    /// <summary>The site's base URL, e.g. <c>https://www.example.org/</c> (include a sub-folder if Drupal lives in one).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The Services endpoint path set at <c>admin/structure/services</c>, e.g. <c>api</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The Drupal account the SDK logs in as (needs <c>administer users</c>).</summary>
    public string? Username { get; set; }

    /// <summary>That account's password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Role names and their Drupal 7 role ids (<c>rid</c>), e.g. <c>"editor": "4"</c>: Services takes role ids.
    /// A role given as a number is used as an id directly.
    /// </summary>
    public IDictionary<string, string> RoleIds { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The user field that holds the first name (e.g. <c>field_first_name</c>); not sent when empty.</summary>
    public string? FirstNameField { get; set; }

    /// <summary>The user field that holds the last name (e.g. <c>field_last_name</c>); not sent when empty.</summary>
    public string? LastNameField { get; set; }

    /// <summary>Transport settings (timeouts, retries, circuit breaker).</summary>
    public HttpClientSettings Http { get; set; } = new();
}
