using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>An API v4 call on the <see cref="HttpChannel"/>: one POST to <c>{Entity}/{action}</c>.</summary>
internal sealed record Api4Call(string Entity, string Action, string Url) : HttpCall(HttpMethod.Post, Url, Entity + "." + Action);

/// <summary>CiviCRM's failures on the <see cref="HttpChannel"/>, as <see cref="CiviCrmApiException"/>s.</summary>
/// <param name="secrets">The API key and site key: never repeated from an answer (a proxy or echo service may send them back).</param>
internal sealed class CiviCrmAnswerClassifier(SecretRedactor secrets) : IHttpAnswerClassifier
{
    // Set once the client has read an API v4 answer: from then on the URL is known to reach the API.
    private bool _answered;

    /// <summary>The client read an API v4 answer (success or CiviCRM's own error): the configured URL reaches the API.</summary>
    public void Answered() => Volatile.Write(ref _answered, true);

    /// <inheritdoc />
    public CmsUserException FromAnswer(HttpCall call, HttpAnswer answer)
    {
        var (entity, action) = Names(call);
        return Api4ErrorMapper.FromResponse(entity, action, (HttpStatusCode)answer.Status, answer.MediaType, answer.Body, Api4ErrorMapper.TryParse(answer.Body), secrets);
    }

    /// <inheritdoc />
    public CmsUserException FromThrottled(HttpCall call, HttpAnswer answer) => FromAnswer(call, answer);

    /// <inheritdoc />
    /// <remarks>
    /// A 2xx JSON answer that starts as JSON but is not well-formed was cut short on its way (a proxy or the server dropped
    /// its tail): one request's damage, so it is transient (as a lost answer is; a write may have been carried out, and
    /// the next attempt reads before it writes). Anything else (an HTML page, JSON that is not API v4) means the URL does
    /// not reach the API: configuration, unless the same client has already had an API v4 answer: then the URL is right
    /// and the page is the site failing for a moment (a fatal error shown as its dashboard or a maintenance page while
    /// it is busy; seen on a real CiviCRM 6.17.2 under load), which is transient as a 5xx error page is.
    /// </remarks>
    public CmsUserException FromUnreadable(HttpCall call, HttpAnswer answer, Exception parseError)
    {
        var (entity, action) = Names(call);
        if (answer.Status is >= 200 and < 300
            && answer.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
            && HttpEndpointGuard.IsCutShortJson(answer.Body))
        {
            return new CiviCrmApiException(FailureKind.Transient, $"{entity}.{action} answered (HTTP {answer.Status}) with JSON cut short ({HttpEndpointGuard.Excerpt(Api4ErrorMapper.Redact(answer.Body, secrets), 120)}); the answer was damaged on its way, so the call is tried again later.", entity, action, statusCode: answer.Status, innerException: parseError);
        }

        if (Volatile.Read(ref _answered))
        {
            return new CiviCrmApiException(FailureKind.Transient, $"{entity}.{action} answered (HTTP {answer.Status} {answer.MediaType}) with a page that is not an API v4 answer ({HttpEndpointGuard.Excerpt(Api4ErrorMapper.Redact(answer.Body, secrets), 120)}), though the same URL answered the API earlier: the site failed for a moment, so the call is tried again later.", entity, action, statusCode: answer.Status, innerException: parseError);
        }

        return new CiviCrmApiException(FailureKind.Configuration, $"{entity}.{action} did not return an API v4 answer (HTTP {answer.Status} {answer.MediaType}: {HttpEndpointGuard.Excerpt(Api4ErrorMapper.Redact(answer.Body, secrets), 120)}). The URL does not reach CiviCRM's API: check CmsUser:CiviCrm:BaseUrl and UrlStyle.", entity, action, statusCode: answer.Status, innerException: parseError);
    }

    /// <inheritdoc />
    public CmsUserException FromTransport(HttpCall call, Exception exception, TransportFailure failure)
    {
        var (entity, action) = Names(call);
        // The same words as every CMS package's: "could not be reached" only for a request that was never sent; a write that
        // may have reached CiviCRM says so (its caller reads back what it did before it writes again).
        var detail = Api4ErrorMapper.Redact(failure.Detail, secrets);
        var message = failure.Kind == TransportFailureKind.AnswerCut
            ? call.IsRead
                ? $"CiviCRM's answer to {entity}.{action} was cut short on its way, on every try: {detail}"
                : $"CiviCRM's answer to {entity}.{action} was cut short on its way; the call may have been carried out, so it is not sent again: {detail}"
            : $"{TransportWords.What("CiviCRM", failure.Kind)} (call: {entity}.{action}; {detail}){TransportWords.Consequence(call, failure.Kind, "CiviCRM")}";
        return new CiviCrmApiException(FailureKind.Transient, message, entity, action, neverSent: failure.NeverSent, innerException: Api4ErrorMapper.KeepTimeout(exception));
    }

    /// <inheritdoc />
    public bool IsNotFound(HttpCall call, HttpAnswer answer) => false;

    private static (string Entity, string Action) Names(HttpCall call) => call is Api4Call api4 ? (api4.Entity, api4.Action) : (call.Route, string.Empty);
}

/// <summary>Turns a failed API v4 response into a <see cref="CiviCrmApiException"/> with a message that names the fix.</summary>
internal static partial class Api4ErrorMapper
{
    public static CiviCrmApiException FromResponse(string entity, string action, HttpStatusCode status, string? mediaType, string body, Api4Envelope? envelope, SecretRedactor? secrets = null)
    {
        var code = (int)status;
        var call = $"{entity}.{action}";
        body = Redact(body, secrets);
        var serverMessage = Redact(envelope?.ErrorMessage.AsText() ?? envelope?.StatusMessage.AsText(), secrets);
        var isHtml = mediaType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true || body.TrimStart().StartsWith('<');
        if (serverMessage is null && isHtml)
        {
            serverMessage = HtmlErrorMessage(body);
        }
        else if (serverMessage is null && mediaType?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true)
        {
            serverMessage = body.Trim();
        }

        var errorId = Redact(envelope?.ErrorId.AsText(), secrets) ?? (serverMessage is null ? null : ErrorIdPattern().Match(serverMessage) is { Success: true } m ? m.Groups[1].Value : null);
        var generic = serverMessage?.Contains("Sorry an error occurred", StringComparison.Ordinal) == true;
        var errorCode = envelope is null ? null : envelope.ErrorCode.ValueKind switch
        {
            // Kept beside the message and logged by the channel ("HTTP 500, code ..."): redacted like the message.
            System.Text.Json.JsonValueKind.String => Redact(envelope.ErrorCode.AsText(), secrets),
            System.Text.Json.JsonValueKind.Number => envelope.ErrorCode.GetRawText(),
            _ => null,
        };
        var shown = serverMessage ?? HttpEndpointGuard.Excerpt(body);
        var debugHint = generic ? " CiviCRM hid the real message: grant the API user's role \"view debug output\" to see it (Error ID " + errorId + " is in the server log)." : "";

        var (kind, message) = code switch
        {
            401 when shown.Contains("guard", StringComparison.OrdinalIgnoreCase) =>
                (FailureKind.Configuration, $"CiviCRM refused the API key for {call} ({shown}). Set CmsUser:CiviCrm:SiteKey to the site key, or give the API user's role the permission \"AuthX: Authenticate to services with API key\"."),
            401 when shown.Contains("Session already active", StringComparison.OrdinalIgnoreCase) =>
                (FailureKind.Configuration, $"CiviCRM refused {call} ({shown}): a session cookie was sent back; the client must not keep cookies."),
            401 =>
                (FailureKind.Configuration, $"CiviCRM refused the credentials for {call} ({shown}). Check CmsUser:CiviCrm:ApiKey (the API contact's api_key) and that the authx extension is enabled."),
            403 =>
                (FailureKind.Configuration, $"CiviCRM denied {call} (403: {shown}). The API user's role lacks a permission: it needs \"access CiviCRM\", \"view all contacts\", \"edit all contacts\", \"view all activities\" and \"administer CiviCRM\" (UFMatch and option values).{debugHint}"),
            400 when shown.Contains("SECURITY ALERT", StringComparison.Ordinal) =>
                (FailureKind.Configuration, $"CiviCRM refused {call} as not a web-service request ({shown}): a proxy may strip the X-Requested-With or X-Civi-Auth header."),
            405 =>
                (FailureKind.Configuration, $"CiviCRM refused {call}: {shown}"),
            404 =>
                (FailureKind.Configuration, $"{call} did not reach CiviCRM's API (HTTP 404 at the configured URL). Check CmsUser:CiviCrm:BaseUrl and UrlStyle (on WordPress use UrlStyle \"WordPress\" unless the CiviCRM base page exists)."),
            429 or 502 or 503 or 504 =>
                (FailureKind.Transient, $"CiviCRM is unavailable for {call} (HTTP {code}: {shown})."),
            >= 500 when IsTransientDatabaseError(shown) =>
                (FailureKind.Transient, $"CiviCRM's database failed on {call} for a moment (HTTP {code}: {shown})."),
            >= 500 when shown.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || shown.Contains("Invalid field", StringComparison.Ordinal) || shown.Contains("Unknown api parameter", StringComparison.Ordinal) =>
                (FailureKind.Configuration, $"CiviCRM rejected {call}: {shown}. The entity, action or field is not available on this site (an extension may be missing, or a custom field name is wrong)."),
            >= 500 when isHtml =>
                (FailureKind.Transient, $"CiviCRM failed on {call} with an error page (HTTP {code}: {shown})."),
            >= 500 =>
                (FailureKind.Permanent, $"CiviCRM rejected {call} (HTTP {code}: {shown}).{debugHint}"),
            _ =>
                (FailureKind.Configuration, $"CiviCRM answered {call} with HTTP {code}: {shown}"),
        };

        return new CiviCrmApiException(kind, message, entity, action, code, errorCode, serverMessage, errorId);
    }

    /// <summary>
    /// <paramref name="exception"/>, with a <see cref="TimeoutException"/> in its chain when the request timed out: the
    /// resilience pipeline's attempt or total timeout (<see cref="Polly.Timeout.TimeoutRejectedException"/>) is wrapped in
    /// one; HttpClient's own timeout (a <see cref="TaskCanceledException"/>) carries one already. The engine looks for it: a
    /// write-back that timed out usually still runs on CiviCRM, so it is read back only after a wait
    /// (<c>Retry:WriteBackReadBackWait</c>), not at once.
    /// </summary>
    public static Exception KeepTimeout(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return exception;
            }
        }

        return exception is Polly.Timeout.TimeoutRejectedException ? new TimeoutException(exception.Message, exception) : exception;
    }

    /// <summary>
    /// A successful answer (HTTP 2xx) that carries <c>error_message</c> as something other than text: a number, an
    /// object, an array, a boolean, <c>null</c>, blank text or text that is not valid UTF-16. CiviCRM sends
    /// <c>error_message</c> only as the text of a failed call (and never in a success), so something between this client
    /// and CiviCRM rewrote the answer; the exception names the member, its kind and (redacted) value, and says the call's
    /// effect is unknown.
    /// </summary>
    public static CiviCrmApiException OddErrorMessage(string entity, string action, int status, Api4Envelope envelope, SecretRedactor? secrets)
    {
        var value = envelope.ErrorMessage;
        var kind = value.ValueKind switch
        {
            JsonValueKind.Number => "a number",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            JsonValueKind.String when value.AsText() is null => "text that is not valid UTF-16",
            _ => "blank text",
        };
        var shown = HttpEndpointGuard.Excerpt(Redact(value.GetRawText(), secrets), 120);
        var message = $"{entity}.{action} answered HTTP {status} with an error_message that is {kind} ({shown}), not CiviCRM's error text: CiviCRM writes error_message only as the text of a failed call, so something between this client and CiviCRM (a proxy, a security plugin, another service at CmsUser:CiviCrm:BaseUrl) changed the answer. Whether the call took effect is unknown.";
        var errorCode = envelope.ErrorCode.ValueKind switch
        {
            JsonValueKind.String => Redact(envelope.ErrorCode.AsText(), secrets),
            JsonValueKind.Number => envelope.ErrorCode.GetRawText(),
            _ => null,
        };
        return new CiviCrmApiException(FailureKind.Configuration, message, entity, action, status, errorCode, errorId: Redact(envelope.ErrorId.AsText(), secrets));
    }

    /// <summary>Whether an answer's <c>error_message</c> is CiviCRM's: text that is not blank.</summary>
    public static bool IsErrorText(JsonElement errorMessage) => errorMessage.AsText() is { } text && !string.IsNullOrWhiteSpace(text);

    /// <summary>
    /// <paramref name="text"/> with each secret (the API key, the site key) replaced by <c>&lt;redacted&gt;</c>: text
    /// from an answer goes into exceptions and logs, and a misrouted request may be echoed back with its headers.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Redact(string? text, SecretRedactor? secrets) => secrets is null ? text : secrets.Redact(text);

    /// <summary>
    /// Whether an API v4 error object is final for the request sent: CiviCRM answers every API exception with HTTP 500
    /// and <c>error_message</c> (a unique key, a missing field, an unknown entity), and the same request gets the same
    /// answer, so it is not retried. A database that failed for a moment (<see cref="IsTransientDatabaseError"/>) is not final.
    /// </summary>
    public static bool IsFinalError(JsonElement error) =>
        error.TryGetProperty("error_message", out var message)
        && message.ValueKind == JsonValueKind.String
        && message.AsText() is { } text
        && !IsTransientDatabaseError(text);

    /// <summary>
    /// Whether a server message is one of PEAR DB's errors for a database that may answer on the next try: a deadlock,
    /// a lock wait timeout, a failed connection, or an error PEAR DB has no name for (e.g. "server has gone away").
    /// </summary>
    public static bool IsTransientDatabaseError(string message) =>
        message.StartsWith("DB Error:", StringComparison.Ordinal)
        && (message.Contains("deadlock", StringComparison.Ordinal)
            || message.Contains("lock timeout", StringComparison.Ordinal)
            || message.Contains("connect failed", StringComparison.Ordinal)
            || message.Contains("unknown error", StringComparison.Ordinal));

    /// <summary>The API v4 envelope of a body, or <see langword="null"/> when the body is not a JSON object.</summary>
    public static Api4Envelope? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '{')
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, CiviCrmJsonContext.Default.Api4Envelope);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? HtmlErrorMessage(string body)
    {
        var match = CrmErrorMessage().Match(body);
        var text = match.Success ? match.Groups[1].Value : TitleTag().Match(body) is { Success: true } t ? t.Groups[1].Value : null;
        return text is null ? null : WebUtility.HtmlDecode(Tags().Replace(text, " ")).Trim() is { Length: > 0 } s ? string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) : null;
    }

    [GeneratedRegex("class=\"[^\"]*crm-error-message[^\"]*\"[^>]*>(.*?)</", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex CrmErrorMessage();

    [GeneratedRegex("<title>(.*?)</title>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex TitleTag();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"Error ID:\s*([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})")]
    private static partial Regex ErrorIdPattern();
}
