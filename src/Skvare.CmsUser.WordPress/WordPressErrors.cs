using System.Net;
using System.Text.Json;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.WordPress;

/// <summary>A WordPress call: the operation names it in messages ("create an account").</summary>
internal sealed record WordPressCall(HttpMethod Method, string Path, string Route, string Operation) : HttpCall(Method, Path, Route);

/// <summary>WordPress's failures on the <see cref="HttpChannel"/>.</summary>
internal sealed class WordPressAnswerClassifier() : CmsAnswerClassifier(WordPressErrors.Cms, "WordPress")
{
    /// <inheritdoc />
    protected override string UnreadableHint => "check CmsUser:WordPress:BaseUrl and that wp-json/ is reachable (pretty permalinks).";

    /// <inheritdoc />
    public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) =>
        WordPressErrors.FromResponse(Describe(call), (HttpStatusCode)answer.Status, answer.Body, call.IsCreate);

    /// <inheritdoc />
    protected override string Describe(HttpCall call) => call is WordPressCall wp ? wp.Operation : call.Route;
}

/// <summary>
/// Turns a WordPress REST error into a <see cref="CmsProviderException"/>. Classification keys on the
/// error <c>code</c> (messages are translated; duplicates arrive as HTTP 500 with <c>"data":null</c>),
/// and falls back to the status only when the body is not a REST error.
/// </summary>
internal static partial class WordPressErrors
{
    public const string Cms = "WordPress";

    private const string AuthFix =
        "Check CmsUser:WordPress:Username and ApplicationPassword (an application password, not the login password). " +
        "Application passwords only work over https or with define('WP_ENVIRONMENT_TYPE', 'local'), can be disabled by security plugins, " +
        "and some hosts (Apache with CGI/FastCGI) strip the Authorization header: add 'SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1' to .htaccess.";

    private const string PermissionFix =
        "The WordPress account needs the capabilities create_users, list_users, edit_users and promote_users (an Administrator has them; on multisite a Super Admin).";

    /// <summary>Builds the exception for a failed response.</summary>
    /// <param name="operation">What was attempted, for the message.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="body">The response body (may be HTML or empty).</param>
    /// <param name="isCreate">Whether the request may have created an account.</param>
    public static CmsProviderException FromResponse(string operation, HttpStatusCode status, string? body, bool isCreate)
    {
        var code = (int)status;
        var error = TryParse(body);
        if (error is null)
        {
            return FromStatusOnly(operation, code, body, isCreate);
        }

        var (reason, hint) = Classify(error, code, isCreate);
        var message = $"WordPress refused to {operation}: {error.Message} ({error.Code}, HTTP {code}).";
        if (hint is not null)
        {
            message += " " + hint;
        }

        return new CmsProviderException(Cms, reason, message, statusCode: code, errorCode: error.Code);
    }

    private static (CmsErrorReason Reason, string? Hint) Classify(RestError error, int status, bool isCreate)
    {
        switch (error.Code)
        {
            case "existing_user_login":
                return (CmsErrorReason.DuplicateUsername, null);
            case "existing_user_email":
                return (CmsErrorReason.DuplicateEmail, null);
            case "user_login_too_long":
            case "invalid_username" when status != 401:
            case "empty_user_login":
                return (CmsErrorReason.InvalidUsername, null);
            case "rest_invalid_param":
                return (ClassifyInvalidParam(error), null);
            case "rest_missing_callback_param":
            case "rest_user_invalid_password":
            case "rest_user_exists":
            case "rest_invalid_json":
                return (CmsErrorReason.InvalidData, null);
            case "rest_user_invalid_role":
                return (CmsErrorReason.UnknownRole, status == 403 ? "The role exists but the API account may not assign it. " + PermissionFix : null);
            case "rest_user_invalid_id":
                return (CmsErrorReason.NotFound, null);
            case "rest_no_route":
                return (CmsErrorReason.Permission, "The route does not exist: check CmsUser:WordPress:BaseUrl, and when UseCompanionPlugin is on, that the Skvare CmsUser companion plugin is installed and active.");
            case "incorrect_password":
            case "invalid_username":
            case "invalid_email":
            case "application_passwords_disabled":
            case "application_passwords_disabled_for_user":
            case "rest_not_logged_in":
                return (CmsErrorReason.Authentication, AuthFix);
            case "skvare_cmsuser_busy":
                // Companion plugin 0.2.1: another request held the email's or username's create lock past its wait; nothing was created.
                return (CmsErrorReason.Unavailable, "Another request was creating an account with the same email or username at that moment; nothing was created, so a later attempt can simply retry.");
            case "skvare_cmsuser_notify_failed":
                // Companion plugin 0.2.2: wp_mail() failed; the account is fine, the site's mail is not. The site answered, so it is no outage.
                return (CmsErrorReason.MailFailed, "The site could not send the new-account email: check its mail setup (an SMTP plugin, or PHP's mail()).");
            case "skvare_cmsuser_reset_failed":
                // Companion plugin 0.2.2: retrieve_password() failed, mostly wp_mail(); the site answered, so it is no outage.
                return (CmsErrorReason.MailFailed, "The site could not send the password reset email: check its mail setup (an SMTP plugin, or PHP's mail()).");
            case "rest_user_create" when isCreate:
                return (CmsErrorReason.UnknownOutcome, null);
        }

        if (status == 401)
        {
            // WordPress treats a wrong application password as anonymous: 401 rest_cannot_create_user / rest_forbidden_context.
            return (CmsErrorReason.Authentication, AuthFix);
        }

        if (status == 403)
        {
            return (CmsErrorReason.Permission, PermissionFix);
        }

        if (status == 404)
        {
            return (CmsErrorReason.NotFound, null);
        }

        if (status >= 500)
        {
            return (isCreate ? CmsErrorReason.UnknownOutcome : CmsErrorReason.Unavailable, null);
        }

        return (CmsErrorReason.InvalidData, null);
    }

    private static CmsErrorReason ClassifyInvalidParam(RestError error)
    {
        // Multisite collects wpmu_validate_user_signup() errors under additional_errors.
        if (error.AdditionalCodes.Contains("user_name"))
        {
            return CmsErrorReason.DuplicateUsername;
        }

        if (error.AdditionalCodes.Contains("user_email"))
        {
            return CmsErrorReason.DuplicateEmail;
        }

        if (error.Params.Contains("username"))
        {
            return CmsErrorReason.InvalidUsername;
        }

        if (error.Params.Contains("email"))
        {
            return CmsErrorReason.InvalidEmail;
        }

        // The user schema's locale is an enum of the installed languages ('', en_US and get_available_languages()).
        return error.Params.SetEquals(["locale"]) ? CmsErrorReason.UnknownLanguage : CmsErrorReason.InvalidData;
    }

    private static CmsProviderException FromStatusOnly(string operation, int status, string? body, bool isCreate)
    {
        var excerpt = HttpEndpointGuard.Excerpt(body, 200);
        if (status >= 500)
        {
            var reason = isCreate ? CmsErrorReason.UnknownOutcome : CmsErrorReason.Unavailable;
            var what = isCreate ? "; the account may or may not exist" : string.Empty;
            return new CmsProviderException(Cms, reason, $"WordPress failed while trying to {operation} (HTTP {status}{what}): {excerpt}", statusCode: status);
        }

        if (status == 401)
        {
            return new CmsProviderException(Cms, CmsErrorReason.Authentication, $"WordPress refused the credentials while trying to {operation} (HTTP 401, not a REST answer). {AuthFix}", statusCode: status);
        }

        return new CmsProviderException(
            Cms,
            CmsErrorReason.UnexpectedResponse,
            $"WordPress answered something that is not a REST API response while trying to {operation} (HTTP {status}): {excerpt}. Check CmsUser:WordPress:BaseUrl points at the site root and that pretty permalinks are on (wp-json/ must be reachable).",
            statusCode: status);
    }

    /// <summary>
    /// A REST error's message as text: WordPress writes some of its own messages in HTML (the password reset's
    /// "&lt;strong&gt;Error:&lt;/strong&gt; The email could not be sent… &lt;a href=…&gt;Get support…&lt;/a&gt;"), which
    /// reads as markup in a terminal, a log or an activity. Tags go, entities are decoded, runs of white space become one.
    /// </summary>
    internal static string PlainText(string message)
    {
        if (message.AsSpan().IndexOfAny('<', '&') < 0)
        {
            return message;
        }

        var text = WebUtility.HtmlDecode(Tags().Replace(message, " "));
        return Spaces().Replace(text, match => match.Index + match.Length < text.Length && ".,;:!?".Contains(text[match.Index + match.Length], StringComparison.Ordinal) ? "" : " ").Trim();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"</?[A-Za-z][^<>]*>", System.Text.RegularExpressions.RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial System.Text.RegularExpressions.Regex Tags();

    // Runs of white space (PlainText drops one before a punctuation mark, where a closing tag stood: "…password</a>.").
    [System.Text.RegularExpressions.GeneratedRegex(@"\s+", System.Text.RegularExpressions.RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial System.Text.RegularExpressions.Regex Spaces();

    private static RestError? TryParse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var codeElement) || codeElement.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var message = PlainText(root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? string.Empty : string.Empty);
            var parameters = new HashSet<string>(StringComparer.Ordinal);
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("params", out var p))
            {
                // params is an object (invalid values) or an array (missing names).
                if (p.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in p.EnumerateObject())
                    {
                        parameters.Add(property.Name);
                    }
                }
                else if (p.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in p.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String)
                        {
                            parameters.Add(item.GetString()!);
                        }
                    }
                }
            }

            var additional = new HashSet<string>(StringComparer.Ordinal);
            if (root.TryGetProperty("additional_errors", out var extra) && extra.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in extra.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                    {
                        additional.Add(c.GetString()!);
                    }
                }
            }

            return new RestError(codeElement.GetString()!, message, parameters, additional);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private sealed record RestError(string Code, string Message, HashSet<string> Params, HashSet<string> AdditionalCodes);
}
