namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>The WordPress package pointed at the live site (only in the WordPress tests).</summary>
internal sealed partial record LiveWordPressSite
{
    /// <summary>Points WordPress options at this site (its application password unless <paramref name="applicationPassword"/> replaces it).</summary>
    public void Configure(WordPressOptions options, bool companion = false, string? applicationPassword = null)
    {
        options.BaseUrl = Url;
        options.Username = User;
        options.ApplicationPassword = applicationPassword ?? ApplicationPassword;
        options.UseCompanionPlugin = companion;
    }

    /// <summary>The provider alone, wired through DI against this site.</summary>
    public WordPressTestHost Host(bool companion = false, string? applicationPassword = null) =>
        new(o => Configure(o, companion, applicationPassword));
}
