using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal7;

/// <summary>Drupal 7's failures on the <see cref="HttpChannel"/>.</summary>
internal sealed class Drupal7AnswerClassifier() : CmsAnswerClassifier(Drupal7Errors.Cms, "Drupal 7")
{
    /// <summary>The route of the login call, whose refusals read differently.</summary>
    public const string LoginRoute = "user/login";

    /// <inheritdoc />
    protected override string UnreadableHint => "check CmsUser:Drupal7:BaseUrl and Endpoint and the endpoint's json formatter";

    /// <inheritdoc />
    public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) =>
        Drupal7Errors.FromResponse(answer.Status, answer.ReasonPhrase, answer.MediaType, answer.Body, call.IsCreate, isLogin: call.Route == LoginRoute);
}

/// <summary>
/// Turns a Services 3.x error answer into a <see cref="CmsProviderException"/>. Services puts the message in the
/// status line and sends the exception data (406: <c>{"form_errors": {field: html}}</c>) or the message
/// (<c>["…"]</c> or <c>"…"</c>) as the body. Form errors are classified on their field key; "already taken"
/// tells a duplicate apart (the text is translated, the keys are not).
/// </summary>
internal static partial class Drupal7Errors
{
    internal const string Cms = "Drupal 7";

    public static CmsProviderException FromResponse(int status, string? reasonPhrase, string? mediaType, string body, bool isCreate, bool isLogin)
    {
        var parsed = TryParse(mediaType, body);
        var text = parsed?.Message ?? StatusLineMessage(reasonPhrase) ?? HttpEndpointGuard.Excerpt(body, 200);
        var (reason, message) = Classify(status, parsed, text, isCreate, isLogin);
        return new CmsProviderException(Cms, reason, message, statusCode: status, errorCode: parsed?.FormErrors.Count > 0 ? "form_errors" : null);
    }

    /// <summary>Whether the answer says the session is gone (so logging in again may help).</summary>
    public static bool IsSessionProblem(int status, string? reasonPhrase, string? mediaType, string body)
    {
        if (status == 401)
        {
            return true;
        }

        var text = TryParse(mediaType, body)?.Message ?? StatusLineMessage(reasonPhrase) ?? string.Empty;
        return status == 403 && text.Contains("anonymous", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The message and form errors of a JSON body, or <see langword="null"/> for HTML or other non-JSON answers.</summary>
    internal static ParsedError? TryParse(string? mediaType, string body)
    {
        if (mediaType is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            var node = JsonNode.Parse(body, documentOptions: HttpChannel.StrictJson);
            var errors = new Dictionary<string, string>(StringComparer.Ordinal);
            string? message = null;
            switch (node)
            {
                case JsonValue value when value.TryGetValue<string>(out var s):
                    message = s;
                    break;
                case JsonArray array:
                    message = string.Join(" ", array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>());
                    break;
                case JsonObject obj when obj["form_errors"] is JsonObject formErrors:
                    foreach (var (key, value) in formErrors)
                    {
                        if (value is JsonValue v && v.TryGetValue<string>(out var s))
                        {
                            errors[key] = PlainText(s);
                        }
                    }

                    message = string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value}"));
                    break;
            }

            return message is null && errors.Count == 0 ? null : new ParsedError(message is null ? null : PlainText(message), errors);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? StatusLineMessage(string? reasonPhrase)
    {
        // "Not Acceptable : The name … is already taken." — Services appends the message to the reason phrase.
        var colon = reasonPhrase?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon < 0 ? null : reasonPhrase![(colon + 1)..].Trim();
    }

    private static string PlainText(string html) => WebUtility(Tags().Replace(html, string.Empty));

    private static string WebUtility(string text) => System.Net.WebUtility.HtmlDecode(text).Trim();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    private static (CmsErrorReason, string) Classify(int status, ParsedError? parsed, string text, bool isCreate, bool isLogin)
    {
        if (isLogin)
        {
            return status switch
            {
                401 when text.Contains("Missing required argument", StringComparison.OrdinalIgnoreCase)
                    => (CmsErrorReason.UnexpectedResponse, $"Drupal 7's user login action expects other arguments; this provider sends version 1.0 (username, password). ({text})"),
                401 => (CmsErrorReason.Authentication, $"Drupal 7 refused the login (HTTP 401). Check CmsUser:Drupal7:Username and Password; after 5 failures Drupal's flood control blocks further attempts for a while. ({text})"),
                403 => (CmsErrorReason.Authentication, $"Drupal 7 refused the login (HTTP 403): the API account is blocked or not activated. Unblock it at admin/people. ({text})"),
                404 => (CmsErrorReason.UnexpectedResponse, $"Drupal 7 has no Services login at CmsUser:Drupal7:Endpoint (HTTP 404). Check the endpoint path and enable the user resource's login action at admin/structure/services. ({text})"),
                _ => ClassifyCall(status, parsed, text, isCreate),
            };
        }

        return ClassifyCall(status, parsed, text, isCreate);
    }

    private static (CmsErrorReason, string) ClassifyCall(int status, ParsedError? parsed, string text, bool isCreate)
    {
        switch (status)
        {
            case 406 when parsed?.FormErrors.Count > 0:
                return ClassifyFormErrors(parsed.FormErrors, text);
            case 406 when text.Contains("response format", StringComparison.OrdinalIgnoreCase) || text.Contains("content type", StringComparison.OrdinalIgnoreCase):
                return (CmsErrorReason.UnexpectedResponse, $"Drupal 7's REST server does not accept JSON (HTTP 406). Enable the application/json request parser and the json response formatter of the endpoint at admin/structure/services. ({text})");
            case 406 or 400:
                return (CmsErrorReason.InvalidData, $"Drupal 7 refused the request (HTTP {status}). ({text})");
            case 401 when text.Contains("Missing required argument", StringComparison.OrdinalIgnoreCase):
                return (CmsErrorReason.UnexpectedResponse, $"Drupal 7 expected another request shape (HTTP 401 missing argument). ({text})");
            case 401:
                return (CmsErrorReason.Authentication, $"Drupal 7 refused the session even after logging in again (HTTP 401). Enable \"Session authentication\" on the endpoint at admin/structure/services. ({text})");
            case 403 when text.Contains("anonymous", StringComparison.OrdinalIgnoreCase):
                return (CmsErrorReason.Authentication, $"Drupal 7 treated the request as anonymous even after logging in again (HTTP 403). Enable \"Session authentication\" on the endpoint and check that no proxy strips the Cookie header. ({text})");
            case 403:
                return (CmsErrorReason.Permission, $"Drupal 7 refused the request (HTTP 403): the API account needs the \"administer users\" and \"access user profiles\" permissions. ({text})");
            case 404 when text.Contains("There is no user", StringComparison.OrdinalIgnoreCase):
                return (CmsErrorReason.NotFound, $"Drupal 7 has no such account. ({text})");
            case 404:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal 7 has no such Services resource (HTTP 404). Check CmsUser:Drupal7:Endpoint and enable the user resource's create, retrieve, update, index and login operations and the password_reset and resend_welcome_email actions at admin/structure/services. ({text})");
            case >= 500 when isCreate:
                return (CmsErrorReason.UnknownOutcome, $"Drupal 7 failed while creating the account (HTTP {status}); it may exist now, and it is looked up by email before any new try. ({text})");
            case >= 500:
                return (CmsErrorReason.Unavailable, $"Drupal 7 failed (HTTP {status}). ({text})");
            default:
                return (CmsErrorReason.UnexpectedResponse, $"Drupal 7 answered HTTP {status}, which this provider does not expect. ({text})");
        }
    }

    private static (CmsErrorReason, string) ClassifyFormErrors(IReadOnlyDictionary<string, string> errors, string text)
    {
        static bool Taken(string message) =>
            message.Contains("already taken", StringComparison.OrdinalIgnoreCase) || message.Contains("already registered", StringComparison.OrdinalIgnoreCase);

        var found = new HashSet<CmsErrorReason>();
        foreach (var (key, message) in errors)
        {
            found.Add(key switch
            {
                "mail" => Taken(message) ? CmsErrorReason.DuplicateEmail : CmsErrorReason.InvalidEmail,
                "name" => Taken(message) ? CmsErrorReason.DuplicateUsername : CmsErrorReason.InvalidUsername,
                _ when key.StartsWith("roles", StringComparison.Ordinal) => CmsErrorReason.UnknownRole,
                // The language select's "illegal choice": not a language of the site.
                "language" => CmsErrorReason.UnknownLanguage,
                _ => CmsErrorReason.InvalidData,
            });
        }

        CmsErrorReason[] order = [CmsErrorReason.DuplicateEmail, CmsErrorReason.DuplicateUsername, CmsErrorReason.InvalidEmail, CmsErrorReason.InvalidUsername, CmsErrorReason.UnknownRole];
        // Only the language refused: the engine creates the account again without one.
        var reason = found.SetEquals([CmsErrorReason.UnknownLanguage]) ? CmsErrorReason.UnknownLanguage : order.FirstOrDefault(found.Contains, CmsErrorReason.InvalidData);
        return (reason, reason switch
        {
            CmsErrorReason.DuplicateEmail => $"Drupal 7: the email address is already used by another account. ({text})",
            CmsErrorReason.DuplicateUsername => $"Drupal 7: the username is already taken. ({text})",
            CmsErrorReason.InvalidEmail => $"Drupal 7 refused the email address. ({text})",
            CmsErrorReason.InvalidUsername => $"Drupal 7 refused the username. ({text})",
            CmsErrorReason.UnknownRole => $"Drupal 7 refused a role; check CmsUser:Drupal7:RoleIds against admin/people/permissions/roles. ({text})",
            CmsErrorReason.UnknownLanguage => $"Drupal 7 has no such language enabled. ({text})",
            _ => $"Drupal 7 refused a value. ({text})",
        });
    }

    internal sealed record ParsedError(string? Message, IReadOnlyDictionary<string, string> FormErrors);
}
