namespace Skvare.CmsUser.Backdrop;

/// <summary>
/// Settings of the Backdrop provider, bound from <c>CmsUser:Backdrop</c>. The site needs the
/// <c>cmsuser_provision</c> companion module (see docs/cms-backdrop.md).
/// </summary>
public sealed class BackdropOptions
{
    /// <summary>The configuration section under <c>CmsUser</c>.</summary>
    public const string SectionName = "Backdrop";

    /// <summary>The site's base URL, e.g. <c>https://www.example.org/</c> (include a sub-folder if Backdrop lives in one).</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// The shared secret set at <c>admin/config/people/cmsuser-provision</c> (at least 32 characters).
    /// Sent as <c>Authorization: Bearer</c>; never logged.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Path of the module's API below <see cref="BaseUrl"/>. Default <c>api/cmsuser/v1</c>; change it only if the site rewrites that path.</summary>
    public string PathPrefix { get; set; } = DefaultPathPrefix;

    /// <summary>Transport settings (timeouts, retries, circuit breaker).</summary>
    public HttpClientSettings Http { get; set; } = new();

    /// <summary>The module's own path.</summary>
    internal const string DefaultPathPrefix = "api/cmsuser/v1";

    /// <summary>The shortest secret the module's settings form accepts.</summary>
    internal const int MinimumSecretLength = 32;
}
