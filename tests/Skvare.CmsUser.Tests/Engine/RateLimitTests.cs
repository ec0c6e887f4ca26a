using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Cms_requests_beyond_the_rate_wait_for_a_permit()
    {
        var cms = new FakeCmsAccountProvider();
        // One request per 100 seconds: the second request cannot get a permit during this test.
        using var limited = new RateLimitedCmsProvider(cms, requestsPerSecond: 0.01);
        using var cts = new CancellationTokenSource();

        await limited.FindByEmailAsync("a@example.org");
        var second = limited.FindByEmailAsync("b@example.org", cts.Token);
        await Task.Yield();

        second.IsCompleted.Should().BeFalse("the bucket is empty until the next replenishment");
        cms.Calls["FindByEmail"].Should().Be(1);
        await cts.CancelAsync();
        await second.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        cms.Calls["FindByEmail"].Should().Be(1);
    }

    [Fact]
    public void The_engine_wraps_the_provider_only_when_a_rate_is_set()
    {
        using var plain = new EngineHarness();
        plain.Provisioner.Should().NotBeNull();
        GetCms(plain.Provisioner).Should().BeOfType<FakeCmsAccountProvider>();

        using var limited = new EngineHarness { Configure = o => o.MaxCmsRequestsPerSecond = 5 };
        GetCms(limited.Provisioner).Should().BeOfType<RateLimitedCmsProvider>();
    }

    private static object? GetCms(IUserProvisioner provisioner) =>
        typeof(UserProvisioner).GetField("_cms", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(provisioner);
}
