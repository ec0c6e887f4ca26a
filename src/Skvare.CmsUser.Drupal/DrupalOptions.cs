namespace Skvare.CmsUser.Drupal;

/// <summary>
/// Settings of the Drupal 8+ (10/11) provider, bound from <c>CmsUser:Drupal</c>. The site needs core REST
/// with the <c>entity:user</c> resource, JSON:API for lookups, and <c>basic_auth</c> or <c>simple_oauth</c>
/// (see docs/cms-drupal.md).
/// </summary>
public sealed class DrupalOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Drupal";

    /// <summary>The site's base URL, e.g. <c>https://www.example.org/</c> (include a sub-folder if Drupal lives in one).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>How to authenticate. Default <see cref="DrupalAuthenticationMode.Basic"/>.</summary>
    public DrupalAuthenticationMode Authentication { get; set; } = DrupalAuthenticationMode.Basic;

    /// <summary>Basic mode: the Drupal account the SDK acts as (needs <c>administer users</c>).</summary>
    public string? Username { get; set; }

    /// <summary>Basic mode: that account's password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>OAuth2 mode: the token path below <see cref="BaseUrl"/>. Default <c>oauth/token</c>.</summary>
    public string TokenPath { get; set; } = "oauth/token";

    /// <summary>OAuth2 mode: the simple_oauth consumer's client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>OAuth2 mode: the consumer's secret. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>OAuth2 mode: the scopes to ask for (space-separated), or <see langword="null"/> for the consumer's default scopes.</summary>
    public string? Scope { get; set; }

    /// <summary>The user field that holds the first name (e.g. <c>field_first_name</c>); not sent when empty.</summary>
    public string? FirstNameField { get; set; }

    /// <summary>The user field that holds the last name (e.g. <c>field_last_name</c>); not sent when empty.</summary>
    public string? LastNameField { get; set; }

    /// <summary>
    /// Whether the site runs the <c>cmsuser_companion</c> module: it sends Drupal's "account created by an
    /// administrator" email and issues one-time login links. Without it the new-account notification falls back
    /// to the password-reset email and no login links are offered. Default <see langword="false"/>.
    /// </summary>
    public bool UseCompanionModule { get; set; }

    /// <summary>Transport settings (timeouts, retries, circuit breaker).</summary>
    public HttpClientSettings Http { get; set; } = new();
}
