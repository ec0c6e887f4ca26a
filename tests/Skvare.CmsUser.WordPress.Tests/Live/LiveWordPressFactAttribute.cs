namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// A test against the real WordPress. Skipped when none is configured, unless CMSUSER_REQUIRE_LIVE=1
/// (CI), where the test runs and fails instead of silently skipping.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LiveWordPressFactAttribute : FactAttribute
{
    /// <summary>Decides whether to skip.</summary>
    public LiveWordPressFactAttribute()
    {
        if (LiveWordPressSite.Current is null && !LiveWordPressSite.Required)
        {
            Skip = "No live WordPress configured: run 'bash tests/real/wordpress/setup.sh' as root, or set CMSUSER_WP_URL/CMSUSER_WP_USER/CMSUSER_WP_APP_PASSWORD.";
        }
    }
}
