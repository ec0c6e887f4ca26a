using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Skvare.CmsUser.Shared;

/// <summary>How every HTTP package turns a request that got no answer into a <see cref="CmsProviderException"/>.</summary>
internal static class TransportFailures
{
    /// <summary>
    /// Whether <paramref name="ex"/>, thrown by <see cref="HttpClient.SendAsync(HttpRequestMessage, CancellationToken)"/>,
    /// means the site gave no answer (network, timeout, open circuit) rather than the caller cancelling.
    /// </summary>
    public static bool IsTransport(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>
    /// The failure for a request that got no answer. A refused connection, a name that does not resolve and an open
    /// circuit never reached the site, so they are <see cref="CmsErrorReason.Unavailable"/>; anything else may have
    /// reached it, and for an account creation that means <see cref="CmsErrorReason.UnknownOutcome"/>: the account
    /// may exist now and must be looked up by email before another try.
    /// </summary>
    /// <param name="cms">The provider's <see cref="ICmsAccountProvider.Name"/>.</param>
    /// <param name="site">The CMS as people name it in messages ("Drupal 7").</param>
    /// <param name="what">The call, for the message ("user/{uid}", "create the account").</param>
    /// <param name="isCreate">Whether the call creates an account.</param>
    /// <param name="ex">The transport exception.</param>
    public static CmsProviderException ToException(string cms, string site, string what, bool isCreate, Exception ex)
    {
        var neverSent = ex is BrokenCircuitException
            || (ex is HttpRequestException h && h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError);
        var reason = isCreate && !neverSent ? CmsErrorReason.UnknownOutcome : CmsErrorReason.Unavailable;
        var message = reason == CmsErrorReason.UnknownOutcome
            ? $"{site} did not answer the account creation ({ex.GetType().Name}); the account may exist now, so look it up by email before trying again."
            : $"{site} could not be reached for {what} ({ex.GetType().Name}: {ex.Message}).";
        return new CmsProviderException(cms, reason, message, ex);
    }
}
