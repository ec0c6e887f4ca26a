using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>What goes wrong with one contact's create.</summary>
internal abstract record Fault(string Name)
{
    public override string ToString() => Name;
}

/// <summary>The site answers with a status (the create is not carried out).</summary>
internal sealed record StatusFault(StatusAnswer Answer) : Fault($"HTTP {Answer.Status}");

/// <summary>The create is carried out; the answer is then damaged on its way back.</summary>
internal sealed record AnswerFault(string Kind) : Fault(Kind)
{
    public static readonly AnswerFault MalformedJson = new("malformed JSON");
    public static readonly AnswerFault WrongShape = new("wrong shape");
    public static readonly AnswerFault WrongKind = new("wrong kind of value");
}

/// <summary>
/// The site never answers the create: the client's attempt timeout decides, expired at once through the run's
/// <see cref="AttemptClock"/> (the real timeout strategy cancels the attempt and reports the timeout).
/// </summary>
internal sealed record TimeoutFault() : Fault("timeout");

/// <summary>Which contact (by email) gets which fault, shared by every handler the client factory builds.</summary>
internal sealed class FaultPlan
{
    private readonly ConcurrentDictionary<string, Fault> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private int _creates;

    public CmsSite? Site { get; set; }

    /// <summary>The host's clock, through which a <see cref="TimeoutFault"/> create's attempt times out.</summary>
    public required AttemptClock Clock { get; init; }

    /// <summary>The CMS goes away (the fake stops) when this many creates have been sent.</summary>
    public int? GoAwayAfterCreates { get; set; }

    public int Creates => Volatile.Read(ref _creates);

    /// <summary>
    /// When set, every healthy contact's create waits for it before it leaves (the faulted contacts' creates never wait):
    /// e.g. until the engine has seen the faulted contact's result (<see cref="ContactResultWatch"/>), so a run that stops
    /// on it stops before its later pages however the machine schedules the other workers.
    /// </summary>
    public Task? HealthyWaitFor { get; set; }

    public void Put(string email, Fault fault) => _byEmail[email] = fault;

    /// <summary>The site is well again: no contact gets a fault.</summary>
    public void Clear() => _byEmail.Clear();

    public Fault? For(string body) =>
        _byEmail.FirstOrDefault(kv => body.Contains('"' + kv.Key + '"', StringComparison.OrdinalIgnoreCase)).Value;

    public int CountCreate() => Interlocked.Increment(ref _creates);

    /// <summary>
    /// A hang for the fake's <c>FaultWhere</c> rule (put through <see cref="ExpiringHangs"/>): the fake never answers the
    /// request, and the client's attempt times out as soon as the fake holds it, through the real timeout strategy
    /// (<see cref="AttemptClock.Expire"/>), instead of after the attempt timeout. The client sees what a site that never
    /// answers gives it; the run does not wait the timeout out, and healthy requests keep the generous timeout.
    /// </summary>
    public FakeFault Hang { get; } = FakeFault.Hang();

    /// <summary>
    /// The hangs the fake held whose client attempt this plan could not find (none, or several alike in flight): each
    /// waited out the attempt timeout instead. A test asserts it is empty, so a change that breaks the matching shows.
    /// </summary>
    public IReadOnlyCollection<string> HangsNotExpired => [.. _notExpired];

    /// <summary>The fake's rule <paramref name="rule"/>, with each <see cref="Hang"/> it returns timing out at once on the client.</summary>
    public Func<FakeFaultRequest, FakeFault?> ExpiringHangs(Func<FakeFaultRequest, FakeFault?> rule) => request =>
    {
        var fault = rule(request);
        if (ReferenceEquals(fault, Hang))
        {
            ExpireAttemptOf(request);
        }

        return fault;
    };

    /// <summary>Records a request the client is sending in the attempt of <paramref name="attempt"/>, until the returned handle is disposed.</summary>
    public IDisposable Sending(HttpRequestMessage request, string body, CancellationToken attempt)
    {
        var key = new object();
        _inFlight[key] = (Signature(request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query, body), attempt);
        return new Sent(this, key);
    }

    // Runs on the fake's thread, before it starts to hang: the client is still waiting for the answer, so its attempt is in flight.
    private void ExpireAttemptOf(FakeFaultRequest request)
    {
        var signature = Signature(request.Method, request.Path, request.Query ?? "", request.Body ?? "");
        var attempts = _inFlight.Values.Where(v => v.Signature == signature).Select(v => v.Attempt).ToList();
        if (attempts.Count != 1)
        {
            _notExpired.Enqueue($"{request.Method} {request.Path}: {attempts.Count} requests alike in flight");
            return;
        }

        try
        {
            Clock.Expire(attempts[0]);
        }
        catch (InvalidOperationException ex)
        {
            _notExpired.Enqueue($"{request.Method} {request.Path}: {ex.Message}");
        }
    }

    // What the fake and the client both see of a request: the method, the path and query unescaped, the body.
    private static string Signature(string method, string path, string query, string body) =>
        method.ToUpperInvariant() + " " + Uri.UnescapeDataString(path) + "?" + Uri.UnescapeDataString(query.TrimStart('?')) + "\n" + body;

    private readonly ConcurrentDictionary<object, (string Signature, CancellationToken Attempt)> _inFlight = new();
    private readonly ConcurrentQueue<string> _notExpired = new();

    private sealed class Sent(FaultPlan plan, object key) : IDisposable
    {
        public void Dispose() => plan._inFlight.TryRemove(key, out _);
    }
}

/// <summary>
/// Sits between the provider's resilience pipeline and the network (so the SDK's own retries see every fault): a
/// contact's create request gets that contact's fault, every other request goes to the fake unchanged.
/// </summary>
internal sealed class FaultInjector(FaultPlan plan) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var site = plan.Site!;
        if (!site.IsCreate(request))
        {
            return await SendTrackedAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (plan.GoAwayAfterCreates is { } limit && plan.CountCreate() > limit)
        {
            site.GoAway();
        }

        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (request.Content?.Headers.ContentType?.MediaType == "application/x-www-form-urlencoded")
        {
            body = WebUtility.UrlDecode(body);
        }

        var fault = plan.For(body);
        if (fault is null && plan.HealthyWaitFor is { } gate)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        switch (fault)
        {
            case StatusFault status:
                var refused = new HttpResponseMessage((HttpStatusCode)status.Answer.Status)
                {
                    RequestMessage = request,
                    Content = new StringContent(status.Answer.Body, Encoding.UTF8) { Headers = { ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(status.Answer.ContentType) } },
                };
                return refused;
            case TimeoutFault:
                // The attempt's timeout expires now instead of after the backstop; the delay ends with its cancellation.
                plan.Clock.Expire(cancellationToken);
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                throw new OperationCanceledException(cancellationToken);
            case AnswerFault damage:
                var response = await SendTrackedAsync(request, cancellationToken).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var mediaType = response.Content.Headers.ContentType;
                response.Content = new StringContent(Damage(damage, text), Encoding.UTF8) { Headers = { ContentType = mediaType } };
                return response;
            default:
                return await SendTrackedAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    // Sent to the fake with the attempt recorded, so a hang the fake's rule gives it times out at once (FaultPlan.Hang).
    private async Task<HttpResponseMessage> SendTrackedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using (plan.Sending(request, body, cancellationToken))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Damage(AnswerFault fault, string text)
    {
        if (ReferenceEquals(fault, AnswerFault.MalformedJson))
        {
            // Cut mid-document, as a proxy that drops the connection's tail would.
            return text[..Math.Max(1, text.Length / 2)];
        }

        if (ReferenceEquals(fault, AnswerFault.WrongShape))
        {
            return """[{"unexpected":true}]""";
        }

        // One value of the wrong kind: every id of the answer becomes an object.
        var node = JsonNode.Parse(text)!;
        Replace(node);
        return node.ToJsonString();

        static void Replace(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var key in obj.Select(kv => kv.Key).ToArray())
                    {
                        if (key is "id" or "uid")
                        {
                            obj[key] = new JsonObject { ["not"] = "an id" };
                        }
                        else
                        {
                            Replace(obj[key]);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        Replace(item);
                    }

                    break;
            }
        }
    }
}
