using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Options;

public sealed class OptionsValidationTests
{
    internal static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddCmsUserProvisioning(builder.Configuration.GetSection("CmsUser"))
            .UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider());
        return builder.Build();
    }

    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["CmsUser:UsernamePattern"] = "{contact.first_name}_{contact.contact_id}",
        ["CmsUser:Rules:0:Name"] = "members",
        ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
        ["CmsUser:Rules:0:Trigger:Reference"] = "website_members",
        ["CmsUser:Rules:0:History:Kind"] = "Tag",
        ["CmsUser:Rules:0:History:Reference"] = "has_login",
        ["CmsUser:Rules:0:Roles:0"] = "subscriber",
        ["CmsUser:Retry:MaxAttempts"] = "6",
        ["CmsUser:Retry:AttemptWindow"] = "10.00:00:00",
        ["CmsUser:FieldMappings:field_first_name"] = "{contact.first_name}",
        ["CmsUser:MaxCmsRequestsPerSecond"] = "5",
        ["CmsUser:Schedule:Interval"] = "00:05:00",
    };

    [Fact]
    public async Task Options_bind_from_the_CmsUser_section()
    {
        using var host = BuildHost(Valid);
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        options.UsernamePattern.Should().Be("{contact.first_name}_{contact.contact_id}");
        var rule = options.Rules.Should().ContainSingle().Subject;
        rule.Trigger!.Kind.Should().Be(TriggerKind.Group);
        rule.History!.Kind.Should().Be(TriggerKind.Tag);
        rule.Roles.Should().Equal("subscriber");
        options.Retry.MaxAttempts.Should().Be(6);
        options.Retry.AttemptWindow.Should().Be(TimeSpan.FromDays(10));
        options.FieldMappings.Should().ContainKey("field_first_name");
        options.MaxCmsRequestsPerSecond.Should().Be(5);
        options.Schedule.Interval.Should().Be(TimeSpan.FromMinutes(5));
        await host.StopAsync();
    }

    [Theory]
    [InlineData("CmsUser:UsernamePattern", "{contact.nickname}", "CmsUser:UsernamePattern: The pattern '{contact.nickname}' uses the unknown token")]
    [InlineData("CmsUser:Rules:0:Trigger:Reference", "", "CmsUser:Rules:0:Trigger:Reference is empty")]
    [InlineData("CmsUser:Retry:MaxAttempts", "0", "MaxAttempts")]
    [InlineData("CmsUser:FieldMappings:field_x", "{contact.bogus}", "CmsUser:FieldMappings:field_x")]
    [InlineData("CmsUser:FieldMappings:field_a[0", "{contact.city}", "CmsUser:FieldMappings:field_a[0: The field key 'field_a[0' has a '[' without a matching ']'")]
    [InlineData("CmsUser:FieldMappings:field_a[]", "{contact.city}", "has an empty part '[]'")]
    [InlineData("CmsUser:FieldMappings:field_first_name[0][value]", "{contact.city}", "the keys 'field_first_name' and 'field_first_name[0][value]' fill the same part of the field 'field_first_name'")]
    [InlineData("CmsUser:Rules:0:History:Kind", "SavedSearch", "History cannot be a saved search")]
    [InlineData("CmsUser:Schedule:OffPeakStart", "22:00", "set both OffPeakStart and OffPeakEnd")]
    [InlineData("CmsUser:LoginLinks:AllowAdministrators", "true", "CmsUser:LoginLinks:AllowAdministrators is on but CmsUser:LoginLinks:BlockedRoles is empty")]
    // The [Range] annotations, the nested retry policy's included, are checked by CmsUserOptionsValidator
    // (SettingsCheck.CheckRanges), which names the full configuration key.
    [InlineData("CmsUser:PageSize", "0", "CmsUser:PageSize is 0; it must be between 1 and 5000.")]
    [InlineData("CmsUser:MaxConcurrency", "65", "CmsUser:MaxConcurrency is 65; it must be between 1 and 64.")]
    [InlineData("CmsUser:MaxCmsRequestsPerSecond", "0", "CmsUser:MaxCmsRequestsPerSecond is 0; it must be between 0.01 and 10000.")]
    [InlineData("CmsUser:MaxUsernameSuffix", "10001", "CmsUser:MaxUsernameSuffix is 10001; it must be between 1 and 10000.")]
    [InlineData("CmsUser:UsernameSuffixSeparator", "x", "CmsUser:UsernameSuffixSeparator is 'x'; use _, - or .")]
    [InlineData("CmsUser:UsernameSuffixSeparator", "none", "CmsUser:UsernameSuffixSeparator is 'none'; use _, - or . (put between a name that ends in a digit and its number: newuser21_2), or leave it empty for none.")]
    [InlineData("CmsUser:UsernameSuffixSeparator", "__", "CmsUser:UsernameSuffixSeparator is '__'")]
    [InlineData("CmsUser:Retry:MaxAttempts", "101", "CmsUser:Retry:MaxAttempts is 101; it must be between 1 and 100.")]
    [InlineData("CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures", "0", "CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures is 0; it must be between 1 and 1000.")]
    [InlineData("CmsUser:Retry:WriteBackReadBackWait", "-00:00:01", "CmsUser:Retry:WriteBackReadBackWait is -00:00:01; it must be between 00:00:00 and 00:10:00")]
    [InlineData("CmsUser:Retry:WriteBackReadBackWait", "00:10:01", "CmsUser:Retry:WriteBackReadBackWait is 00:10:01; it must be between 00:00:00 and 00:10:00")]
    public async Task Invalid_settings_fail_at_start_naming_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>(Valid) { [key] = value };
        using var host = BuildHost(settings);

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("_")]
    [InlineData("-")]
    [InlineData(".")]
    public async Task A_username_suffix_separator_binds_from_the_CmsUser_section(string separator)
    {
        using var host = BuildHost(new Dictionary<string, string?>(Valid) { ["CmsUser:UsernameSuffixSeparator"] = separator });
        await host.StartAsync();

        host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.UsernameSuffixSeparator.Should().Be(separator);
        await host.StopAsync();
    }

    [Fact]
    public async Task An_off_peak_window_that_starts_where_it_ends_fails_at_start()
    {
        // Regression: the window [22:00, 22:00) holds no time, so the hosted service (and each Quartz firing) skipped
        // every run without a word at start.
        var settings = new Dictionary<string, string?>(Valid) { ["CmsUser:Schedule:OffPeakStart"] = "22:00", ["CmsUser:Schedule:OffPeakEnd"] = "22:00" };
        using var host = BuildHost(settings);

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("OffPeakStart and OffPeakEnd are both 22:00");
    }

    [Fact]
    public async Task No_rules_at_all_fail_at_start()
    {
        using var host = BuildHost(new Dictionary<string, string?>());

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("CmsUser:Rules is empty");
    }

    [Fact]
    public void Registration_guards_its_arguments_and_is_safe_to_call_twice()
    {
        IServiceCollection? none = null;
        var services = new ServiceCollection();

        ((Action)(() => none!.AddCmsUserProvisioning())).Should().Throw<ArgumentNullException>();
        ((Action)(() => services.AddCmsUserProvisioning((IConfiguration)null!))).Should().Throw<ArgumentNullException>();
        ((Action)(() => ((ICmsUserBuilder)null!).AddScheduledRuns())).Should().Throw<ArgumentNullException>();

        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("a") })).AddScheduledRuns();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Tag("b") })).AddScheduledRuns();

        services.Count(d => d.ServiceType == typeof(IUserProvisioner)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Skvare.CmsUser.Hosting.ScheduledProvisioningService)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Skvare.CmsUser.Hosting.LoginLinkSettingsNotice)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules.Should().HaveCount(2, "each call adds its configuration");
    }

    [Fact]
    public async Task Settings_at_the_ends_of_their_ranges_start()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var host = BuildHost(new Dictionary<string, string?>(Valid)
        {
            ["CmsUser:PageSize"] = "5000",
            ["CmsUser:MaxConcurrency"] = "1",
            ["CmsUser:Retry:MaxAttempts"] = "100",
            ["CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures"] = "1",
            ["CmsUser:Retry:WriteBackReadBackWait"] = "00:10:00",
        });

        await host.StartAsync(timeout.Token);

        var options = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        options.PageSize.Should().Be(5000);
        options.Retry.MaxAttempts.Should().Be(100);
        options.Retry.WriteBackReadBackWait.Should().Be(TimeSpan.FromMinutes(10));
        await host.StopAsync(timeout.Token);
    }

    [Fact]
    public void A_missing_required_setting_is_reported_by_name()
    {
        var options = new CmsUserOptions { UsernamePattern = null! };
        options.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("a") });
        using var provider = new ServiceCollection().AddCmsUserProvisioning().Services.BuildServiceProvider();

        var failures = provider.GetServices<IValidateOptions<CmsUserOptions>>()
            .Select(v => v.Validate(Microsoft.Extensions.Options.Options.DefaultName, options))
            .Where(r => r.Failed)
            .SelectMany(r => r.Failures!)
            .ToList();

        failures.Should().Contain("CmsUser:UsernamePattern is empty.");
    }
}
