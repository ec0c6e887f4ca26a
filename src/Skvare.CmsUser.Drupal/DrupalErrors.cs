using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal;

/// <summary>Which Drupal API a call went to; error answers differ between them.</summary>
internal enum DrupalApi
{
    Rest,
    JsonApi,
    Companion,
    Token,
}

/// <summary>Drupal's failures on the <see cref="HttpChannel"/>: what its error answers mean, per API.</summary>
internal sealed class DrupalAnswerClassifier(Func<DrupalAuthenticationMode> mode) : CmsAnswerClassifier(DrupalErrors.Cms, "Drupal")
{
    /// <inheritdoc />
    protected override string UnreadableHint => "check CmsUser:Drupal:BaseUrl and that the REST and JSON:API modules are enabled";

    /// <inheritdoc />
    public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) =>
        DrupalErrors.FromResponse(answer.Status, answer.MediaType, answer.Body, ApiOf(call), call.IsCreate, mode());

    /// <summary>A missing entity is a 404 with Drupal's JSON error; an HTML 404 means the route itself is missing.</summary>
    public override bool IsNotFound(HttpCall call, HttpAnswer answer) =>
        answer.Status == 404 && DrupalErrors.TryParse(answer.MediaType, answer.Body) is not null;

    private static DrupalApi ApiOf(HttpCall call) => call is IDrupalApiCall drupal ? drupal.Api : DrupalApi.Rest;
}

/// <summary>A call that names the Drupal API it goes to.</summary>
internal interface IDrupalApiCall
{
    /// <summary>The API.</summary>
    DrupalApi Api { get; }
}

/// <summary>
/// Turns a Drupal error answer into a <see cref="CmsProviderException"/>. Core REST sends <c>{"message": …}</c>
/// with one <c>path: text</c> line per 422 violation; JSON:API sends <c>errors[]</c> with one <c>detail</c> each.
/// Violations are classified on their property path (not translated); "already taken" tells a duplicate apart.
/// </summary>
internal static class DrupalErrors
{
    internal const string Cms = "Drupal";

    /// <summary>The <c>code</c> of cmsuser_companion 1.1.1's 503 answer when a create lock stayed taken.</summary>
    internal const string BusyCode = "cmsuser_busy";

    public static CmsProviderException FromResponse(int status, string? mediaType, string body, DrupalApi api, bool isCreate, DrupalAuthenticationMode mode)
    {
        var parsed = TryParse(mediaType, body);
        var text = parsed is null ? HttpEndpointGuard.Excerpt(body, 200) : string.Join(" ", parsed.Lines);
        var (reason, message, code) = Classify(status, parsed, text, api, isCreate, mode);
        return new CmsProviderException(Cms, reason, message, statusCode: status, errorCode: code);
    }

    /// <summary>The messages of a JSON error body, or <see langword="null"/> when it is not JSON (an HTML page, a proxy error).</summary>
    internal static ParsedError? TryParse(string? mediaType, string body)
    {
        if (mediaType is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(body, documentOptions: HttpChannel.StrictJson) is not JsonObject root)
            {
                return null;
            }

            var lines = new List<string>();
            string? oauthError = null;
            var code = Text(root["code"]);
            if (root["errors"] is JsonArray errors)
            {
                foreach (var error in errors.OfType<JsonObject>())
                {
                    var detail = Text(error["detail"]) ?? Text(error["title"]);
                    if (detail is not null)
                    {
                        lines.Add(detail);
                    }
                }
            }

            if (Text(root["message"]) is { } message)
            {
                lines.AddRange(message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }

            if (Text(root["error"]) is { } oauth)
            {
                oauthError = oauth;
                if (lines.Count == 0 && Text(root["error_description"]) is { } description)
                {
                    lines.Add(description);
                }
            }

            return lines.Count == 0 && oauthError is null ? null : new ParsedError(lines, oauthError) { Code = code };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static (CmsErrorReason Reason, string Message, string? Code) Classify(int status, ParsedError? parsed, string text, DrupalApi api, bool isCreate, DrupalAuthenticationMode mode)
    {
        if (api == DrupalApi.Token)
        {
            return ClassifyToken(status, parsed, text);
        }

        switch (status)
        {
            case 422 when parsed is not null:
                return ClassifyViolations(parsed.Lines, text);
            case 400:
                if (text.Contains("Unable to send email", StringComparison.OrdinalIgnoreCase))
                {
                    return (CmsErrorReason.Unavailable, $"Drupal could not send the email; check the site's mail system. ({text})", "mail_failed");
                }

                return (CmsErrorReason.InvalidData, $"Drupal refused the request body (HTTP 400): {text}", null);
            case 401:
                return (CmsErrorReason.Authentication, mode == DrupalAuthenticationMode.OAuth2
                    ? $"Drupal refused the OAuth access token (HTTP 401) even after fetching a new one. Check that the simple_oauth consumer's keys are set up and that \"oauth2\" is an authentication provider of the rest.resource.entity.user configuration. ({text})"
                    : $"Drupal received no usable credentials (HTTP 401). Enable the basic_auth module and add \"basic_auth\" to the authentication list of the rest.resource.entity.user configuration (and check that no proxy strips the Authorization header). ({text})", null);
            case 403:
                return (CmsErrorReason.Permission, ForbiddenMessage(text, api, mode), null);
            case 404 when api == DrupalApi.Companion && !text.Contains("No route found", StringComparison.OrdinalIgnoreCase) && parsed is not null:
                return (CmsErrorReason.NotFound, $"Drupal has no such account. ({text})", null);
            case 404 when api == DrupalApi.Companion:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal has no cmsuser_companion routes (HTTP 404). Install and enable the cmsuser_companion module, or set CmsUser:Drupal:UseCompanionModule to false. ({text})", null);
            case 404 when api == DrupalApi.JsonApi:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal has no JSON:API user collection at /jsonapi/user/user (HTTP 404). Enable the jsonapi module (read-only mode is enough) and check CmsUser:Drupal:BaseUrl. ({text})", null);
            case 404:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal answered HTTP 404. Enable the rest module and the rest.resource.entity.user configuration (POST, GET, PATCH; format json), and check CmsUser:Drupal:BaseUrl. ({text})", null);
            case 405 when text.Contains("read operations", StringComparison.OrdinalIgnoreCase) || (api == DrupalApi.JsonApi && parsed is not null):
                return (CmsErrorReason.Permission, $"Drupal's JSON:API only accepts reads (jsonapi.settings:read_only). Untick \"Accept only JSON:API read operations\" at admin/config/services/jsonapi, or keep writes on core REST. ({text})", "jsonapi_read_only");
            case 405:
                return (CmsErrorReason.Permission, $"Drupal does not allow this HTTP method here (HTTP 405). Add it to the methods of the rest.resource.entity.user configuration. ({text})", null);
            case 406:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal does not serve JSON here (HTTP 406). Enable the rest.resource.entity.user configuration with the json format and the serialization module. ({text})", null);
            case 409:
                return (CmsErrorReason.InvalidData, $"Drupal refused the request for this account's state (HTTP 409). ({text})", null);
            case 415:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal does not accept a JSON body here (HTTP 415). Add json to the formats of the rest.resource.entity.user configuration. ({text})", null);
            case 503 when parsed?.Code == BusyCode:
                // cmsuser_companion 1.1.1: another request held the email's or username's create lock past its wait, before
                // the controller ran; nothing was created.
                return (CmsErrorReason.Unavailable, $"Drupal: another request was creating an account with the same email address or username at that moment, so nothing was created; a later attempt can simply retry. ({text})", BusyCode);
            case >= 500 when isCreate:
                return (CmsErrorReason.UnknownOutcome, $"Drupal failed while creating the account (HTTP {status}); it may exist now, and it is looked up by email before any new try. ({text})", null);
            case >= 500:
                return (CmsErrorReason.Unavailable, $"Drupal failed (HTTP {status}). ({text})", null);
            default:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal answered HTTP {status}, which this provider does not expect. ({text})", null);
        }
    }

    private static string ForbiddenMessage(string text, DrupalApi api, DrupalAuthenticationMode mode)
    {
        if (text.Contains("authentication method is not allowed", StringComparison.OrdinalIgnoreCase))
        {
            var provider = mode == DrupalAuthenticationMode.OAuth2 ? "oauth2" : "basic_auth";
            return api == DrupalApi.Companion
                ? $"Drupal does not accept {provider} on the cmsuser_companion routes; update the module. ({text})"
                : $"Drupal does not accept {provider} on this resource: add \"{provider}\" to the authentication list of the rest.resource.entity.user configuration. ({text})";
        }

        var credentials = mode == DrupalAuthenticationMode.OAuth2
            ? "The token acts as the consumer's \"Client Credentials User\"; that user and the token's scopes must both grant it."
            : "Drupal answers a wrong CmsUser:Drupal:Username or Password with 403 too (the request then runs as anonymous), so check the credentials first.";
        if (text.Contains("filter by", StringComparison.OrdinalIgnoreCase))
        {
            return $"Drupal refused the JSON:API lookup (HTTP 403): the API account needs \"administer users\" (or \"view user email addresses\") to filter users by mail. {credentials} ({text})";
        }

        return $"Drupal refused the request (HTTP 403): the API account needs the \"administer users\" permission, and the rest.resource.entity.user configuration must allow this method. {credentials} ({text})";
    }

    private static (CmsErrorReason, string, string?) ClassifyToken(int status, ParsedError? parsed, string text)
    {
        return parsed?.OAuthError switch
        {
            "invalid_client" => (CmsErrorReason.Authentication, $"Drupal's simple_oauth refused the client credentials (invalid_client). Check CmsUser:Drupal:ClientId and ClientSecret against the consumer at admin/config/services/consumer. ({text})", "invalid_client"),
            "invalid_scope" => (CmsErrorReason.Permission, $"Drupal's simple_oauth refused the scope (invalid_scope). Set CmsUser:Drupal:Scope to scopes the consumer may use, or give the consumer default scopes. ({text})", "invalid_scope"),
            "unsupported_grant_type" or "unauthorized_client" or "invalid_grant" => (CmsErrorReason.Permission, $"Drupal's simple_oauth refused the client_credentials grant ({parsed.OAuthError}). Enable that grant on the consumer and choose its Client Credentials User. ({text})", parsed.OAuthError),
            "invalid_request" => (CmsErrorReason.Authentication, $"Drupal's simple_oauth refused the token request (invalid_request). Check CmsUser:Drupal:ClientId, ClientSecret and Scope. ({text})", "invalid_request"),
            _ when status == 404 => (CmsErrorReason.UnexpectedResponse, $"Drupal has no token endpoint at CmsUser:Drupal:TokenPath (HTTP 404). Enable simple_oauth or set TokenPath. ({text})", null),
            _ when status >= 500 => (CmsErrorReason.Unavailable, $"Drupal's token endpoint failed (HTTP {status}). ({text})", null),
            _ when status is 401 or 400 => (CmsErrorReason.Authentication, $"Drupal's simple_oauth refused the token request (HTTP {status}). Check CmsUser:Drupal:ClientId, ClientSecret and Scope. ({text})", parsed?.OAuthError),
            _ => (CmsErrorReason.UnexpectedResponse, $"Drupal's token endpoint answered HTTP {status}. ({text})", parsed?.OAuthError),
        };
    }

    private static (CmsErrorReason, string, string?) ClassifyViolations(IReadOnlyList<string> lines, string text)
    {
        // All violations arrive together; the most useful one for the engine wins (a taken email links instead).
        var found = new HashSet<CmsErrorReason>();
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var path = line[..colon].Trim();
            var taken = line.Contains("already taken", StringComparison.OrdinalIgnoreCase);
            if (IsPath(path, "mail"))
            {
                found.Add(taken ? CmsErrorReason.DuplicateEmail : CmsErrorReason.InvalidEmail);
            }
            else if (IsPath(path, "name"))
            {
                found.Add(taken ? CmsErrorReason.DuplicateUsername : CmsErrorReason.InvalidUsername);
            }
            else if (IsPath(path, "roles"))
            {
                found.Add(CmsErrorReason.UnknownRole);
            }
            else if (IsPath(path, "preferred_langcode"))
            {
                // A language field's AllowedValues: the code is not a language of the site.
                found.Add(CmsErrorReason.UnknownLanguage);
            }
            else if (!path.Contains(' ', StringComparison.Ordinal))
            {
                found.Add(CmsErrorReason.InvalidData);
            }
        }

        CmsErrorReason[] order = [CmsErrorReason.DuplicateEmail, CmsErrorReason.DuplicateUsername, CmsErrorReason.InvalidEmail, CmsErrorReason.InvalidUsername, CmsErrorReason.UnknownRole];
        // Only the language refused: the engine creates the account again without one.
        var reason = found.SetEquals([CmsErrorReason.UnknownLanguage]) ? CmsErrorReason.UnknownLanguage : order.FirstOrDefault(found.Contains, CmsErrorReason.InvalidData);
        var message = reason switch
        {
            CmsErrorReason.DuplicateEmail => $"Drupal: the email address is already used by another account. ({text})",
            CmsErrorReason.DuplicateUsername => $"Drupal: the username is already taken. ({text})",
            CmsErrorReason.InvalidEmail => $"Drupal refused the email address. ({text})",
            CmsErrorReason.InvalidUsername => $"Drupal refused the username. ({text})",
            CmsErrorReason.UnknownRole => $"Drupal refused a role; use role machine names from admin/people/roles. ({text})",
            CmsErrorReason.UnknownLanguage => $"Drupal has no such language enabled. ({text})",
            _ => $"Drupal refused a value (language, password or field). ({text})",
        };
        return (reason, message, "validation_failed");
    }

    private static bool IsPath(string path, string field) =>
        path == field || path.StartsWith(field + ".", StringComparison.Ordinal) || path == "/data/attributes/" + field;

    internal sealed record ParsedError(IReadOnlyList<string> Lines, string? OAuthError)
    {
        /// <summary>The <c>code</c> of a cmsuser_companion error (<c>cmsuser_busy</c>), if any.</summary>
        public string? Code { get; init; }
    }
}
