using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Hosting;

public sealed class HealthCheckRegistrationTests
{
    [Fact]
    public async Task The_CMS_provider_check_is_registered_through_AddHealthChecks()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<ICmsAccountProvider>(new FakeCmsAccountProvider());
        services.AddHealthChecks().AddCmsProviderCheck(tags: ["ready"]);
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"), new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        report.Entries.Should().ContainKey("cms").WhoseValue.Status.Should().Be(HealthStatus.Healthy);
    }

    [Fact]
    public void Registration_guards_its_arguments()
    {
        ((Action)(() => ((IHealthChecksBuilder)null!).AddCmsProviderCheck())).Should().Throw<ArgumentNullException>();
        ((Action)(() => new ServiceCollection().AddHealthChecks().AddCmsProviderCheck(" "))).Should().Throw<ArgumentException>();
    }
}
