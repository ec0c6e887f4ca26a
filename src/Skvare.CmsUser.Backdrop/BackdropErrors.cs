using System.Net;
using System.Text.Json;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Backdrop;

/// <summary>
/// Backdrop's failures on the <see cref="HttpChannel"/>: an error answer is classified on the cmsuser_provision
/// module's <c>code</c> (<see cref="BackdropErrors.FromResponse"/>), and only its <c>not_found</c> means "no such account".
/// </summary>
internal sealed class BackdropAnswerClassifier() : CmsAnswerClassifier(BackdropErrors.Cms, BackdropErrors.Cms)
{
    /// <inheritdoc />
    protected override string UnreadableHint => "enable the cmsuser_provision module and check CmsUser:Backdrop:BaseUrl and PathPrefix.";

    /// <inheritdoc />
    public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) =>
        BackdropErrors.FromResponse((HttpStatusCode)answer.Status, answer.MediaType, answer.Body, call.IsCreate);

    /// <inheritdoc />
    public override bool IsNotFound(HttpCall call, HttpAnswer answer) =>
        answer.Status == 404 && BackdropErrors.TryParse(answer.MediaType, answer.Body)?.Code == "not_found";
}

/// <summary>Turns a cmsuser_provision error answer into a <see cref="CmsProviderException"/>, classified on its <c>code</c>.</summary>
internal static class BackdropErrors
{
    internal const string Cms = "Backdrop";

    /// <summary>Classifies an answer that is not a success.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="mediaType">The response content type, if any.</param>
    /// <param name="body">The response body.</param>
    /// <param name="isCreate">Whether the request was an account creation (a server failure then leaves the outcome unknown).</param>
    public static CmsProviderException FromResponse(HttpStatusCode status, string? mediaType, string body, bool isCreate)
    {
        var code = (int)status;
        var error = TryParse(mediaType, body);
        var serverMessage = error?.Message ?? HttpEndpointGuard.Excerpt(body, 200);
        var (reason, message) = Classify(code, error, serverMessage, isCreate);
        return new CmsProviderException(Cms, reason, message, statusCode: code, errorCode: error?.Code);
    }

    /// <summary>The error object, or <see langword="null"/> when the body is not the module's JSON (an HTML page, a proxy error).</summary>
    internal static BackdropError? TryParse(string? mediaType, string body)
    {
        if (mediaType is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            var error = JsonSerializer.Deserialize(body, BackdropJsonContext.Default.BackdropError);
            return string.IsNullOrEmpty(error?.Code) ? null : error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (CmsErrorReason Reason, string Message) Classify(int status, BackdropError? error, string serverMessage, bool isCreate)
    {
        switch (error?.Code)
        {
            case "duplicate_name": return (CmsErrorReason.DuplicateUsername, $"Backdrop: the username is already taken ({serverMessage}).");
            case "duplicate_mail": return (CmsErrorReason.DuplicateEmail, $"Backdrop: the email address is already used by another account ({serverMessage}).");
            case "invalid_name": return (CmsErrorReason.InvalidUsername, $"Backdrop refused the username: {serverMessage}");
            case "invalid_mail": return (CmsErrorReason.InvalidEmail, $"Backdrop refused the email address: {serverMessage}");
            case "unknown_role": return (CmsErrorReason.UnknownRole, $"Backdrop: {serverMessage} Check the role machine names at admin/config/people/roles.");
            case "invalid_field" when error.Field == "language": return (CmsErrorReason.UnknownLanguage, $"Backdrop has no such language enabled: {serverMessage}");
            case "invalid_field": return (CmsErrorReason.InvalidData, $"Backdrop refused the value of '{error.Field}': {serverMessage}");
            case "account_blocked": return (CmsErrorReason.InvalidData, $"Backdrop: {serverMessage}");
            case "not_found": return (CmsErrorReason.NotFound, "Backdrop: there is no account with that user id.");
            case "unauthorized": return (CmsErrorReason.Authentication, AuthenticationMessage);
            case "https_required": return (CmsErrorReason.Permission, "Backdrop refused a plain http request (https_required). Use an https CmsUser:Backdrop:BaseUrl, or tick \"Allow plain http\" at admin/config/people/cmsuser-provision for a trusted network.");
            case "forbidden": return (CmsErrorReason.Permission, "Backdrop: the acting user of the cmsuser_provision module is missing, blocked or lacks the \"administer users\" permission. Choose an active account with that permission at admin/config/people/cmsuser-provision.");
            case "busy": return (CmsErrorReason.Unavailable, $"Backdrop: another request was creating an account with the same email address or username at that moment, so nothing was created; a later attempt can simply retry (module 1.2.1 busy: {serverMessage})");
            case "mail_failed": return (CmsErrorReason.Unavailable, "Backdrop could not send the email (mail_failed); check the site's mail system.");
            case "no_route" or "method_not_allowed" or "invalid_json" or "invalid_query" or "unsupported_media_type":
                return (CmsErrorReason.UnexpectedResponse, $"Backdrop's cmsuser_provision module did not accept the request ({error.Code}: {serverMessage}). Update the module and Skvare.CmsUser to matching versions.");
        }

        // No module error code: classify on the status, and name the likely setup problem.
        return status switch
        {
            401 => (CmsErrorReason.Authentication, AuthenticationMessage),
            403 => (CmsErrorReason.Permission, $"Backdrop refused the request (HTTP 403) without a cmsuser_provision error code; something in front of the module (web server, firewall) blocks it. Body: {serverMessage}"),
            404 => (CmsErrorReason.UnexpectedResponse, $"Backdrop has no provisioning API at CmsUser:Backdrop:BaseUrl + PathPrefix (HTTP 404 page). Enable the cmsuser_provision module on the site and check the two settings. Body: {serverMessage}"),
            429 => (CmsErrorReason.Throttled, "Backdrop asked us to slow down (HTTP 429)."),
            >= 500 when isCreate => (CmsErrorReason.UnknownOutcome, $"Backdrop failed while creating the account (HTTP {status}); it may exist now, and it is looked up by email before any new try. Body: {serverMessage}"),
            >= 500 => (CmsErrorReason.Unavailable, $"Backdrop failed (HTTP {status}). Body: {serverMessage}"),
            _ => (CmsErrorReason.UnexpectedResponse, $"Backdrop answered HTTP {status}, which the cmsuser_provision contract does not define. Body: {serverMessage}"),
        };
    }

    private const string AuthenticationMessage =
        "Backdrop refused the shared secret (401 unauthorized). Set CmsUser:Backdrop:Secret to the secret generated at admin/config/people/cmsuser-provision on the site.";
}
