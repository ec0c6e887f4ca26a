using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// The one way a package talks HTTP (modelled on Azure.Core's <c>HttpPipeline</c>). It sends an <see cref="HttpCall"/>
/// with the package's credentials and <c>Accept</c>, marks retry-safe calls for the resilience pipeline, logs every
/// answer and failure (never a header or body), renews refused credentials once, and gives back the successful
/// answer (read as JSON or as a typed value on request), or <see langword="null"/> for a missing resource when the
/// call allows it. Every failure (no answer, 429, an error status, an HTML page where JSON was expected) is thrown as
/// the exception the package's <see cref="IHttpAnswerClassifier"/> names. Thread-safe.
/// </summary>
internal sealed class HttpChannel
{
    private readonly Func<HttpClient> _client;
    private readonly Func<string, Uri> _resolve;
    private readonly IHttpAnswerClassifier _classifier;
    private readonly HttpChannelLog _log;
    private readonly string _defaultAccept;

    /// <summary>Creates the channel.</summary>
    /// <param name="client">Gives the package's <see cref="HttpClient"/> (from <c>IHttpClientFactory</c>) for each call.</param>
    /// <param name="resolve">Turns <see cref="HttpCall.Path"/> into the request URL.</param>
    /// <param name="classifier">The package's error classifier.</param>
    /// <param name="log">The package's log events.</param>
    /// <param name="defaultAccept">The media type asked for when a call names none.</param>
    public HttpChannel(Func<HttpClient> client, Func<string, Uri> resolve, IHttpAnswerClassifier classifier, HttpChannelLog log, string defaultAccept = "application/json")
    {
        _client = client;
        _resolve = resolve;
        _classifier = classifier;
        _log = log;
        _defaultAccept = defaultAccept;
    }

    /// <summary>The credentials put on every call that is not <see cref="HttpCall.Anonymous"/>; set once, before the first call.</summary>
    public IHttpCredentials? Credentials { get; init; }

    /// <summary>
    /// Gives the package's secrets: every answer a failure is made from (its body and status line) passes through it first, so
    /// a server that echoes a credential never puts it into an exception, a log line or an activity.
    /// </summary>
    /// <remarks>
    /// Read once, by <see cref="CheckSecrets"/> (at host start, see <see cref="SecretCheckAtStart{TClient}"/>) or else at the
    /// first call (options are validated by then), so a constructor may pass its options' values lazily. A secret shorter
    /// than <see cref="SecretRedactor.MinimumLength"/> is logged then as a weak one (it is redacted only where it stands as
    /// a whole word).
    /// </remarks>
    public Func<IEnumerable<string?>>? Secrets
    {
        get => _secrets;
        init
        {
            _secrets = value;
            _configured = value is null ? new(SecretRedactor.None) : new(() =>
            {
                var secrets = value().Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!.Trim()).ToList();
                var weak = secrets.Count(SecretRedactor.IsShort);
                if (weak > 0)
                {
                    _log.WeakSecrets(weak);
                }

                return new SecretRedactor(secrets);
            });
        }
    }

    private readonly Func<IEnumerable<string?>>? _secrets;
    private readonly Lazy<SecretRedactor> _configured = new(SecretRedactor.None);

    /// <summary>The credentials the servers issued, newest last per kind (see <see cref="Issued"/>).</summary>
    private readonly Dictionary<string, string[]> _issued = new(StringComparer.Ordinal);

    /// <summary>The configured secrets and the issued credentials together; null until a credential is issued.</summary>
    private SecretRedactor? _withIssued;

    /// <summary>How many credentials of one kind stay redacted after newer ones were issued (answers to calls still in flight may echo them).</summary>
    internal const int IssuedKept = 4;

    private SecretRedactor Redactor => Volatile.Read(ref _withIssued) ?? _configured.Value;

    /// <summary>
    /// Adds credentials a server issued (an access token, a session id and its CSRF token, a login link) to the secrets
    /// taken out of every answer from now on. Call it the moment they are read; the last <see cref="IssuedKept"/> of each
    /// <paramref name="kind"/> are kept (a renewed token's predecessor may still be echoed by an answer in flight).
    /// </summary>
    /// <param name="kind">What they are, e.g. <c>access token</c>: older values of the same kind are forgotten first.</param>
    /// <param name="values">The credentials (blank ones are ignored).</param>
    public void Issued(string kind, params string?[] values)
    {
        var fresh = values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToArray();
        if (fresh.Length == 0)
        {
            return;
        }

        lock (_issued)
        {
            var kept = _issued.GetValueOrDefault(kind, []);
            _issued[kind] = [.. kept.Except(fresh, StringComparer.Ordinal).Concat(fresh).TakeLast(IssuedKept * fresh.Length)];
            Volatile.Write(ref _withIssued, _configured.Value.With(_issued.Values.SelectMany(v => v)));
        }
    }

    /// <summary>
    /// Adds a login or set-password link a server issued to the credentials taken out of every answer from now on (see
    /// <see cref="Issued"/>): its path and query, where its token is (the site's address alone is no secret), and its
    /// token parts on their own (<see cref="LinkTokens"/>), so an answer that quotes only the key or hash, or the link
    /// encoded in a way the path's own forms miss, is caught too.
    /// </summary>
    public void IssuedLink(string? link)
    {
        // As the server wrote it (a Uri would re-escape it): what follows the scheme and the authority.
        var authority = link?.IndexOf("//", StringComparison.Ordinal) ?? -1;
        var path = authority < 0 ? -1 : link!.IndexOfAny(['/', '?', '#'], authority + 2);
        var secret = path > 0 && link!.Length - path > 1 ? link[path..] : link;
        Issued("login link", [secret, .. LinkTokens(secret)]);
    }

    /// <summary>
    /// A login or set-password link a successful answer gave (<paramref name="url"/>, as written): taken out of every answer
    /// from now on (<see cref="IssuedLink"/>), then returned when it is an absolute URL; otherwise <paramref name="missing"/>
    /// is thrown, which a reader passed to <see cref="Use"/> logs once as an unusable answer.
    /// </summary>
    public Uri LoginLink(string? url, Func<CmsUserException> missing)
    {
        IssuedLink(url);
        return url is not null && Uri.TryCreate(url, UriKind.Absolute, out var link) ? link : throw missing();
    }

    /// <summary>The shortest link part taken for a token: a WordPress reset key has 20 characters, a Drupal or Backdrop hash 43.</summary>
    internal const int LinkTokenLength = 16;

    /// <summary>Query parameters that name the account, not a token (WordPress's <c>login</c>): never taken for one.</summary>
    private static readonly string[] AccountParameters = ["login", "user", "username", "name", "mail", "email", "uid"];

    /// <summary>
    /// The token parts of a login link's path and query: path segments and query values (URL-decoded) of at least
    /// <see cref="LinkTokenLength"/> letters, digits, <c>-</c> and <c>_</c> (the alphabets of WordPress's reset key and of
    /// Drupal's and Backdrop's Base64url hash), except the values of parameters that name the account. The user id, the
    /// timestamp and the route's own words are shorter or not tokens, and stay readable.
    /// </summary>
    internal static IEnumerable<string> LinkTokens(string? pathAndQuery)
    {
        if (string.IsNullOrEmpty(pathAndQuery))
        {
            yield break;
        }

        foreach (var part in pathAndQuery.Split(['/', '?', '&', '#', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0 && AccountParameters.Contains(part[..equals], StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = Unescaped(equals >= 0 ? part[(equals + 1)..] : part);
            if (value.Length >= LinkTokenLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                yield return value;
            }
        }

        static string Unescaped(string value)
        {
            try
            {
                return Uri.UnescapeDataString(value);
            }
            catch (UriFormatException)
            {
                return value;
            }
        }
    }

    /// <summary>Reads the configured secrets (see <see cref="Secrets"/>) and reports a weak one, if not done yet.</summary>
    public void CheckSecrets() => _ = _configured.Value;

    /// <summary>Server text the caller quotes in a failure of its own, with the package's secrets taken out (see <see cref="Secrets"/>).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Redact(string? text) => Redactor.Redact(text);

    /// <summary>
    /// Sends <paramref name="call"/> and returns the successful answer, unread; <see langword="null"/> when
    /// <see cref="HttpCall.NullWhenNotFound"/> and the resource does not exist. With <see cref="HttpCall.RawAnswer"/> every
    /// answer is returned.
    /// </summary>
    /// <exception cref="CmsUserException">The classified failure.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<HttpAnswer?> SendAsync(HttpCall call, CancellationToken cancellationToken)
    {
        // The configured secrets are read (and a weak one reported) once: at host start, or else at the first call.
        CheckSecrets();
        var renewed = false;
        while (true)
        {
            using var request = new HttpRequestMessage(call.Method, _resolve(call.Path));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(call.Accept ?? _defaultAccept));
            request.Content = call.Body?.CreateContent();
            // Always marked, so the method alone never decides: a read is safe to send again whatever its method (a GET, or a
            // POST that only reads); a write only when its call says so (a PUT that changes a Drupal 7 account's status mails
            // the person, so it is not). GET, HEAD and OPTIONS stay safe.
            request.Options.Set(HttpResilienceSetup.RetrySafe, call.RetrySafe || call.IsRead || HttpResilienceSetup.IsSafeMethod(call.Method));

            if (call.IsRead)
            {
                request.Options.Set(HttpResilienceSetup.RepeatCutAnswer, true);
            }

            if (call.FinalError is { } final)
            {
                request.Options.Set(HttpResilienceSetup.FinalError, final);
            }

            var used = call.Anonymous || Credentials is null ? null : await Credentials.ApplyAsync(request, this, cancellationToken).ConfigureAwait(false);
            var answer = await ExchangeAsync(call, request, cancellationToken).ConfigureAwait(false);
            if (answer.Status == 429)
            {
                throw Fail(call, _classifier.FromThrottled(call, Redacted(call, answer)));
            }

            if (answer.IsSuccess || call.RawAnswer)
            {
                return answer;
            }

            if (used is not null && !renewed && Credentials!.Renew(call, answer, used))
            {
                renewed = true;
                continue;
            }

            if (call.NullWhenNotFound && _classifier.IsNotFound(call, answer))
            {
                return null;
            }

            throw Refuse(call, answer);
        }
    }

    /// <summary>Sends <paramref name="call"/> and returns its body as JSON (see <see cref="ReadJson"/>); <see langword="null"/> also for a missing resource.</summary>
    public async Task<JsonNode?> SendJsonAsync(HttpCall call, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(call, cancellationToken).ConfigureAwait(false);
        return answer is null ? null : ReadJson(call, answer);
    }

    /// <summary>Sends <paramref name="call"/> and reads its body as <typeparamref name="T"/> (see <see cref="Read{T}"/>); <see langword="null"/> only for a missing resource.</summary>
    public async Task<T?> SendAsync<T>(HttpCall call, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var answer = await SendAsync(call, cancellationToken).ConfigureAwait(false);
        return answer is null ? null : Read(call, answer, type);
    }

    /// <summary>How answers are parsed into nodes: a member name given twice is a <see cref="JsonException"/>.</summary>
    internal static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    /// <summary>
    /// A successful answer's body as JSON; <see langword="null"/> for JSON <c>null</c>, or for a blank body when
    /// <see cref="HttpCall.EmptyAnswer"/>. Anything else that does not parse (an HTML page where the API should be)
    /// throws the classified "unreadable" failure.
    /// </summary>
    public JsonNode? ReadJson(HttpCall call, HttpAnswer answer)
    {
        if (call.EmptyAnswer && string.IsNullOrWhiteSpace(answer.Body))
        {
            return null;
        }

        try
        {
            // A repeated member name (no PHP encoder writes one) would throw ArgumentException from the node's first
            // read: it is refused here, as unreadable.
            var node = answer.Utf8Body is { } utf8
                ? JsonNode.Parse(utf8, documentOptions: StrictJson)
                : JsonNode.Parse(answer.Body, documentOptions: StrictJson);
            if (node is not null && HasSurrogateEscape(answer))
            {
                // The parser accepts an unpaired surrogate escape ("\ud800") in a value, but reading that text (or writing
                // the node out) throws InvalidOperationException later: refused here too. Only answers with such an escape
                // pay for the check.
                _ = node.ToJsonString();
            }

            return node;
        }
        catch (JsonException ex)
        {
            throw Unreadable(call, answer, ex);
        }
        catch (InvalidOperationException ex)
        {
            // Text that is not valid UTF-16: in a value (the check above), or in a member name, which the duplicate check
            // decodes while parsing.
            throw Unreadable(call, answer, new JsonException("The answer holds text that is not valid UTF-16 (an unpaired surrogate escape).", ex));
        }
    }

    private static bool HasSurrogateEscape(HttpAnswer answer) => answer.Utf8Body is { } utf8
        ? utf8.AsSpan().IndexOf("\\ud"u8) >= 0 || utf8.AsSpan().IndexOf("\\uD"u8) >= 0
        : answer.Body.Contains("\\ud", StringComparison.OrdinalIgnoreCase);

    /// <summary>A successful answer's body as <typeparamref name="T"/>, or the classified "unreadable" failure (not JSON, another shape, JSON <c>null</c>).</summary>
    public T Read<T>(HttpCall call, HttpAnswer answer, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = answer.Utf8Body is { } utf8 ? JsonSerializer.Deserialize(utf8, type) : JsonSerializer.Deserialize(answer.Body, type);
            return value ?? throw new JsonException("The answer is JSON null.");
        }
        catch (JsonException ex)
        {
            throw Unreadable(call, answer, ex);
        }
    }

    /// <summary>The classified, logged failure for an error answer the caller read itself (<see cref="HttpCall.RawAnswer"/>, or an error inside a 200).</summary>
    public CmsUserException Refuse(HttpCall call, HttpAnswer answer) => Fail(call, _classifier.FromAnswer(call, Redacted(call, answer)));

    /// <summary>
    /// The classified, logged failure for a successful answer that is not what the call expected (a missing member,
    /// JSON of another shape).
    /// </summary>
    public CmsUserException Unreadable(HttpCall call, HttpAnswer answer, Exception parseError) => Unusable(call, answer, _classifier.FromUnreadable(call, Redacted(call, answer), parseError));

    /// <summary><paramref name="answer"/> with the package's secrets taken out of its body and status line, for a failure's message.</summary>
    private HttpAnswer Redacted(HttpCall call, HttpAnswer answer)
    {
        var redactor = For(call, answer.Body);
        return new(answer.Status, redactor.Redact(answer.ReasonPhrase), answer.MediaType, redactor.Redact(answer.Body), answer.Headers);
    }

    /// <summary>Server text the caller quotes in a failure of its own about <paramref name="call"/>: the package's and the call's secrets taken out.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Redact(HttpCall call, string? text) => For(call, text).Redact(text);

    /// <summary>
    /// The redactor for an answer to <paramref name="call"/>: the package's secrets, the call's own, and the credentials
    /// <paramref name="body"/> carries in the call's <see cref="HttpCall.SecretMembers"/> (read even from a body cut short).
    /// </summary>
    private SecretRedactor For(HttpCall call, string? body) =>
        Redactor.With(call.SecretMembers.Count == 0 ? call.Secrets : call.Secrets.Concat(SecretRedactor.MemberValues(body, call.SecretMembers)));

    /// <summary>Logs a failure the caller classified itself from an answer (under the channel's failure event) and returns it.</summary>
    public TException Fail<TException>(HttpCall call, TException failure)
        where TException : CmsUserException
    {
        if (MarkLogged(failure))
        {
            _log.Failed(call, failure);
        }

        return failure;
    }

    /// <summary>
    /// Logs, once, that a successful answer could not be used (not JSON, cut short, JSON of another shape, a member missing
    /// or of the wrong kind) under the package's "unusable answer" event: the call's method and route, the status, the
    /// failure's reason and a short excerpt of the body with the package's and the call's secrets taken out
    /// (<see cref="SecretRedactor.Excerpt"/>). It takes the place of the failure event for that answer. Returns
    /// <paramref name="failure"/>; a failure already logged by the channel is not logged again.
    /// </summary>
    public TException Unusable<TException>(HttpCall call, HttpAnswer answer, TException failure)
        where TException : CmsUserException
    {
        if (MarkLogged(failure))
        {
            _log.Unusable(call, answer.Status, failure, For(call, answer.Body).Excerpt(answer.Body));
        }

        return failure;
    }

    /// <summary>
    /// Reads a successful answer with the provider's own reader (<paramref name="read"/>): a <see cref="CmsUserException"/>
    /// it throws (the answer is not of the shape the call expects) is logged once as <see cref="Unusable"/> and thrown on.
    /// </summary>
    public T Use<T>(HttpCall call, HttpAnswer answer, Func<HttpAnswer, T> read)
    {
        try
        {
            return read(answer);
        }
        catch (CmsUserException ex)
        {
            throw Unusable(call, answer, ex);
        }
    }

    /// <summary>
    /// Sends <paramref name="call"/> and reads its successful answer with <paramref name="read"/> (see <see cref="Use"/>);
    /// the default value for a missing resource (<see cref="HttpCall.NullWhenNotFound"/>).
    /// </summary>
    public async Task<T?> SendAsync<T>(HttpCall call, Func<HttpAnswer, T> read, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(call, cancellationToken).ConfigureAwait(false);
        return answer is null ? default : Use(call, answer, read);
    }

    /// <summary>The failures already logged (by <see cref="Fail"/> or <see cref="Unusable"/>): a failure is logged once.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CmsUserException, object> _logged = new();

    /// <summary>Marks <paramref name="failure"/> as logged; false when it already was.</summary>
    private bool MarkLogged(CmsUserException failure) => _logged.TryAdd(failure, this);

    private async Task<HttpAnswer> ExchangeAsync(HttpCall call, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await _client().SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TransportFailures.IsTransport(ex, cancellationToken))
        {
            // The runtime's words may quote a host or a proxy's text: the package's and the call's secrets are taken out first.
            throw Fail(call, _classifier.FromTransport(call, ex, TransportFailure.Of(ex, detail => Redact(call, detail))));
        }

        using (response)
        {
            var content = response.Content;
            var utf8 = await ReadUtf8Async(content, cancellationToken).ConfigureAwait(false);
            var body = utf8 is null ? await ReadTextAsync(content, cancellationToken).ConfigureAwait(false) : null;
            var status = (int)response.StatusCode;
            _log.Answered(call, status, Stopwatch.GetElapsedTime(started));
            var mediaType = content.Headers.ContentType?.MediaType;
            return utf8 is not null
                ? new HttpAnswer(status, response.ReasonPhrase, mediaType, utf8, response.Headers)
                : new HttpAnswer(status, response.ReasonPhrase, mediaType, body!, response.Headers);
        }
    }

    /// <summary>
    /// The buffered body as bytes when <see cref="HttpContent.ReadAsStringAsync()"/> would decode them as UTF-8 as they are:
    /// no charset or UTF-8 named, no byte-order mark, valid UTF-8. Otherwise <see langword="null"/>: the body is read as text
    /// (another charset, a mark to strip, bytes that decode to U+FFFD), as it always was.
    /// </summary>
    private static async Task<byte[]?> ReadUtf8Async(HttpContent content, CancellationToken cancellationToken)
    {
        var charset = content.Headers.ContentType?.CharSet;
        if (charset is not null && !IsUtf8Label(charset))
        {
            return null;
        }

        var bytes = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var marked = bytes.Length >= 2 && ((bytes[0] == 0xEF && bytes.Length >= 3 && bytes[1] == 0xBB && bytes[2] == 0xBF) || (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE));
        return marked || !System.Text.Unicode.Utf8.IsValid(bytes) ? null : bytes;
    }

    /// <summary>
    /// A charset that names UTF-8: <c>utf-8</c>, and the spellings sites send that .NET does not know (<c>utf8</c>, MySQL's
    /// <c>utf8mb4</c>; browsers read the first as UTF-8 too).
    /// </summary>
    private static bool IsUtf8Label(string charset) =>
        charset.Trim('"', ' ').ToLowerInvariant() is "utf-8" or "utf8" or "utf8mb4" or "utf8mb3";

    /// <summary>
    /// The body as text, as <see cref="HttpContent.ReadAsStringAsync()"/> decodes it; a charset .NET does not know (which
    /// makes it throw <see cref="InvalidOperationException"/>: <c>utf8</c>, <c>binary</c>, a typo) is read as UTF-8, a
    /// byte-order mark skipped, as a browser reads it.
    /// </summary>
    private static async Task<string> ReadTextAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            return await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            var bytes = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            return System.Text.Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
        }
    }

}

/// <summary>
/// The two log events of a package's channel, under the package's own event ids: every answer (Debug) and every
/// failure (Warning). Neither carries a header, a body or a query string; failure messages never carry secrets.
/// </summary>
internal sealed class HttpChannelLog
{
    private readonly ILogger _logger;
    private readonly Action<ILogger, string, string, int, TimeSpan, Exception?> _answered;
    private readonly Action<ILogger, string, string, string, string, string, Exception?> _failed;
    private readonly Action<ILogger, int, Exception?> _weakSecrets;
    private readonly Action<ILogger, string, string, int, string, string, Exception?>? _unusable;

    /// <summary>Creates the events.</summary>
    /// <param name="logger">The package's logger.</param>
    /// <param name="site">The site as messages name it ("Drupal 7"); part of the message template.</param>
    /// <param name="answeredEventId">The event id of "answered".</param>
    /// <param name="failedEventId">The event id of "failed".</param>
    /// <param name="weakSecretsEventId">The event id of "a configured secret is shorter than 6 characters" (Warning, once per process and client).</param>
    /// <param name="unusableEventId">
    /// The event id of "a successful answer the package cannot use" (Warning, with a redacted excerpt of the body); without
    /// one, such an answer is logged under <paramref name="failedEventId"/>.
    /// </param>
    public HttpChannelLog(ILogger logger, string site, int answeredEventId, int failedEventId, int weakSecretsEventId, int? unusableEventId = null)
    {
        _logger = logger;
        _answered = LoggerMessage.Define<string, string, int, TimeSpan>(
            LogLevel.Debug, new EventId(answeredEventId, "HttpAnswered"), site + " {Method} {Route} answered {StatusCode} in {Elapsed}");
        _failed = LoggerMessage.Define<string, string, string, string, string>(
            LogLevel.Warning, new EventId(failedEventId, "HttpFailed"), site + " {Method} {Route} failed: {Failure} ({Answer}): {Message}");
        _weakSecrets = LoggerMessage.Define<int>(
            LogLevel.Warning, new EventId(weakSecretsEventId, "WeakSecret"),
            site + ": {Count} of the credentials configured for it (passwords, keys, tokens, secrets) are shorter than " + SecretRedactor.MinimumLength.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + " characters: easy to guess, and taken out of quoted server text only where they stand as whole words. Use longer ones.");
        if (unusableEventId is int unusable)
        {
            _unusable = LoggerMessage.Define<string, string, int, string, string>(
                LogLevel.Warning, new EventId(unusable, "HttpUnusableAnswer"), site + " {Method} {Route} answered HTTP {StatusCode} with a body it cannot use ({Failure}): {Excerpt}");
        }
    }

    /// <summary>Logs a successful answer that could not be used, with its status and a redacted excerpt of its body (never a secret).</summary>
    public void Unusable(HttpCall call, int status, CmsUserException failure, string excerpt)
    {
        if (_unusable is null)
        {
            Failed(call, failure);
            return;
        }

        _unusable(_logger, call.Method.Method, call.Route, status, failure is CmsProviderException p ? p.Reason.ToString() : failure.Kind.ToString(), excerpt, null);
    }

    /// <summary>Logs that <paramref name="count"/> configured secrets are shorter than <see cref="SecretRedactor.MinimumLength"/>.</summary>
    public void WeakSecrets(int count) => _weakSecrets(_logger, count, null);

    /// <summary>Logs an answer.</summary>
    public void Answered(HttpCall call, int status, TimeSpan elapsed) => _answered(_logger, call.Method.Method, call.Route, status, elapsed, null);

    /// <summary>Logs a failure with its classification and message (which never carries a secret).</summary>
    public void Failed(HttpCall call, CmsUserException failure) =>
        _failed(_logger, call.Method.Method, call.Route, failure is CmsProviderException p ? p.Reason.ToString() : failure.Kind.ToString(), Answer(failure), failure.Message, null);

    /// <summary>What the site answered, in words: "HTTP 409, code existing_user_login", "HTTP 502", or "no answer" (never "(null)").</summary>
    internal static string Answer(CmsUserException failure) => (failure.StatusCode, failure.ErrorCode) switch
    {
        (int status, { Length: > 0 } code) => $"HTTP {status}, code {code}",
        (int status, _) => $"HTTP {status}",
        (null, { Length: > 0 } code) => $"code {code}",
        _ => "no answer",
    };
}
