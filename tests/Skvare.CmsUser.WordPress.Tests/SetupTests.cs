using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class SetupTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Connectivity_check_reports_the_account_its_capabilities_and_the_companion()
    {
        using var host = WordPressTestHost.For(_server, companion: true);

        var report = await host.Provider.CheckConnectivityAsync();

        report.Healthy.Should().BeTrue();
        report.Checks.Select(c => c.Name).Should().Equal("Authentication", "Capabilities", "Companion plugin");
        report.Checks[0].Detail.Should().Contain("'admin'");
        report.Checks[2].Detail.Should().Contain(FakeWordPressServer.CompanionVersion);
        _server.Requests.Should().Contain(r => r.Path == "/wp-json/wp/v2/users/me" && r.Query == "context=edit");
    }

    [Fact]
    public async Task Connectivity_check_with_a_wrong_password_names_the_fix_without_the_secret()
    {
        using var host = WordPressTestHost.For(_server, configure: o => o.ApplicationPassword = "leak leak leak leak");

        var report = await host.Provider.CheckConnectivityAsync();

        report.Healthy.Should().BeFalse();
        var auth = report.Checks.Single();
        auth.Passed.Should().BeFalse();
        auth.Detail.Should().Contain("rest_not_logged_in").And.Contain("application password").And.NotContain("leak leak");
    }

    [Fact]
    public async Task Connectivity_check_flags_missing_capabilities_and_a_missing_companion()
    {
        _server.CompanionPlugin = false;
        _server.AddUser("writer", "writer@example.org", "editor");
        _server.SetApplicationPassword("writer", "wxyz wxyz wxyz wxyz");
        using var host = WordPressTestHost.For(_server, companion: true, configure: o =>
        {
            o.Username = "writer";
            o.ApplicationPassword = "wxyz wxyz wxyz wxyz";
        });

        var report = await host.Provider.CheckConnectivityAsync();

        report.Healthy.Should().BeFalse();
        report.Checks.Single(c => c.Name == "Capabilities").Detail.Should().Contain("create_users");
        report.Checks.Single(c => c.Name == "Companion plugin").Passed.Should().BeFalse();
    }

    [Fact(Timeout = 30_000)]
    public async Task Connectivity_check_of_an_unreachable_site_does_not_ask_to_install_the_companion()
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var host = WordPressTestHost.For(_server, companion: true, configure: o => o.BaseUrl = new Uri($"http://127.0.0.1:{port}/"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(25));

        var report = await host.Provider.CheckConnectivityAsync(timeout.Token);

        var companion = report.Checks.Single(c => c.Name == "Companion plugin");
        companion.Passed.Should().BeFalse();
        companion.Failure.Should().Be(FailureKind.Transient);
        companion.Detail.Should().Contain("could not be reached").And.NotContain("Install and activate");
    }

    [Fact]
    public void Capabilities_follow_the_companion_setting()
    {
        using var without = WordPressTestHost.For(_server);
        using var with = WordPressTestHost.For(_server, companion: true);

        without.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Block)
            .And.HaveFlag(CmsCapabilities.CreateWithoutPassword).And.NotHaveFlag(CmsCapabilities.OneTimeLoginLink)
            .And.NotHaveFlag(CmsCapabilities.NotifiesInCreate);
        with.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.OneTimeLoginLink);
        with.Provider.Name.Should().Be("WordPress");
    }

    [Fact]
    public void Multisite_uses_the_stricter_username_rules()
    {
        using var single = WordPressTestHost.For(_server);
        using var multi = WordPressTestHost.For(_server, configure: o => o.Multisite = true);

        single.Provider.UsernameRules.MaxLength.Should().Be(60);
        single.Provider.UsernameRules.AllowedPunctuation.Should().Contain("@").And.Contain(".");
        multi.Provider.UsernameRules.MinLength.Should().Be(4);
        multi.Provider.UsernameRules.AllowedPunctuation.Should().BeEmpty();
        multi.Provider.UsernameRules.Lowercase.Should().BeTrue();
    }

    [Theory]
    [InlineData(null, "CmsUser:WordPress:BaseUrl is missing")]
    [InlineData("ftp://example.org/", "must be an absolute http(s) URL")]
    [InlineData("http://www.example.org/", "plain http")]
    public void Bad_base_url_fails_at_start(string? url, string expected)
    {
        var act = () => Resolve(o =>
        {
            o.BaseUrl = url is null ? null : new Uri(url);
            o.Username = "admin";
            o.ApplicationPassword = "abcd abcd abcd abcd";
        });

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Transport_settings_the_resilience_pipeline_would_refuse_fail_at_start()
    {
        var act = () => Resolve(o =>
        {
            o.BaseUrl = new Uri("https://www.example.org/");
            o.Username = "admin";
            o.ApplicationPassword = "abcd abcd abcd abcd";
            o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(1);
            o.Http.MaxRetries = 50;
            o.Http.RetryBaseDelay = TimeSpan.FromSeconds(-1);
            o.Http.CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(100);
        });

        var message = act.Should().Throw<OptionsValidationException>().Which.Message;
        message.Should().Contain("CmsUser:WordPress:Http:AttemptTimeout")
            .And.Contain("CmsUser:WordPress:Http: The field MaxRetries must be between 0 and 10.")
            .And.Contain("CmsUser:WordPress:Http:RetryBaseDelay")
            .And.Contain("CmsUser:WordPress:Http:CircuitBreakerBreakDuration");
    }

    [Fact]
    public void Missing_credentials_fail_at_start_naming_the_settings()
    {
        var act = () => Resolve(o => o.BaseUrl = new Uri("https://www.example.org/"));

        var message = act.Should().Throw<OptionsValidationException>().Which.Message;
        message.Should().Contain("CmsUser:WordPress:Username").And.Contain("CmsUser:WordPress:ApplicationPassword");
    }

    [Fact]
    public void Plain_http_to_loopback_or_explicitly_allowed_is_accepted()
    {
        Resolve(o =>
        {
            o.BaseUrl = new Uri("http://127.0.0.1:8081/");
            o.Username = "admin";
            o.ApplicationPassword = "abcd abcd abcd abcd";
        }).Should().NotBeNull();
        Resolve(o =>
        {
            o.BaseUrl = new Uri("http://intranet.example/");
            o.Username = "admin";
            o.ApplicationPassword = "abcd abcd abcd abcd";
            o.Http.AllowInsecureHttp = true;
        }).Should().NotBeNull();
    }

    [Fact]
    public void The_earlier_CompanionPlugin_key_still_turns_the_companion_on()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CmsUser:WordPress:BaseUrl"] = "https://www.example.org",
            ["CmsUser:WordPress:Username"] = "api",
            ["CmsUser:WordPress:ApplicationPassword"] = "abcd abcd abcd abcd",
            ["CmsUser:WordPress:CompanionPlugin"] = "true",
        }).Build();
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning(configuration.GetSection("CmsUser")).AddWordPress();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<WordPressOptions>>().Value.UseCompanionPlugin.Should().BeTrue();
    }

    [Fact]
    public void Options_bind_from_the_CmsUser_WordPress_section_and_AddWordPress_is_safe_twice()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CmsUser:WordPress:BaseUrl"] = "https://www.example.org",
            ["CmsUser:WordPress:Username"] = "api",
            ["CmsUser:WordPress:ApplicationPassword"] = "abcd abcd abcd abcd",
            ["CmsUser:WordPress:UseCompanionPlugin"] = "true",
            ["CmsUser:WordPress:Http:MaxRetries"] = "1",
        }).Build();
        var services = new ServiceCollection();
        var builder = services.AddCmsUserProvisioning(configuration.GetSection("CmsUser"));
        builder.AddWordPress();
        builder.AddWordPress(o => o.Multisite = true);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<WordPressOptions>>().Value;
        options.Username.Should().Be("api");
        options.UseCompanionPlugin.Should().BeTrue();
        options.Multisite.Should().BeTrue();
        options.Http.MaxRetries.Should().Be(1);
        options.ToString().Should().NotContain("abcd");
        services.Count(d => d.ServiceType == typeof(ICmsAccountProvider)).Should().Be(1);
        provider.GetRequiredService<ICmsAccountProvider>().Should().BeOfType<WordPressAccountProvider>();
    }

    [Fact]
    public void AddWordPress_rejects_a_null_builder()
    {
        var act = () => WordPressCmsUserBuilderExtensions.AddWordPress(null!);

        act.Should().Throw<ArgumentNullException>();
    }

    private static ICmsAccountProvider Resolve(Action<WordPressOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddWordPress(configure);
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<WordPressOptions>>().Value;
        return provider.GetRequiredService<ICmsAccountProvider>();
    }
}
