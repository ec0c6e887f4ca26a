using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// The resilience pipeline every Skvare.CmsUser HTTP client uses (shared source, compiled into each package):
/// retries with exponential backoff and jitter that honour <c>Retry-After</c>, only for requests that are
/// safe to repeat; a per-attempt and a total timeout; a circuit breaker.
/// </summary>
internal static class HttpResilienceSetup
{
    /// <summary>
    /// Set on a request (<c>request.Options.Set(RetrySafe, true)</c>) to allow retrying it after a transient failure that
    /// may have reached the server: a read, or a write that is safe to repeat (the same final state, nothing sent twice).
    /// Unmarked, only GET, HEAD and OPTIONS are retry-safe: a PUT or DELETE may have effects beyond the state it sets (a
    /// Drupal 7 status change mails the person), so the method alone does not make a request safe to repeat. Whatever the
    /// mark, a request that never left (the connection could not be opened) is retried (see <see cref="AddCmsUserResilience"/>).
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> RetrySafe = new("Skvare.CmsUser.RetrySafe");

    /// <summary>
    /// Set on a request whose server answers refusals of the data sent with a 5xx status and a JSON error object: true
    /// for an error object that is final (the same request gets the same answer). Such an answer is not retried and the
    /// circuit breaker does not count it (a run that meets many taken usernames would otherwise open the circuit and
    /// fail every other contact as "unavailable").
    /// </summary>
    public static readonly HttpRequestOptionsKey<Func<System.Text.Json.JsonElement, bool>> FinalError = new("Skvare.CmsUser.FinalError");

    /// <summary>
    /// Set on a request that only reads (changes nothing on the site, however often it is sent): its body is read inside the
    /// attempt (<see cref="CutAnswerHandler"/>), so an answer that ends early is retried like a lost connection. Never set on
    /// a write, even an idempotent one: a write whose answer was lost is read back by its caller before it is sent again.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> RepeatCutAnswer = new("Skvare.CmsUser.RepeatCutAnswer");

    /// <summary>Adds the pipeline, reading settings through <paramref name="settings"/>.</summary>
    public static IHttpClientBuilder AddCmsUserResilience(this IHttpClientBuilder builder, Func<IServiceProvider, HttpClientSettings> settings)
    {
        // The factory's default request logging records headers in structured state, where a bearer
        // secret or basic credentials could leak; each package logs its own calls instead.
        builder.RemoveAllLoggers();
        // A host may give every client a resilience handler of its own (the .NET Aspire service defaults call
        // ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler())): it would retry a create, which this
        // pipeline never does, and cut requests with its own timeouts. This client keeps only the pipeline below.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace a default pipeline.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddStandardResilienceHandler()
            .Configure((options, services) =>
            {
                var s = settings(services);
                options.AttemptTimeout.Timeout = s.AttemptTimeout;
                // Polly requires at least one attempt; MaxRetries = 0 turns retrying off through ShouldHandle.
                options.Retry.MaxRetryAttempts = Math.Max(1, s.MaxRetries);
                options.Retry.Delay = s.RetryBaseDelay;
                options.Retry.BackoffType = DelayBackoffType.Exponential;
                options.Retry.UseJitter = true;
                options.Retry.ShouldRetryAfterHeader = true;
                options.Retry.ShouldHandle = async args =>
                {
                    var request = args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage();
                    // A refusal of the data sent is answered the same every time: retrying it only delays the contact.
                    // A cut answer is repeated only for a read (RepeatCutAnswer): a write's, even an idempotent one's, was carried out,
                    // and its caller reads back what it did before sending it again.
                    // A request whose connection could not be opened (refused, unknown host, TLS handshake) never left: sending
                    // it again is safe whatever it is, a create or an email included.
                    return s.MaxRetries > 0 && request is not null
                        && (IsRetrySafe(request) || TransportFailures.IsConnectFailure(args.Outcome.Exception))
                        && HttpClientResiliencePredicates.IsTransient(args.Outcome)
                        && (args.Outcome.Exception is not CutAnswerException || RepeatsCutAnswer(request))
                        && !await IsRefusalAsync(args.Outcome.Result, args.Context.CancellationToken).ConfigureAwait(false);
                };
                var retryBudget = TimeSpan.FromTicks(s.RetryBaseDelay.Ticks * (1L << Math.Min(6, Math.Max(0, s.MaxRetries)))) + TimeSpan.FromSeconds(5);
                options.TotalRequestTimeout.Timeout = (s.AttemptTimeout * (s.MaxRetries + 1)) + retryBudget;
                options.CircuitBreaker.ShouldHandle = async args =>
                    HttpClientResiliencePredicates.IsTransient(args.Outcome)
                    && !await IsRefusalAsync(args.Outcome.Result, args.Context.CancellationToken).ConfigureAwait(false);
                options.CircuitBreaker.FailureRatio = s.CircuitBreakerFailureRatio;
                options.CircuitBreaker.BreakDuration = s.CircuitBreakerBreakDuration;
                var sampling = TimeSpan.FromSeconds(30);
                options.CircuitBreaker.SamplingDuration = sampling > s.AttemptTimeout * 2 ? sampling : s.AttemptTimeout * 2;
            });
        // Inside the retry (added after it): a read's body is read within its attempt, and one that ends early is retried.
        builder.AddHttpMessageHandler(static () => new CutAnswerHandler());
        return builder;
    }

    /// <summary>
    /// Whether <paramref name="response"/> is a refusal its request declared: a JSON error object its
    /// <see cref="FinalError"/> recognises. The body is buffered, so the caller still reads it.
    /// </summary>
    internal static async ValueTask<bool> IsRefusalAsync(HttpResponseMessage? response, CancellationToken cancellationToken)
    {
        if (response?.RequestMessage is not { } request
            || !request.Options.TryGetValue(FinalError, out var final)
            || response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }

        const int Largest = 64 * 1024;
        if (response.Content.Headers.ContentLength > Largest)
        {
            return false;
        }

        try
        {
            // The whole body, unbounded: HttpClient buffers it anyway once the pipeline returns. A capped load that failed
            // half-way left the stream consumed, and HttpClient then threw InvalidOperationException for a large error page.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > Largest)
            {
                return false;
            }

            // Bytes, not the content's stream: a buffered content hands out one stream, and the retry and the circuit
            // breaker both read the body.
            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            return body.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && final(body.RootElement);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or HttpRequestException or IOException or InvalidOperationException)
        {
            // Not a readable JSON error (or larger than any error body): a server failure like any other.
            return false;
        }
    }

    /// <summary>Whether a request is a read whose cut answer is asked for again (<see cref="RepeatCutAnswer"/>).</summary>
    private static bool RepeatsCutAnswer(HttpRequestMessage request) => request.Options.TryGetValue(RepeatCutAnswer, out var repeat) && repeat;

    /// <summary>
    /// Whether a request may be sent again after a transient failure that may have reached the server: as marked
    /// (<see cref="RetrySafe"/>), else only a GET, HEAD or OPTIONS.
    /// </summary>
    public static bool IsRetrySafe(HttpRequestMessage request) =>
        request.Options.TryGetValue(RetrySafe, out var marked) ? marked : IsSafeMethod(request.Method);

    /// <summary>Whether <paramref name="method"/> only reads by HTTP's definition (GET, HEAD, OPTIONS); PUT and DELETE are idempotent, not safe.</summary>
    public static bool IsSafeMethod(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;
}
