using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser.WordPress;

/// <summary>
/// Settings of the WordPress provider, bound from <c>CmsUser:WordPress</c>.
/// Its string form never shows the application password.
/// </summary>
public sealed class WordPressOptions
{
    /// <summary>The site's base URL (where <c>wp-json/</c> and <c>wp-login.php</c> live), e.g. <c>https://www.example.org/</c>.</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>The login name of the WordPress account the SDK acts as (it needs <c>create_users</c>, <c>list_users</c>, <c>promote_users</c>).</summary>
    [Required]
    public string Username { get; set; } = string.Empty;

    /// <summary>An application password of that account (Users → Profile → Application Passwords). Never logged.</summary>
    [Required]
    public string ApplicationPassword { get; set; } = string.Empty;

    /// <summary>
    /// Whether the Skvare CmsUser companion plugin is installed. Enables new-account notifications,
    /// one-time set-password links, real blocking and reset emails without the login form.
    /// </summary>
    public bool UseCompanionPlugin { get; set; }

    /// <summary>The earlier name of <see cref="UseCompanionPlugin"/>; the key <c>CmsUser:WordPress:CompanionPlugin</c> still binds.</summary>
    [Obsolete("Use UseCompanionPlugin.")]
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool CompanionPlugin
    {
        get => UseCompanionPlugin;
        set => UseCompanionPlugin = value;
    }

    /// <summary>The companion plugin's REST namespace. Default <c>skvare-cmsuser/v1</c>.</summary>
    [Required]
    public string CompanionRoute { get; set; } = "skvare-cmsuser/v1";

    /// <summary>Whether the site is a multisite network (stricter usernames: lowercase letters and digits, at least 4).</summary>
    public bool Multisite { get; set; }

    /// <summary>HTTP transport settings.</summary>
    public HttpClientSettings Http { get; set; } = new();

    /// <inheritdoc />
    public override string ToString() =>
        $"WordPress {BaseUrl} as {Username} (application password {(string.IsNullOrEmpty(ApplicationPassword) ? "missing" : "***")}, companion {(UseCompanionPlugin ? "on" : "off")}, multisite {(Multisite ? "on" : "off")})";
}
