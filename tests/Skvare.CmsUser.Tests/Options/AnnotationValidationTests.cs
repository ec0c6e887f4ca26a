using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Options;

/// <summary>
/// The [Required]/[Range] annotations of the options are checked at start by source-generated validators
/// (no reflection: the package is trimming- and AOT-safe), including the nested retry policy.
/// </summary>
public sealed class AnnotationValidationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
        ["CmsUser:Rules:0:Trigger:Reference"] = "website_members",
    };

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddCmsUserProvisioning(builder.Configuration.GetSection("CmsUser"))
            .UseInMemory(new InMemoryCiviCrm(), new InMemoryCmsAccountProvider());
        return builder.Build();
    }

    [Theory]
    [InlineData("CmsUser:PageSize", "0", "The field CmsUserOptions.PageSize must be between 1 and 5000.")]
    [InlineData("CmsUser:MaxConcurrency", "65", "The field CmsUserOptions.MaxConcurrency must be between 1 and 64.")]
    [InlineData("CmsUser:MaxCmsRequestsPerSecond", "0", "MaxCmsRequestsPerSecond must be between 0.01 and 10000.")]
    [InlineData("CmsUser:MaxUsernameSuffix", "10001", "MaxUsernameSuffix must be between 1 and 10000.")]
    [InlineData("CmsUser:Retry:MaxAttempts", "101", "Retry.MaxAttempts must be between 1 and 100.")]
    [InlineData("CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures", "0", "Retry.QuarantineAfterConsecutiveTransientFailures must be between 1 and 1000.")]
    public async Task Out_of_range_settings_fail_at_start_naming_the_member(string key, string value, string message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var host = BuildHost(new Dictionary<string, string?>(Valid) { [key] = value });

        var act = () => host.StartAsync(timeout.Token);

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task Settings_inside_their_ranges_start()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var host = BuildHost(new Dictionary<string, string?>(Valid)
        {
            ["CmsUser:PageSize"] = "5000",
            ["CmsUser:MaxConcurrency"] = "1",
            ["CmsUser:Retry:MaxAttempts"] = "100",
            ["CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures"] = "1",
        });

        await host.StartAsync(timeout.Token);
        var options = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;

        options.PageSize.Should().Be(5000);
        options.Retry.MaxAttempts.Should().Be(100);
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

        failures.Should().Contain(f => f.Contains("UsernamePattern field is required", StringComparison.Ordinal));
    }
}
