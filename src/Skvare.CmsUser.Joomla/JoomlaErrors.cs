using System.Text.Json;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Joomla;

/// <summary>
/// Joomla's failures on the <see cref="HttpChannel"/>. The Web Services API answers errors as
/// <c>{"errors":[{"title": …}]}</c>; the title text (English, not translated) tells duplicates and invalid values apart.
/// </summary>
internal sealed class JoomlaAnswerClassifier(string apiPath) : CmsAnswerClassifier(JoomlaErrors.Cms, JoomlaErrors.Cms)
{
    /// <inheritdoc />
    protected override string UnreadableHint => "check CmsUser:Joomla:BaseUrl and ApiPath, and that the \"Web Services - Users\" plugin is enabled.";

    /// <summary>A missing user is a 404 with a JSON:API error; an HTML or empty 404 means the API is not there.</summary>
    public override bool IsNotFound(HttpCall call, HttpAnswer answer) => answer.Status == 404 && answer.Body.TrimStart().StartsWith('{');

    /// <inheritdoc />
    public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer)
    {
        var status = answer.Status;
        var title = ErrorTitle(answer.Body);
        if (status == 404 && call.Route.StartsWith("cmsuser/", StringComparison.Ordinal))
        {
            // The companion names the user in its 404; Joomla's router answers "Resource not found" when no plugin registered the route.
            return call.Route.StartsWith("cmsuser/users/", StringComparison.Ordinal) && title is not null && title.StartsWith("User ", StringComparison.Ordinal)
                ? new CmsProviderException(JoomlaErrors.Cms, CmsErrorReason.NotFound, $"There is no such Joomla user ({title}).", statusCode: 404, errorCode: title)
                : new CmsProviderException(JoomlaErrors.Cms, CmsErrorReason.Permission, $"The companion routes are missing (404 {title}): install integrations/joomla/pkg_cmsuser and enable the \"Web Services - CmsUser\" plugin, or set CmsUser:Joomla:UseCompanionPlugin to false.", statusCode: 404, errorCode: title);
        }

        var shown = title ?? HttpEndpointGuard.Excerpt(answer.Body, 200);
        // Joomla's own words (errors[0].title), named as Joomla's: a blank or odd body alone would not say who refused.
        var refused = $"Joomla refused the request (HTTP {status}): {shown}";
        var (reason, message) = status switch
        {
            400 when shown.Contains("Username in use", StringComparison.OrdinalIgnoreCase) => (CmsErrorReason.DuplicateUsername, refused),
            400 when shown.Contains("email address you entered is already in use", StringComparison.OrdinalIgnoreCase) => (CmsErrorReason.DuplicateEmail, refused),
            400 when shown.Contains("valid username", StringComparison.OrdinalIgnoreCase) => (CmsErrorReason.InvalidUsername, refused),
            400 when shown.Contains("Email", StringComparison.Ordinal) && (shown.Contains("Invalid field", StringComparison.Ordinal) || shown.Contains("invalid", StringComparison.OrdinalIgnoreCase)) => (CmsErrorReason.InvalidEmail, refused),
            400 when shown.Contains("user group", StringComparison.OrdinalIgnoreCase) => (CmsErrorReason.UnknownRole, refused),
            400 or 422 => (CmsErrorReason.InvalidData, refused),
            401 => (CmsErrorReason.Authentication, $"Joomla refused the API token (401 {shown}). Check CmsUser:Joomla:ApiToken, that the token user is a Super User (or in the token plugin's allowed groups), not blocked, has \"Web Services Login\" (core.login.api), and that the \"API Authentication - Web Services Joomla Token\" plugin is enabled."),
            403 => (CmsErrorReason.Permission, $"Joomla denied the request (403 {shown}): the token user needs core.create/core.edit on Users."),
            409 => (CmsErrorReason.InvalidData, refused),
            406 => (CmsErrorReason.UnexpectedResponse, $"Joomla refused the Accept header (406 {shown}); it only answers application/vnd.api+json."),
            404 => (CmsErrorReason.UnexpectedResponse, $"Joomla's users API was not found (404) at {apiPath}: enable the \"Web Services - Users\" plugin, and check CmsUser:Joomla:BaseUrl and ApiPath."),
            // pkg_cmsuser 0.1.1: another request held the email's or username's create lock past its wait, before core's create ran.
            503 when shown.Contains(JoomlaErrors.BusyMarker, StringComparison.Ordinal) => (CmsErrorReason.Unavailable, $"Joomla: another request was creating an account with the same email address or username at that moment, so nothing was created; a later attempt can simply retry ({shown})."),
            // pkg_cmsuser: the reset route answers 500 "The password reset email could not be sent…" when Joomla's mailer
            // fails; the site answered, so it is no outage (counted as an attempt, docs/reliability.md).
            500 when shown.Contains(JoomlaErrors.ResetMailMarker, StringComparison.Ordinal) => (CmsErrorReason.MailFailed, $"Joomla could not send the password reset email ({shown}); check its mail settings (System - Global Configuration - Server - Mail)."),
            >= 500 when call.IsCreate => (CmsErrorReason.UnknownOutcome, $"Joomla failed the create (HTTP {status}: {shown}); the user may exist."),
            >= 500 => (CmsErrorReason.Unavailable, $"Joomla failed (HTTP {status}: {shown})."),
            _ => (CmsErrorReason.UnexpectedResponse, $"Joomla answered HTTP {status}: {shown}"),
        };
        return new CmsProviderException(JoomlaErrors.Cms, reason, message, statusCode: status, errorCode: title);
    }

    private static string? ErrorTitle(string body)
    {
        try
        {
            // Any JSON may come back (a proxy's page, a plugin's rewrite): only errors[0].title as text is read.
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                && errors[0].ValueKind == JsonValueKind.Object && errors[0].TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String
                ? title.GetString()
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a title that is not valid UTF-16 text.
            return null;
        }
    }
}

/// <summary>Names shared by the Joomla provider and its classifier.</summary>
internal static class JoomlaErrors
{
    /// <summary>The provider's name.</summary>
    public const string Cms = "Joomla";

    /// <summary>The part of pkg_cmsuser 0.1.1's 503 error title that says its create lock stayed taken (its titles are not translated).</summary>
    public const string BusyMarker = "; nothing was created. Retry later.";

    /// <summary>The start of pkg_cmsuser's 500 error title when the reset email could not be sent (its titles are not translated).</summary>
    public const string ResetMailMarker = "The password reset email could not be sent";
}
