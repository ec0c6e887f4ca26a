using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Skvare.CmsUser.Shared;

/// <summary>What became of a request that got no answer, as far as the client can tell; messages name it in these words.</summary>
internal enum TransportFailureKind
{
    /// <summary>
    /// "Could not be reached": the request was never sent. The connection could not be made (refused, a host name that does
    /// not resolve, a TLS handshake that failed, a proxy that would not connect) or the circuit breaker was open. Nothing the
    /// call asked for can have happened, so sending it again is always safe.
    /// </summary>
    NotSent,

    /// <summary>"Did not answer in time": the request was sent and no answer came within the attempt's (or the call's) timeout.</summary>
    TimedOut,

    /// <summary>
    /// "Ended the connection without an answer": the request was sent and the connection was closed or reset before an answer
    /// began (a server that died, a proxy that gave up, a keep-alive connection the server closed as it was reused).
    /// </summary>
    ConnectionEnded,

    /// <summary>An answer began and ended before its body did (<see cref="CutAnswerException"/>).</summary>
    AnswerCut,

    /// <summary>"Gave no usable answer": the request was sent and what came back is not HTTP the client can read.</summary>
    NoUsableAnswer,
}

/// <summary>
/// A request that got no answer, as the channel hands it to a package's classifier: what became of it and the runtime's own
/// words (<see cref="Detail"/>), with the package's and the call's secrets already taken out.
/// </summary>
/// <param name="Kind">What became of the request.</param>
/// <param name="Detail">The exception's type and message and those of its innermost cause, redacted; never a header or a body.</param>
internal readonly record struct TransportFailure(TransportFailureKind Kind, string Detail)
{
    /// <summary>Whether the request cannot have reached the site (<see cref="TransportFailureKind.NotSent"/>).</summary>
    public bool NeverSent => Kind == TransportFailureKind.NotSent;

    /// <summary>The failure for <paramref name="exception"/>, its detail passed through <paramref name="redact"/>.</summary>
    public static TransportFailure Of(Exception exception, Func<string, string> redact) =>
        new(TransportFailures.KindOf(exception), redact(TransportFailures.Describe(exception)));
}

/// <summary>Which exceptions of <see cref="HttpClient.SendAsync(HttpRequestMessage, CancellationToken)"/> mean "the site gave no answer", and what became of the request.</summary>
internal static partial class TransportFailures
{
    /// <summary>
    /// Whether <paramref name="ex"/> means the site gave no answer (network, timeout, open circuit) rather than the
    /// caller cancelling.
    /// </summary>
    public static bool IsTransport(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>
    /// Whether the request cannot have reached the site: a refused connection, a name that does not resolve, a TLS handshake
    /// that failed, a proxy tunnel that was not opened (all before a byte of the request went out), an open circuit.
    /// </summary>
    public static bool NeverSent(Exception ex) =>
        ex is BrokenCircuitException || IsConnectFailure(ex);

    /// <summary>
    /// Whether <paramref name="ex"/> is a failure to open the connection, before any byte of the request was written: what
    /// the retry sends again whatever the request (see <see cref="HttpResilienceSetup"/>).
    /// </summary>
    public static bool IsConnectFailure(Exception? ex) =>
        ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError }
        && ex is not CutAnswerException;

    /// <summary>What became of a request that failed with <paramref name="ex"/> (<see cref="IsTransport"/>).</summary>
    public static TransportFailureKind KindOf(Exception ex) => ex switch
    {
        _ when NeverSent(ex) => TransportFailureKind.NotSent,
        CutAnswerException => TransportFailureKind.AnswerCut,
        TimeoutRejectedException or OperationCanceledException => TransportFailureKind.TimedOut,
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => TransportFailureKind.ConnectionEnded,
        _ when Causes(ex).Any(e => e is TimeoutException) => TransportFailureKind.TimedOut,
        // A reset or a broken pipe while the request was written or the answer awaited: the connection ended under it.
        _ when Causes(ex).Any(e => e is IOException or System.Net.Sockets.SocketException) => TransportFailureKind.ConnectionEnded,
        _ => TransportFailureKind.NoUsableAnswer,
    };

    /// <summary>
    /// The runtime's words for <paramref name="ex"/>: its type and message, then its innermost cause's when that says more
    /// ("HttpRequestException: An error occurred while sending the request. (SocketException: Connection reset by peer)").
    /// A cut answer (<see cref="CutAnswerException"/>, the SDK's own) gives its message alone: it names the status and the
    /// cause already, and no type name reads as a defect. Not yet redacted: the channel takes its secrets out
    /// (<see cref="TransportFailure.Of"/>).
    /// </summary>
    public static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        var outer = ex is CutAnswerException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        return ReferenceEquals(inner, ex) || ex.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? outer
            : $"{outer} ({inner.GetType().Name}: {inner.Message})";
    }

    private static IEnumerable<Exception> Causes(Exception ex)
    {
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
