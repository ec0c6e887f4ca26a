using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Skvare.CmsUser.Shared;

/// <summary>Which exceptions of <see cref="HttpClient.SendAsync(HttpRequestMessage, CancellationToken)"/> mean "the site gave no answer".</summary>
internal static partial class TransportFailures
{
    /// <summary>
    /// Whether <paramref name="ex"/> means the site gave no answer (network, timeout, open circuit) rather than the
    /// caller cancelling.
    /// </summary>
    public static bool IsTransport(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Whether the request cannot have reached the site: a refused connection, a name that does not resolve, an open circuit.</summary>
    public static bool NeverSent(Exception ex) =>
        ex is BrokenCircuitException
        || (ex is HttpRequestException h && h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError);
}
