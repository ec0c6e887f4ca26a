using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// A test against the real WordPress that needs a companion plugin of at least a given version (and the mail catcher
/// of the same setup.sh). Skipped as <see cref="LiveWordPressFactAttribute"/> is, and when the site's plugin is older
/// (a site set up before the change: rerun setup.sh), unless CMSUSER_REQUIRE_LIVE=1 (CI runs setup.sh first), where it
/// runs and fails instead.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LiveWordPressCompanionFactAttribute : FactAttribute
{
    private static readonly Lazy<Version?> Installed = new(ReadVersion);

    /// <summary>Decides whether to skip.</summary>
    /// <param name="minimumVersion">The oldest companion plugin version the test needs.</param>
    public LiveWordPressCompanionFactAttribute(string minimumVersion)
    {
        if (LiveWordPressSite.Required)
        {
            return;
        }

        if (LiveWordPressSite.Current is null)
        {
            Skip = "No live WordPress configured: run 'bash tests/real/wordpress/setup.sh' as root, or set CMSUSER_WP_URL/CMSUSER_WP_USER/CMSUSER_WP_APP_PASSWORD.";
        }
        else if (Installed.Value is not { } installed || installed < Version.Parse(minimumVersion))
        {
            Skip = $"The live WordPress's companion plugin is {Installed.Value?.ToString() ?? "unknown"}, older than {minimumVersion}: rerun 'bash tests/real/wordpress/setup.sh' to install the repository's plugin.";
        }
    }

    // Test discovery is synchronous: one bounded synchronous request to the plugin's status route.
    private static Version? ReadVersion()
    {
        var site = LiveWordPressSite.Current!;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(site.Url, "wp-json/skvare-cmsuser/v1/status"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(site.User + ":" + site.ApplicationPassword)));
            using var response = http.Send(request);
            using var body = JsonDocument.Parse(response.Content.ReadAsStream());
            return body.RootElement.TryGetProperty("version", out var version) && Version.TryParse(version.GetString(), out var parsed) ? parsed : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
