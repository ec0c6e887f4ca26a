using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>What <see cref="WireFaults"/> does to one attempt of a request.</summary>
internal enum WireFault
{
    /// <summary>Nothing: the attempt goes to the server and its answer comes back.</summary>
    None,

    /// <summary>
    /// The connection is refused before a byte is written (<see cref="HttpRequestError.ConnectionError"/>): the server never
    /// sees the attempt.
    /// </summary>
    NeverSent,

    /// <summary>
    /// The attempt reaches the server, which carries it out and answers; the connection then ends before the answer arrives
    /// (<see cref="HttpRequestError.ResponseEnded"/>): the client cannot tell whether anything was done.
    /// </summary>
    AnswerLost,
}

/// <summary>
/// Puts faults between a package's client and a fake server, attempt by attempt: a handler added at the end of the client's
/// chain (after its resilience pipeline), so every try of the retry meets <see cref="Rule"/> on its own. The fake server's
/// request log shows what reached it.
/// </summary>
/// <param name="rule">The fault for one attempt: its method, its path and query, and its body (empty when none).</param>
internal sealed class WireFaults(Func<HttpMethod, string, string, WireFault> rule)
{
    private int _lost;
    private int _refused;

    /// <summary>The attempts whose answers were lost after the server carried them out.</summary>
    public int AnswersLost => Volatile.Read(ref _lost);

    /// <summary>The attempts refused before they were sent.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Adds the faults to the client named <paramref name="clientName"/> (call after the package's <c>Add…</c>).</summary>
    public void AddTo(IServiceCollection services, string clientName) =>
        services.AddHttpClient(clientName).AddHttpMessageHandler(() => new Handler(this));

    /// <summary>A rule that refuses the first <paramref name="times"/> attempts <paramref name="matching"/> accepts, and lets the rest through.</summary>
    public static Func<HttpMethod, string, string, WireFault> RefuseFirst(int times, Func<HttpMethod, string, string, bool> matching)
    {
        var left = times;
        return (method, path, body) => matching(method, path, body) && Interlocked.Decrement(ref left) >= 0 ? WireFault.NeverSent : WireFault.None;
    }

    /// <summary>A rule that loses the answers of the first <paramref name="times"/> attempts <paramref name="matching"/> accepts (every one for <see cref="int.MaxValue"/>).</summary>
    public static Func<HttpMethod, string, string, WireFault> LoseFirst(int times, Func<HttpMethod, string, string, bool> matching)
    {
        var left = times;
        return (method, path, body) => matching(method, path, body) && (times == int.MaxValue || Interlocked.Decrement(ref left) >= 0) ? WireFault.AnswerLost : WireFault.None;
    }

    private sealed class Handler(WireFaults faults) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            switch (faults.Rule(request.Method, request.RequestUri!.PathAndQuery, WebUtility.UrlDecode(body)))
            {
                case WireFault.NeverSent:
                    Interlocked.Increment(ref faults._refused);
                    throw new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused ({request.RequestUri.Authority})", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
                case WireFault.AnswerLost:
                    using (await base.SendAsync(request, cancellationToken))
                    {
                        Interlocked.Increment(ref faults._lost);
                        throw new HttpRequestException(HttpRequestError.ResponseEnded, "An error occurred while sending the request.", new HttpIOException(HttpRequestError.ResponseEnded, "The server closed the connection without answering the request (ResponseEnded)."));
                    }

                default:
                    return await base.SendAsync(request, cancellationToken);
            }
        }
    }

    private Func<HttpMethod, string, string, WireFault> Rule { get; } = rule;
}
