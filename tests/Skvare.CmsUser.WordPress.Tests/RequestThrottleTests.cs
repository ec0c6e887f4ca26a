using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// <c>MaxCmsRequestsPerSecond</c> is enforced in the package's HTTP pipeline: every request sent takes one permit
/// (a create that also sends the reset email takes two, a retry takes its own). Counted, never timed: the tests
/// hand out permits themselves (a token bucket that only refills when told) and compare with the fake's log.
/// </summary>
public sealed class RequestThrottleTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _server.Dispose();
    }

    [Fact(Timeout = 120_000)]
    public async Task Requests_sent_never_exceed_the_permits_given_and_a_create_with_its_mail_takes_two()
    {
        using var limiter = ManualBucket(initial: 3);
        // The creates' requests leave together once all three took their permit: otherwise a create answered early could
        // take the last permit for its email before the third create asked for one (seen in CI under load: that create
        // finished, the third waited for the first permit of its own, and only two requests were queued).
        var together = new CreatesTogether(3);
        var provider = Provider(limiter, companion: false, together.Handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        // Three creates need six requests (create, then wp-login.php's reset email): only three permits exist.
        var creates = Enumerable.Range(1, 3)
            .Select(i => provider.CreateAsync(new NewCmsAccount { Username = $"throttled{i}", Email = $"throttled{i}@example.org", Notify = true }, cts.Token))
            .ToList();
        // A create that ended (failed) can never queue its second request: stop waiting and say why.
        await WaitUntilAsync(() => limiter.GetStatistics()!.CurrentQueuedCount == 3 || creates.Any(t => t.IsCompleted), cts.Token);
        creates.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!.Message).Should().BeEmpty("no create may fail");
        limiter.GetStatistics()!.CurrentQueuedCount.Should().Be(3, "each create waits for the permit of its second request");

        _server.Requests.Should().HaveCount(3, "three permits were given, so three requests went out");
        creates.Should().OnlyContain(t => !t.IsCompleted, "each create still waits for the permit of its second request");

        limiter.TryReplenish().Should().BeTrue();
        await Task.WhenAll(creates);

        _server.Requests.Should().HaveCount(6);
        limiter.GetStatistics()!.TotalSuccessfulLeases.Should().Be(6, "one permit per request sent");
        _server.Mails.Should().HaveCount(3);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_retry_takes_a_permit_of_its_own()
    {
        using var limiter = ManualBucket(initial: 10);
        var provider = Provider(limiter, companion: false);
        _server.FailNext(1, 503);

        var found = await provider.FindByUsernameAsync("admin", new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token);

        found.Should().NotBeNull();
        _server.Requests.Should().HaveCount(2, "the 503 was retried");
        limiter.GetStatistics()!.TotalSuccessfulLeases.Should().Be(2);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_request_waiting_for_a_permit_is_cancelled_without_being_sent()
    {
        using var limiter = ManualBucket(initial: 0);
        var provider = Provider(limiter, companion: true);
        using var cts = new CancellationTokenSource();

        var create = provider.CreateAsync(new NewCmsAccount { Username = "waiting", Email = "waiting@example.org" }, cts.Token);
        await WaitUntilAsync(() => limiter.GetStatistics()!.CurrentQueuedCount == 1, new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token);
        await cts.CancelAsync();

        await create.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        _server.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(5.0, true)]
    public void The_site_gets_one_limiter_from_MaxCmsRequestsPerSecond(double? rate, bool limited)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => Engine(o, rate)).AddWordPress(o => Site(o, companion: false));
        _services = services.BuildServiceProvider();

        var throttle = _services.GetRequiredService<CmsRequestThrottle>();

        (throttle.Limiter is not null).Should().Be(limited);
        _services.GetRequiredService<CmsRequestThrottle>().Should().BeSameAs(throttle, "one limiter for every request of the site");
    }

    [Fact]
    public async Task With_a_rate_set_requests_go_through_the_real_limiter()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => Engine(o, 10_000)).AddWordPress(o => Site(o, companion: true));
        _services = services.BuildServiceProvider();
        var provider = _services.GetRequiredService<ICmsAccountProvider>();

        await provider.FindByEmailAsync("admin@example.org", new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token);

        var statistics = _services.GetRequiredService<CmsRequestThrottle>().Limiter!.GetStatistics()!;
        statistics.TotalSuccessfulLeases.Should().Be(_server.Requests.Count);
    }

    // A bucket that never refills by itself: the test decides when permits appear.
    private static TokenBucketRateLimiter ManualBucket(int initial) =>
        new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, initial),
            TokensPerPeriod = 3,
            // Manual replenishment still adds tokens only once a period has passed since the last one: keep it short.
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(1),
            AutoReplenishment = false,
            QueueLimit = 100,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }).Drained(initial);

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        // Polls for progress; a short pause instead of a spin leaves the shared cores to the server and the client.
        while (!condition())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private static void Engine(CmsUserOptions o, double? rate)
    {
        o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") });
        o.MaxCmsRequestsPerSecond = rate;
    }

    private void Site(WordPressOptions o, bool companion)
    {
        o.BaseUrl = _server.BaseUrl;
        o.Username = _server.AdminUsername;
        o.ApplicationPassword = _server.ApplicationPassword;
        o.UseCompanionPlugin = companion;
        o.Http.RetryBaseDelay = TimeSpan.Zero;
        // No request here waits for a timeout; a loaded machine may take seconds to bring three creates to the gate.
        o.Http.AttemptTimeout = TimeSpan.FromMinutes(2);
    }

    private ICmsAccountProvider Provider(RateLimiter limiter, bool companion, Func<DelegatingHandler>? innermost = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // Registered first, so the package keeps it (it adds its own only when none is there).
        services.AddSingleton(new CmsRequestThrottle(limiter));
        services.AddCmsUserProvisioning(o => Engine(o, 1)).AddWordPress(o => Site(o, companion));
        if (innermost is not null)
        {
            // Below the limiter and the resilience pipeline: it sees requests that already took their permit.
            services.AddHttpClient(WordPressAccountProvider.HttpClientName).AddHttpMessageHandler(innermost);
        }

        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<ICmsAccountProvider>();
    }

    /// <summary>
    /// Holds each account create (<c>POST wp/v2/users</c>) after it took its permit until <paramref name="count"/> creates
    /// did, then lets them go together: no create's answer (and so no email request) comes before every create has its permit.
    /// </summary>
    private sealed class CreatesTogether(int count)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public DelegatingHandler Handler() => new Gate(this);

        // A create has its permit: it waits until the last one has too.
        private Task ArriveAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _arrived) == count)
            {
                _all.TrySetResult();
            }

            return _all.Task.WaitAsync(cancellationToken);
        }

        private sealed class Gate(CreatesTogether together) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/wp/v2/users", StringComparison.Ordinal))
                {
                    await together.ArriveAsync(cancellationToken).ConfigureAwait(false);
                }

                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

internal static class TokenBucketExtensions
{
    /// <summary>Leaves <paramref name="left"/> tokens in a full bucket by taking the others.</summary>
    public static TokenBucketRateLimiter Drained(this TokenBucketRateLimiter limiter, int left)
    {
        var take = (int)limiter.GetStatistics()!.CurrentAvailablePermits - left;
        if (take > 0)
        {
            limiter.AttemptAcquire(take).IsAcquired.Should().BeTrue();
        }

        return limiter;
    }
}
