using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// The rate limit of one CMS site (<see cref="CmsUserOptions.MaxCmsRequestsPerSecond"/>): one permit per HTTP request
/// the provider sends, retries and session or token renewals included. One instance per provider package and
/// service provider (a singleton), shared by every request of that package.
/// </summary>
internal sealed class CmsRequestThrottle : IDisposable
{
    /// <summary>Creates the throttle around <paramref name="limiter"/>; <see langword="null"/> means no limit.</summary>
    /// <param name="limiter">The limiter each request takes one permit from.</param>
    public CmsRequestThrottle(RateLimiter? limiter) => Limiter = limiter;

    /// <summary>The limiter, or <see langword="null"/> when no rate is set.</summary>
    public RateLimiter? Limiter { get; }

    /// <summary>Registers the package's throttle (once), built from <see cref="CmsUserOptions.MaxCmsRequestsPerSecond"/>.</summary>
    public static void Register(IServiceCollection services) =>
        services.TryAddSingleton(sp => new CmsRequestThrottle(CreateLimiter(RateOf(sp))));

    /// <summary>The registered throttle's limiter, for <c>AddPackageHttpClient</c>.</summary>
    public static RateLimiter? LimiterOf(IServiceProvider services) => services.GetRequiredService<CmsRequestThrottle>().Limiter;

    /// <summary>
    /// A token bucket that lets <paramref name="requestsPerSecond"/> requests through per second on average, with
    /// bursts of at most one replenishment step (50 ms worth of requests, at least one), and queues the rest in order;
    /// <see langword="null"/> when no rate is set.
    /// </summary>
    public static RateLimiter? CreateLimiter(double? requestsPerSecond)
    {
        if (requestsPerSecond is not double rate || rate <= 0 || double.IsNaN(rate) || double.IsInfinity(rate))
        {
            return null;
        }

        // Replenish in steps of at least 50 ms so high rates do not depend on a fine timer.
        var tokensPerPeriod = Math.Max(1, (int)Math.Ceiling(rate / 20));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokensPerPeriod,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / rate),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Waits for one permit (at once when there is no limit).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (Limiter is null)
        {
            return;
        }

        // A token bucket's permits are spent, not returned: disposing the lease gives nothing back.
        using var lease = await Limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The CMS request rate limiter refused a permit (it was disposed, or its queue is full).");
        }
    }

    /// <inheritdoc />
    public void Dispose() => Limiter?.Dispose();

    // The rate from the engine options; options that fail validation stop the host on start anyway, so no limit here.
    private static double? RateOf(IServiceProvider services)
    {
        try
        {
            return services.GetService<IOptions<CmsUserOptions>>()?.Value.MaxCmsRequestsPerSecond;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }
}
