using System.Net.Http.Headers;
using Skvare.CmsUser.FaultTests.Cms;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A site that hangs until the test lets it go, without a clock: on the provider's HTTP client (below its resilience
/// pipeline), every request is held until the client gives up on it (its attempt timeout, which then only has to fire
/// some time), and kept; <see cref="ReleaseAsync"/> then hands each kept request to the fake, which carries it out late
/// (a create saves its account after the client gave up), and returns once the fake has answered them all. A hang of a
/// fixed length instead raced the client's timeout: on a loaded machine the timer could fire after the hang had ended.
/// With <see cref="Clock"/> as the host's <see cref="TimeProvider"/>, a held request's attempt times out as soon as it is
/// held (<see cref="AttemptClock.Expire"/>), through the real timeout strategy: nothing waits for the timeout, which stays
/// a generous backstop for the answers a loaded machine delays.
/// </summary>
/// <param name="attemptTimeout">The provider's attempt timeout (<see cref="Clock"/> finds a held request's attempt by it).</param>
internal sealed class HangingSite(TimeSpan attemptTimeout) : IDisposable
{
    private readonly HttpClient _late = new();
    private readonly List<Held> _held = [];
    private readonly Lock _gate = new();

    /// <summary>The clock to register as the host's <see cref="TimeProvider"/>: it makes a held request's attempt time out at once.</summary>
    public AttemptClock Clock { get; } = new(attemptTimeout);

    /// <summary>Whether requests are held now.</summary>
    public bool Hanging { get; set; }

    /// <summary>The requests held and not released yet.</summary>
    public int HeldCount
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>A handler for the provider's HTTP client (<c>AddHttpMessageHandler</c>).</summary>
    public DelegatingHandler Handler() => new Hold(this);

    /// <summary>The site answers the held requests (late, to nobody) and handles new ones at once.</summary>
    public async Task ReleaseAsync()
    {
        Held[] held;
        lock (_gate)
        {
            Hanging = false;
            held = [.. _held];
            _held.Clear();
        }

        // All at once, as a site that wakes up works through its queue with its workers; each is answered (to nobody)
        // before this returns, so what the late requests did is in the fake when the test looks.
        await Task.WhenAll(held.Select(SendLateAsync));
    }

    public void Dispose() => _late.Dispose();

    private async Task SendLateAsync(Held request)
    {
        using var message = new HttpRequestMessage(request.Method, request.Uri);
        if (request.Body is { } body)
        {
            message.Content = new ByteArrayContent(body);
            foreach (var (name, values) in request.ContentHeaders)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, values);
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var answer = await _late.SendAsync(message, bound.Token);
        await answer.Content.ReadAsByteArrayAsync(bound.Token);
    }

    private static KeyValuePair<string, IEnumerable<string>>[] Copy(HttpHeaders headers) =>
        [.. headers.Select(h => new KeyValuePair<string, IEnumerable<string>>(h.Key, [.. h.Value]))];

    private sealed record Held(HttpMethod Method, Uri Uri, byte[]? Body, KeyValuePair<string, IEnumerable<string>>[] Headers, KeyValuePair<string, IEnumerable<string>>[] ContentHeaders);

    private sealed class Hold(HangingSite site) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!site.Hanging)
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var held = new Held(request.Method, request.RequestUri!, body, Copy(request.Headers), request.Content is null ? [] : Copy(request.Content.Headers));
            lock (site._gate)
            {
                site._held.Add(held);
            }

            // Until the client gives up, which it does now: its attempt times out through the clock. The fault's own end is the
            // test's release, never a timer.
            site.Clock.Expire(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
