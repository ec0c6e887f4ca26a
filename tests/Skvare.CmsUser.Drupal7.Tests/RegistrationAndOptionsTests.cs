using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class RegistrationAndOptionsTests
{
    private static readonly Uri Site = new("https://www.example.org/");

    private static ServiceProvider Build(Action<Drupal7Options>? configure, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        new TestBuilder(services, configuration).AddDrupal7(configure);
        return services.BuildServiceProvider();
    }

    private static string[] Failures(Action<Drupal7Options> configure)
    {
        using var provider = Build(configure);
        var act = () => provider.GetRequiredService<IOptions<Drupal7Options>>().Value;
        return [.. act.Should().Throw<OptionsValidationException>().Which.Failures];
    }

    private static void Valid(Drupal7Options o)
    {
        o.BaseUrl = Site;
        o.Endpoint = "api";
        o.Username = "api";
        o.Password = "pw-123456";
    }

    [Fact]
    public void Valid_options_pass()
    {
        using var provider = Build(Valid);

        provider.GetRequiredService<ICmsAccountProvider>().Should().BeOfType<Drupal7AccountProvider>();
    }

    [Fact]
    public void Missing_base_url_names_the_setting()
    {
        Failures(o => { Valid(o); o.BaseUrl = null; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal7:BaseUrl is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_http_to_a_remote_host_is_refused()
    {
        Failures(o => { Valid(o); o.BaseUrl = new Uri("http://www.example.org/"); }).Should().ContainSingle(f => f.Contains("AllowInsecureHttp", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_credentials_and_endpoint_name_the_settings()
    {
        var failures = Failures(o => o.BaseUrl = Site);

        failures.Should().Contain(f => f.Contains("CmsUser:Drupal7:Endpoint is missing", StringComparison.Ordinal) && f.Contains("admin/structure/services", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CmsUser:Drupal7:Username is missing", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("CmsUser:Drupal7:Password is missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("api.json")]
    [InlineData("https://x/api")]
    public void Bad_endpoint_is_refused(string endpoint)
    {
        Failures(o => { Valid(o); o.Endpoint = endpoint; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal7:Endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void Role_ids_must_be_numbers()
    {
        Failures(o => { Valid(o); o.RoleIds["editor"] = "editor"; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal7:RoleIds:editor", StringComparison.Ordinal));
    }

    [Fact]
    public void Out_of_range_http_settings_are_refused()
    {
        Failures(o => { Valid(o); o.Http.MaxRetries = 50; }).Should().ContainSingle(f => f.Contains("CmsUser:Drupal7:Http", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_bind_from_the_Drupal7_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Drupal7:BaseUrl"] = "https://site.example.org/",
            ["Drupal7:Endpoint"] = "rest",
            ["Drupal7:Username"] = "api",
            ["Drupal7:Password"] = "secret-value",
            ["Drupal7:RoleIds:editor"] = "4",
        }).Build();

        using var provider = Build(null, configuration);
        var options = provider.GetRequiredService<IOptions<Drupal7Options>>().Value;

        options.Endpoint.Should().Be("rest");
        options.RoleIds.Should().Contain("editor", "4");
    }

    [Fact]
    public void Provider_describes_Drupal_7()
    {
        using var provider = Build(Valid);
        var cms = provider.GetRequiredService<ICmsAccountProvider>();

        cms.Name.Should().Be("Drupal 7");
        cms.UsernameRules.MaxLength.Should().Be(60);
        cms.UsernameRules.AllowedPunctuation.Should().NotContain("+");
        cms.Capabilities.Should().HaveFlag(CmsCapabilities.CreateWithoutPassword)
            .And.HaveFlag(CmsCapabilities.Block)
            .And.NotHaveFlag(CmsCapabilities.OneTimeLoginLink);
    }
}
