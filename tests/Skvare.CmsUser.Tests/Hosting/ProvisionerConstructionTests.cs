using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Hosting;

/// <summary>
/// A host's own service that takes <see cref="IUserProvisioner"/> in its constructor (the usual <c>BackgroundService</c>)
/// builds the engine before the host validates the settings at start.
/// </summary>
public sealed class ProvisionerConstructionTests
{
    [Fact]
    public async Task A_background_service_taking_the_provisioner_gets_every_package_settings_problem_in_one_failure()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") });
            o.MaxConcurrency = 0;
        }).UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider());
        builder.Services.AddOptions<OtherPackageOptions>().Validate(_ => false, "CmsUser:Other:Secret is missing.").ValidateOnStart();
        builder.Services.AddHostedService<NeedsProvisioner>();
        using var host = builder.Build();

        var start = async () => await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var failure = (await start.Should().ThrowAsync<AggregateException>()).Which;
        var problems = failure.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        problems.Should().Contain(p => p.Contains("CmsUser:MaxConcurrency", StringComparison.Ordinal));
        problems.Should().Contain("CmsUser:Other:Secret is missing.");
    }

    [Fact]
    public async Task A_background_service_taking_the_provisioner_without_packages_is_told_which_calls_add_them()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") }));
        builder.Services.AddHostedService<NeedsProvisioner>();
        using var host = builder.Build();

        var start = async () => await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var failure = (await start.Should().ThrowAsync<InvalidOperationException>()).Which;
        failure.Message.Should().Contain("no CMS package is registered").And.Contain(".AddWordPress()").And.Contain(nameof(ICmsAccountProvider))
            .And.Contain("no CiviCRM package is registered").And.Contain(".AddCiviCrm()").And.Contain(nameof(ITriggerSourceFactory));
    }

    [Fact]
    public void A_provisioner_without_a_cms_package_names_only_that_package()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") })).UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider());
        services.RemoveAll<ICmsAccountProvider>();
        using var provider = services.BuildServiceProvider();

        var build = () => provider.GetRequiredService<IUserProvisioner>();

        build.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("no CMS package is registered").And.NotContain("CiviCRM");
    }

    [Fact]
    public void A_provisioner_with_both_packages_is_built()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") })).UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider());
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        provider.GetRequiredService<IUserProvisioner>().Should().BeSameAs(provider.GetRequiredService<IUserProvisioner>());
    }

    private sealed class OtherPackageOptions;

    private sealed class NeedsProvisioner(IUserProvisioner provisioner) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.FromResult(provisioner);
    }
}
