using System.Threading.RateLimiting;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Puts a request rate limit into a package's HTTP pipeline so that every request actually sent takes one permit:
/// <see cref="FirstAttempt"/> sits outside the resilience handler and pays for the first attempt before its timeouts
/// start (waiting for a permit is never a timed-out attempt, so a create that waited is not an unknown outcome);
/// <see cref="EveryAttempt"/> sits inside it, next to the socket, and pays for each retry.
/// </summary>
internal static class RequestRateLimitHandlers
{
    private static readonly HttpRequestOptionsKey<PaidAttempt> Paid = new("Skvare.CmsUser.PaidAttempt");

    /// <summary>Takes the permit of a request's first attempt, outside the resilience handler.</summary>
    internal sealed class FirstAttempt(RateLimiter? limiter) : DelegatingHandler
    {
        /// <inheritdoc />
        /// <remarks>Without a limit the request goes straight on: no state machine, no await of its own.</remarks>
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            limiter is null ? base.SendAsync(request, cancellationToken) : SendPaidAsync(limiter, request, cancellationToken);

        private async Task<HttpResponseMessage> SendPaidAsync(RateLimiter limiter, HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await WaitAsync(limiter, cancellationToken).ConfigureAwait(false);
            request.Options.Set(Paid, new PaidAttempt());
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lets the paid first attempt through and takes a permit for every later attempt (a retry), inside the resilience handler.</summary>
    internal sealed class EveryAttempt(RateLimiter? limiter) : DelegatingHandler
    {
        /// <inheritdoc />
        /// <remarks>
        /// Without a limit (nothing was paid either) and for the paid first attempt the request goes straight on: no
        /// state machine, no await of its own.
        /// </remarks>
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (limiter is null)
            {
                return base.SendAsync(request, cancellationToken);
            }

            if (request.Options.TryGetValue(Paid, out var paid) && !paid.Used)
            {
                paid.Used = true;
                return base.SendAsync(request, cancellationToken);
            }

            return SendPaidAsync(limiter, request, cancellationToken);
        }

        private async Task<HttpResponseMessage> SendPaidAsync(RateLimiter limiter, HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await WaitAsync(limiter, cancellationToken).ConfigureAwait(false);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask WaitAsync(RateLimiter limiter, CancellationToken cancellationToken)
    {
        using var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The request rate limiter refused a permit (it was disposed, or its queue is full).");
        }
    }

    // Attempts of one request run one after the other, so a plain flag is enough.
    private sealed class PaidAttempt
    {
        public bool Used { get; set; }
    }
}
