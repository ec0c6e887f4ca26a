using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// <c>MaxCmsRequestsPerSecond</c> for Standalone: the users live in CiviCRM, so the provider takes one permit per API
/// call it makes (the engine's own CiviCRM calls are not CMS requests and are not limited). Counted, never timed.
/// </summary>
public sealed class RequestThrottleTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    [Fact(Timeout = 30_000)]
    public async Task Every_call_of_the_provider_takes_one_permit_and_the_engine_calls_none()
    {
        var group = _site.AddGroup("members");
        _site.AddToGroup(group, Enumerable.Range(1, 5).Select(i => _site.AddContact("Person", $"Number{i}", $"p{i}@example.org")));
        _services = StandaloneHost.Build(_site, engine: o => o.MaxCmsRequestsPerSecond = 10_000);
        var limiter = _services.GetRequiredService<CmsRequestThrottle>().Limiter!;

        var summary = await _services.GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token);

        summary.Count(OutcomeKind.Created).Should().Be(5);
        var providerCalls = _site.Requests.Count(r => r.Entity is "User" or "Role");
        limiter.GetStatistics()!.TotalSuccessfulLeases.Should().Be(providerCalls, "one permit per User/Role call, none for the engine's own calls");
        providerCalls.Should().BeLessThan(_site.Requests.Count);
    }

    [Fact]
    public void Without_a_rate_there_is_no_limiter()
    {
        _services = StandaloneHost.Build(_site);

        _services.GetRequiredService<CmsRequestThrottle>().Limiter.Should().BeNull();
        _services.GetRequiredService<ICmsAccountProvider>().Should().BeOfType<StandaloneAccountProvider>();
    }
}
