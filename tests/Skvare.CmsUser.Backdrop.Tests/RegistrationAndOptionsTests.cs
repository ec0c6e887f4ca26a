using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class RegistrationAndOptionsTests
{
    private const string GoodSecret = "0123456789abcdef0123456789abcdef";

    private static ServiceProvider Build(Action<BackdropOptions>? configure, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        new TestBuilder(services, configuration).AddBackdrop(configure);
        return services.BuildServiceProvider();
    }

    private static string[] Failures(Action<BackdropOptions> configure)
    {
        using var provider = Build(configure);
        var act = () => provider.GetRequiredService<IOptions<BackdropOptions>>().Value;
        return [.. act.Should().Throw<OptionsValidationException>().Which.Failures];
    }

    [Fact]
    public void Valid_options_pass()
    {
        using var provider = Build(o => { o.BaseUrl = new Uri("https://www.example.org/"); o.Secret = GoodSecret; });

        provider.GetRequiredService<IOptions<BackdropOptions>>().Value.PathPrefix.Should().Be("api/cmsuser/v1");
        provider.GetRequiredService<ICmsAccountProvider>().Should().BeOfType<BackdropAccountProvider>();
    }

    [Fact]
    public void Missing_base_url_names_the_setting()
    {
        Failures(o => o.Secret = GoodSecret).Should().ContainSingle(f => f.Contains("CmsUser:Backdrop:BaseUrl is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Relative_or_non_http_base_url_is_refused()
    {
        Failures(o => { o.BaseUrl = new Uri("/site", UriKind.Relative); o.Secret = GoodSecret; }).Should().ContainSingle(f => f.Contains("absolute http(s)", StringComparison.Ordinal));
        Failures(o => { o.BaseUrl = new Uri("ftp://example.org/"); o.Secret = GoodSecret; }).Should().ContainSingle(f => f.Contains("absolute http(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_http_to_a_remote_host_is_refused_unless_allowed()
    {
        Failures(o => { o.BaseUrl = new Uri("http://www.example.org/"); o.Secret = GoodSecret; })
            .Should().ContainSingle(f => f.Contains("AllowInsecureHttp", StringComparison.Ordinal));

        using var allowed = Build(o => { o.BaseUrl = new Uri("http://www.example.org/"); o.Secret = GoodSecret; o.Http.AllowInsecureHttp = true; });
        allowed.GetRequiredService<IOptions<BackdropOptions>>().Value.Should().NotBeNull();
    }

    [Fact]
    public void Missing_or_short_secret_names_the_setting_and_where_to_get_one()
    {
        Failures(o => o.BaseUrl = new Uri("https://www.example.org/"))
            .Should().ContainSingle(f => f.Contains("CmsUser:Backdrop:Secret is missing", StringComparison.Ordinal) && f.Contains("admin/config/people/cmsuser-provision", StringComparison.Ordinal));
        var shortFailures = Failures(o => { o.BaseUrl = new Uri("https://www.example.org/"); o.Secret = "too-short-secret"; });
        shortFailures.Should().ContainSingle(f => f.Contains("shorter than 32", StringComparison.Ordinal));
        shortFailures.Should().NotContain(f => f.Contains("too-short-secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("api?x=1")]
    [InlineData("https://other/api")]
    public void Bad_path_prefix_is_refused(string prefix)
    {
        Failures(o => { o.BaseUrl = new Uri("https://www.example.org/"); o.Secret = GoodSecret; o.PathPrefix = prefix; })
            .Should().ContainSingle(f => f.Contains("CmsUser:Backdrop:PathPrefix", StringComparison.Ordinal));
    }

    [Fact]
    public void Out_of_range_http_settings_are_refused()
    {
        Failures(o => { o.BaseUrl = new Uri("https://www.example.org/"); o.Secret = GoodSecret; o.Http.MaxRetries = 50; })
            .Should().ContainSingle(f => f.Contains("CmsUser:Backdrop:Http", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_bind_from_the_Backdrop_section_then_code_wins()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Backdrop:BaseUrl"] = "https://site.example.org/sub/",
            ["Backdrop:Secret"] = GoodSecret,
            ["Backdrop:PathPrefix"] = "custom/api",
            ["Backdrop:Http:MaxRetries"] = "5",
        }).Build();

        using var provider = Build(o => o.Http.MaxRetries = 1, configuration);
        var options = provider.GetRequiredService<IOptions<BackdropOptions>>().Value;

        options.BaseUrl.Should().Be(new Uri("https://site.example.org/sub/"));
        options.Secret.Should().Be(GoodSecret);
        options.PathPrefix.Should().Be("custom/api");
        options.Http.MaxRetries.Should().Be(1);
    }

    [Fact]
    public void Provider_describes_Backdrop()
    {
        using var provider = Build(o => { o.BaseUrl = new Uri("https://www.example.org/"); o.Secret = GoodSecret; });
        var cms = provider.GetRequiredService<ICmsAccountProvider>();

        cms.Name.Should().Be("Backdrop");
        cms.UsernameRules.MaxLength.Should().Be(60);
        cms.UsernameRules.AllowedPunctuation.Should().NotContain("@").And.NotContain(" ");
        cms.Capabilities.Should().HaveFlag(CmsCapabilities.CreateWithoutPassword)
            .And.HaveFlag(CmsCapabilities.Block)
            .And.HaveFlag(CmsCapabilities.OneTimeLoginLink);
    }
}
