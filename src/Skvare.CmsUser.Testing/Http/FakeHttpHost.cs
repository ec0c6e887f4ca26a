using System.Diagnostics;
using System.Text;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace Skvare.CmsUser.Testing.Http;

/// <summary>What a fake answers: status, body, content type and extra headers.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The body text.</param>
/// <param name="ContentType">The <c>Content-Type</c> header.</param>
/// <param name="Headers">Extra headers (they win over the host's defaults).</param>
internal sealed record FakeAnswer(int Status, string Body, string ContentType, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Work to run once the answer is recorded, outside every lock (e.g. notify observers of a new account).</summary>
    public Action? Then { get; init; }
}

/// <summary>Reading a WireMock request the way the fakes record it.</summary>
internal static class FakeHttp
{
    /// <summary>
    /// A request header's value, or <see langword="null"/>. Several values are joined as HTTP joins them: <c>"; "</c>
    /// for <c>Cookie</c>, <c>", "</c> for the rest.
    /// </summary>
    public static string? Header(IRequestMessage request, string name)
    {
        if (request.Headers is null)
        {
            return null;
        }

        foreach (var (key, values) in request.Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return string.Join(string.Equals(name, "Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ", values);
            }
        }

        return null;
    }

    /// <summary>The query string without its <c>?</c>, or <see langword="null"/>.</summary>
    public static string? Query(IRequestMessage request) =>
        string.IsNullOrEmpty(request.RawQuery) ? null : request.RawQuery.TrimStart('?');

    /// <summary>The body, or <see langword="null"/> when empty.</summary>
    public static string? Body(IRequestMessage request) =>
        string.IsNullOrEmpty(request.Body) ? null : request.Body;
}

/// <summary>
/// The WireMock plumbing the CMS fakes share: one catch-all route, a request log kept in arrival order (so a request
/// the client gave up on is still counted), a response delay, per-request fault rules (<see cref="FaultWhere"/>, asked
/// about every request with the operation the fake recognises in it) and queued faults (fail before handling, fail
/// after handling, hang). The fake supplies how a request is recorded, what it does and how it is answered.
/// </summary>
/// <remarks>
/// WireMock's own request log and body parsing are off: the fakes keep their own log and read the body text, and
/// WireMock would otherwise keep every request and answer (a CiviCRM page read is a large string) for the life of the
/// server and parse every JSON body into a tree nobody reads; in a benchmark that is garbage the client's process
/// collects, not the cost of a site.
/// </remarks>
/// <typeparam name="TRequest">The fake's public request record.</typeparam>
internal sealed class FakeHttpHost<TRequest> : IDisposable
{
    private readonly object _gate = new();
    private readonly WireMockServer _server;
    private readonly List<TRequest> _requests = [];
    private readonly Queue<Fault> _faults = new();
    private readonly Func<IRequestMessage, TRequest> _record;
    private readonly Func<TRequest, int, TRequest> _withStatus;
    private readonly Func<IRequestMessage, FakeAnswer> _answer;
    private readonly IReadOnlyDictionary<string, string> _defaultHeaders;
    private readonly Func<IRequestMessage, FakeCmsOperation> _operation;
    private readonly Func<int, (string Body, string ContentType)> _errorPage;

    // Cancelled when the host stops: answers still waiting for their delay leave at once, so disposal never waits for a
    // slow site. Not disposed: a request still being handled may read its token.
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Starts a server on a free local port.</summary>
    /// <param name="record">Turns an arriving request into the fake's log record (status 0 until answered).</param>
    /// <param name="withStatus">The record with the answered status.</param>
    /// <param name="answer">Handles a request (the fake takes its own locks).</param>
    /// <param name="defaultHeaders">Headers every answer carries.</param>
    /// <param name="operation">What a request does, for <see cref="FaultWhere"/> (<see cref="FakeCmsOperation.Other"/> when null).</param>
    /// <param name="errorPage">The site's own error page for a status, for a <see cref="FakeFault"/> without a body.</param>
    public FakeHttpHost(
        Func<IRequestMessage, TRequest> record,
        Func<TRequest, int, TRequest> withStatus,
        Func<IRequestMessage, FakeAnswer> answer,
        IReadOnlyDictionary<string, string>? defaultHeaders = null,
        Func<IRequestMessage, FakeCmsOperation>? operation = null,
        Func<int, (string Body, string ContentType)>? errorPage = null)
    {
        _operation = operation ?? (_ => FakeCmsOperation.Other);
        _errorPage = errorPage ?? (status => ($"<!DOCTYPE html><html><head><title>Error</title></head><body>HTTP {status}</body></html>", "text/html; charset=UTF-8"));
        _record = record;
        _withStatus = withStatus;
        _answer = answer;
        _defaultHeaders = defaultHeaders ?? new Dictionary<string, string>();
        _server = WireMockServer.Start(new WireMockServerSettings
        {
            MaxRequestLogCount = 0,
            DisableJsonBodyParsing = true,
            DisableDeserializeFormUrlEncoded = true,
        });
        _server.Given(Request.Create().WithPath(new RegexMatcher("^/.*$")).UsingAnyMethod())
            .RespondWith(Response.Create().WithCallback(HandleAsync));
        BaseUrl = new Uri(_server.Url! + "/");
    }

    /// <summary>The server's base URL, with a trailing slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>
    /// How long after a request arrives it is answered (a slow site): the fake's own work counts towards it, as a real
    /// server's does towards its latency, so an answer leaves at arrival + delay, or as soon as the work is done when
    /// that takes longer. The request is handled on arrival; the answer waits for the rest of the delay on the shared
    /// <see cref="DeadlineScheduler"/> (on Linux a median of about 0.1 ms after the deadline, never before it).
    /// </summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>The requests received, oldest first.</summary>
    public IReadOnlyList<TRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Asked about every request on arrival (before the queued faults): a fault it returns is what that request meets, so
    /// a retry or a parallel request cannot take it. It runs on the server's threads and must not throw.
    /// </summary>
    public Func<FakeFaultRequest, FakeFault?>? FaultWhere { get; set; }

    /// <summary>The next <paramref name="count"/> requests are answered with this, unhandled.</summary>
    public void FailBefore(int count, int statusCode, string body, string contentType) =>
        Enqueue(count, new Fault(FaultKind.FailBefore, statusCode, body, contentType, TimeSpan.Zero));

    /// <summary>The next <paramref name="count"/> requests are handled, then answered with this.</summary>
    public void FailAfter(int count, int statusCode, string body, string contentType) =>
        Enqueue(count, new Fault(FaultKind.FailAfter, statusCode, body, contentType, TimeSpan.Zero));

    /// <summary>
    /// The next <paramref name="count"/> requests wait <paramref name="delay"/> before they are handled, then are answered
    /// normally (after <see cref="ResponseDelay"/> more, counted from the end of the hang).
    /// </summary>
    public void Hang(int count, TimeSpan delay) =>
        Enqueue(count, new Fault(FaultKind.Hang, 0, string.Empty, string.Empty, delay));

    /// <summary>Drops the faults not yet used (the site is back).</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>Stops the server.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _server.Stop();
        _server.Dispose();
    }

    private void Enqueue(int count, Fault fault)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _faults.Enqueue(fault);
            }
        }
    }

    private async Task<IResponseMessage> HandleAsync(IRequestMessage request)
    {
        var arrived = Stopwatch.GetTimestamp();
        var received = _record(request);
        var rule = FaultWhere is { } where ? where(new FakeFaultRequest(request.Method.ToUpperInvariant(), request.Path ?? "/", FakeHttp.Query(request), FakeHttp.Body(request), _operation(request))) : null;
        Fault? fault = rule is null ? null : ToFault(rule);
        int index;
        lock (_gate)
        {
            // Recorded on arrival, so a request the client gave up on is still counted. A rule's fault wins; the queued
            // faults wait for a request no rule faults.
            if (fault is null)
            {
                _faults.TryDequeue(out fault);
            }

            index = _requests.Count;
            _requests.Add(received);
        }

        if (fault?.Kind == FaultKind.Hang)
        {
            // A hung site handles the request only after the hang; the client's own timeout decides what happens.
            if (fault.Delay == Timeout.InfiniteTimeSpan)
            {
                // Never handled: the request waits until the host stops, then the site is gone.
                try
                {
                    await Task.Delay(Timeout.Infinite, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping.
                }

                lock (_gate)
                {
                    _requests[index] = _withStatus(received, 503);
                }

                return Respond(new FakeAnswer(503, string.Empty, "text/plain"));
            }

            try
            {
                await Task.Delay(fault.Delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: handle it now.
            }

            arrived = Stopwatch.GetTimestamp();
        }

        FakeAnswer answer;
        if (fault?.Kind == FaultKind.FailBefore)
        {
            answer = new FakeAnswer(fault.StatusCode, fault.Body, fault.ContentType);
        }
        else
        {
            answer = _answer(request);
            if (fault?.Kind == FaultKind.FailAfter)
            {
                // The work is done (and its follow-up runs), but the client sees an error.
                answer = new FakeAnswer(fault.StatusCode, fault.Body, fault.ContentType) { Then = answer.Then };
            }
            else if (fault?.Kind == FaultKind.Malformed)
            {
                // Cut mid-document, as a proxy that drops the connection's tail would.
                answer = answer with { Body = answer.Body.Length == 0 ? "{" : answer.Body[..Math.Max(1, answer.Body.Length / 2)] };
            }
        }

        lock (_gate)
        {
            _requests[index] = _withStatus(received, answer.Status);
        }

        answer.Then?.Invoke();

        var response = Respond(answer);

        // A slow site: the answer leaves ResponseDelay after the request arrived, the work above included, never earlier.
        // The shared scheduler keeps the deadline to about 0.1 ms on Linux (Task.Delay counted whole milliseconds on a
        // coarse clock and ended some waits up to 4 ms early).
        var delay = ResponseDelay;
        if (delay > TimeSpan.Zero)
        {
            var deadline = arrived + (long)Math.Ceiling(delay.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
            try
            {
                await DeadlineScheduler.Shared.DelayUntilAsync(deadline, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // The host is stopping: nobody waits for the delay.
            }
        }

        return response;
    }

    private ResponseMessage Respond(FakeAnswer answer)
    {
        var headers = new Dictionary<string, WireMockList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = new(answer.ContentType),
        };
        foreach (var (key, value) in _defaultHeaders)
        {
            headers[key] = new(value);
        }

        foreach (var (key, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            headers[key] = new(value);
        }

        return new ResponseMessage
        {
            StatusCode = answer.Status,
            Headers = headers,
            BodyData = new BodyData { BodyAsString = answer.Body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
    }

    private Fault ToFault(FakeFault rule)
    {
        switch (rule.Kind)
        {
            case FakeFaultKind.Before or FakeFaultKind.After:
                var (body, contentType) = rule.Body is null ? _errorPage(rule.StatusCode) : (rule.Body, rule.ContentType!);
                return new Fault(rule.Kind == FakeFaultKind.Before ? FaultKind.FailBefore : FaultKind.FailAfter, rule.StatusCode, body, contentType, TimeSpan.Zero);
            case FakeFaultKind.Malformed:
                return new Fault(FaultKind.Malformed, 0, string.Empty, string.Empty, TimeSpan.Zero);
            default:
                return new Fault(FaultKind.Hang, 0, string.Empty, string.Empty, rule.Delay ?? Timeout.InfiniteTimeSpan);
        }
    }

    private enum FaultKind
    {
        FailBefore,
        FailAfter,
        Hang,
        Malformed,
    }

    private sealed record Fault(FaultKind Kind, int StatusCode, string Body, string ContentType, TimeSpan Delay);
}
