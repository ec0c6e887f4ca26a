using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class RegistrationAndOptionsTests
{
    private static readonly Uri Site = new("https://www.example.org/");

    private static ServiceProvider Build(Action<DrupalOptions>? configure, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        new TestBuilder(services, configuration).AddDrupal(configure);
        return services.BuildServiceProvider();
    }

    private static string[] Failures(Action<DrupalOptions> configure)
    {
        using var provider = Build(configure);
        var act = () => provider.GetRequiredService<IOptions<DrupalOptions>>().Value;
        return [.. act.Should().Throw<OptionsValidationException>().Which.Failures];
    }

    private static void Basic(DrupalOptions o)
    {
        o.BaseUrl = Site;
        o.Username = "api";
        o.Password = "pw-123456";
    }

    [Fact]
    public void Valid_basic_options_pass()
    {
        using var provider = Build(Basic);

        provider.GetRequiredService<IOptions<DrupalOptions>>().Value.TokenPath.Should().Be("oauth/token");
        provider.GetRequiredService<ICmsAccountProvider>().Should().BeOfType<DrupalAccountProvider>();
    }

    [Fact]
    public void Missing_base_url_names_the_setting()
    {
        Failures(o => { Basic(o); o.BaseUrl = null; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal:BaseUrl is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Relative_or_non_http_base_url_is_refused()
    {
        Failures(o => { Basic(o); o.BaseUrl = new Uri("ftp://example.org/"); }).Should().ContainSingle(f => f.Contains("absolute http(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_http_to_a_remote_host_is_refused_unless_allowed()
    {
        Failures(o => { Basic(o); o.BaseUrl = new Uri("http://www.example.org/"); }).Should().ContainSingle(f => f.Contains("AllowInsecureHttp", StringComparison.Ordinal));

        using var allowed = Build(o => { Basic(o); o.BaseUrl = new Uri("http://www.example.org/"); o.Http.AllowInsecureHttp = true; });
        allowed.GetRequiredService<IOptions<DrupalOptions>>().Value.Should().NotBeNull();
    }

    [Fact]
    public void Basic_mode_needs_username_and_password()
    {
        var failures = Failures(o => o.BaseUrl = Site);

        failures.Should().Contain(f => f.Contains("CmsUser:Drupal:Username is missing", StringComparison.Ordinal) && f.Contains("administer users", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CmsUser:Drupal:Password is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void OAuth2_mode_needs_client_id_and_secret_but_no_password()
    {
        var failures = Failures(o => { o.BaseUrl = Site; o.Authentication = DrupalAuthenticationMode.OAuth2; o.TokenPath = "https://evil/token"; });

        failures.Should().Contain(f => f.Contains("CmsUser:Drupal:ClientId is missing", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CmsUser:Drupal:ClientSecret is missing", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CmsUser:Drupal:TokenPath", StringComparison.Ordinal));
        failures.Should().NotContain(f => f.Contains("Password", StringComparison.Ordinal));
    }

    [Fact]
    public void Name_fields_must_be_machine_names()
    {
        Failures(o => { Basic(o); o.FirstNameField = "First Name"; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal:FirstNameField", StringComparison.Ordinal));
    }

    [Fact]
    public void Out_of_range_http_settings_are_refused()
    {
        Failures(o => { Basic(o); o.Http.MaxRetries = 50; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal:Http", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_bind_from_the_Drupal_section_then_code_wins()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Drupal:BaseUrl"] = "https://site.example.org/sub/",
            ["Drupal:Authentication"] = "OAuth2",
            ["Drupal:ClientId"] = "client",
            ["Drupal:ClientSecret"] = "secret-value",
            ["Drupal:Scope"] = "cmsuser",
            ["Drupal:FirstNameField"] = "field_first_name",
            ["Drupal:UseCompanionModule"] = "true",
            ["Drupal:Http:MaxRetries"] = "5",
        }).Build();

        using var provider = Build(o => o.Http.MaxRetries = 1, configuration);
        var options = provider.GetRequiredService<IOptions<DrupalOptions>>().Value;

        options.BaseUrl.Should().Be(new Uri("https://site.example.org/sub/"));
        options.Authentication.Should().Be(DrupalAuthenticationMode.OAuth2);
        options.ClientSecret.Should().Be("secret-value");
        options.FirstNameField.Should().Be("field_first_name");
        options.UseCompanionModule.Should().BeTrue();
        options.Http.MaxRetries.Should().Be(1);
    }

    [Fact]
    public void Provider_describes_Drupal()
    {
        using var provider = Build(Basic);
        var cms = provider.GetRequiredService<ICmsAccountProvider>();

        cms.Name.Should().Be("Drupal");
        cms.UsernameRules.MaxLength.Should().Be(60);
        cms.UsernameRules.AllowedPunctuation.Should().Contain("+").And.Contain("@").And.NotContain(" ");
        cms.Capabilities.Should().HaveFlag(CmsCapabilities.CreateWithoutPassword)
            .And.HaveFlag(CmsCapabilities.Block)
            .And.NotHaveFlag(CmsCapabilities.OneTimeLoginLink);
    }
}
