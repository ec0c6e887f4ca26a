using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// Handles <c>POST</c> requests from CiviCRM: checks the timestamp and the HMAC signature, refuses
/// replays, reads <c>{"contactId": 42}</c> (or <c>contact_id</c>, plus optional <c>rule</c> and
/// <c>includeLoginLink</c>) and provisions the contact at once.
/// </summary>
internal static class WebhookEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Skvare.CmsUser.AspNetCore.Webhook");
        var started = time.GetTimestamp();

        var body = await ReadBodyAsync(context.Request, options.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await RefuseAsync(context, logger, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body is larger than {options.MaxBodyBytes} bytes.").ConfigureAwait(false);
            return;
        }

        if (!long.TryParse(context.Request.Headers[WebhookSignature.TimestampHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, "missing_timestamp", $"Send the Unix time in {WebhookSignature.TimestampHeader}.").ConfigureAwait(false);
            return;
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(timestamp, 0, 253402300799));
        if ((time.GetUtcNow() - sentAt).Duration() > options.MaxClockSkew)
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, "stale_timestamp", $"The timestamp is more than {options.MaxClockSkew} away from the server clock.").ConfigureAwait(false);
            return;
        }

        string? signature = context.Request.Headers[WebhookSignature.SignatureHeader];
        if (!WebhookSignature.Verify(options.Secret, timestamp, body, signature))
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, "invalid_signature", $"{WebhookSignature.SignatureHeader} does not match the body and timestamp for the configured secret.").ConfigureAwait(false);
            return;
        }

        if (!services.GetRequiredService<ReplayGuard>().TryAccept(signature!, options.MaxClockSkew * 2))
        {
            await RefuseAsync(context, logger, StatusCodes.Status409Conflict, "replayed", "This signed request was already received.").ConfigureAwait(false);
            return;
        }

        if (!TryParse(body, out var contactId, out var rule, out var includeLoginLink, out var problem))
        {
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_body", problem).ConfigureAwait(false);
            return;
        }

        if (includeLoginLink && !options.AllowLoginLinks)
        {
            await RefuseAsync(context, logger, StatusCodes.Status403Forbidden, "login_links_disabled", "Login links are turned off (CmsUser:Webhook:AllowLoginLinks).").ConfigureAwait(false);
            return;
        }

        ProvisioningOutcome outcome;
        try
        {
            outcome = await services.GetRequiredService<IUserProvisioner>()
                .ProvisionAsync(contactId, new OnDemandOptions { Rule = rule, IncludeLoginLink = includeLoginLink }, context.RequestAborted)
                .ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_request", ex.Message).ConfigureAwait(false);
            return;
        }

        Log.Provisioned(logger, contactId, outcome.Kind, time.GetElapsedTime(started));
        context.Response.StatusCode = outcome.Error?.Kind switch
        {
            FailureKind.Transient => StatusCodes.Status503ServiceUnavailable,
            FailureKind.Configuration => StatusCodes.Status500InternalServerError,
            _ => StatusCodes.Status200OK,
        };
        var response = new WebhookResponse(
            outcome.ContactId, outcome.Kind.ToString(), outcome.Rule, outcome.Username, outcome.CmsUserId, outcome.Attempt,
            outcome.Error is { } e ? new WebhookError(e.Kind.ToString(), e.Code, e.Message) : null,
            outcome.LoginLink?.ToString());
        await context.Response.WriteAsJsonAsync(response, WebhookJsonContext.Default.WebhookResponse, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool TryParse(byte[] body, out long contactId, out string? rule, out bool includeLoginLink, out string problem)
    {
        contactId = 0;
        rule = null;
        includeLoginLink = false;
        problem = "";
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "The body must be a JSON object such as {\"contactId\": 42}.";
                return false;
            }

            var idElement = root.TryGetProperty("contactId", out var a) ? a : root.TryGetProperty("contact_id", out var b) ? b : default;
            var parsed = idElement.ValueKind switch
            {
                JsonValueKind.Number when idElement.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(idElement.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) => s,
                _ => 0,
            };
            if (parsed <= 0)
            {
                problem = "contactId (or contact_id) must be a positive contact id.";
                return false;
            }

            contactId = parsed;
            rule = root.TryGetProperty("rule", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            includeLoginLink = root.TryGetProperty("includeLoginLink", out var l) && l.ValueKind == JsonValueKind.True;
            return true;
        }
        catch (JsonException ex)
        {
            problem = $"The body is not valid JSON: {ex.Message}";
            return false;
        }
    }

    private static Task RefuseAsync(HttpContext context, ILogger logger, int status, string error, string message)
    {
        Log.Refused(logger, error, context.Connection.RemoteIpAddress?.ToString(), message);
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new WebhookRefusal(error, message), WebhookJsonContext.Default.WebhookRefusal, cancellationToken: context.RequestAborted);
    }
}
