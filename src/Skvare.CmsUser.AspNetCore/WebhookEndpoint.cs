using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// Handles <c>POST</c> requests from CiviCRM: checks the size, the timestamp and the HMAC signature,
/// refuses replays (keyed on the verified MAC), reads the body (<see cref="WebhookRequest"/>) and
/// provisions the contact at once. Every status and error code it sends is listed in docs/webhook.md. With several
/// sites (<c>CmsUser:Sites</c>) each site's route uses that site's services: its secret, replay store, rules and provisioner.
/// </summary>
internal static class WebhookEndpoint
{
    private const string ReplayKeyPrefix = "skvare-cmsuser:webhook:mac:";

    /// <summary>The route parameter that names the site (<c>MapCmsUserSiteWebhooks</c>).</summary>
    public const string SiteParameter = "site";

    /// <summary>The single-site webhook: the application's own options, replay store and provisioner.</summary>
    public static Task HandleAsync(HttpContext context) =>
        HandleAsync(context, context.RequestServices, static services => services.GetRequiredService<IUserProvisioner>());

    /// <summary>
    /// The webhook of the site named by the route: that site's options (its secret), replay store, rules and
    /// provisioner. A name that is no site, or a site that did not add the webhook, is 404 <c>unknown_site</c>.
    /// </summary>
    public static async Task HandleSiteAsync(HttpContext context)
    {
        var sites = context.RequestServices.GetRequiredService<ICmsUserSites>();
        var requested = context.Request.RouteValues[SiteParameter] as string;
        var site = requested is null ? null : sites.Names.FirstOrDefault(n => string.Equals(n, requested, StringComparison.OrdinalIgnoreCase));
        var services = site is null ? null : sites.GetServices(site);
        if (services?.GetService<IWebhookReplayStore>() is null)
        {
            // Checked before the signature (each site has its own secret); configured names are not listed to callers.
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Skvare.CmsUser.AspNetCore.Webhook");
            var shown = requested is { Length: > 0 and <= 64 } && requested.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? requested : "(not shown)";
            await RefuseAsync(context, logger, StatusCodes.Status404NotFound, CmsUserErrorCodes.UnknownSite, $"No site named '{shown}' receives webhooks here.").ConfigureAwait(false);
            return;
        }

        var siteLogger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Skvare.CmsUser.AspNetCore.Webhook");
        using (siteLogger.BeginScope(new KeyValuePair<string, object?>[] { new(SiteParameter, site) }))
        {
            await HandleAsync(context, services, _ => sites.GetProvisioner(site!)).ConfigureAwait(false);
        }
    }

    private static async Task HandleAsync(HttpContext context, IServiceProvider services, Func<IServiceProvider, IUserProvisioner> provisioner)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Skvare.CmsUser.AspNetCore.Webhook");
        try
        {
            await HandleCoreAsync(context, services, provisioner, logger).ConfigureAwait(false);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The caller hung up (while sending the body, or before the answer was written): nobody reads an answer.
            Log.CallerLeft(logger, context.Connection.RemoteIpAddress?.ToString());
        }
    }

    private static async Task HandleCoreAsync(HttpContext context, IServiceProvider services, Func<IServiceProvider, IUserProvisioner> provisioner, ILogger logger)
    {
        var options = services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var aborted = context.RequestAborted;
        var started = time.GetTimestamp();

        var (body, unreadable) = await ReadBodyAsync(context.Request, options.MaxBodyBytes, aborted).ConfigureAwait(false);
        if (unreadable is not null)
        {
            // The server refused the body while it arrived (it ended before its Content-Length, came too slowly, or
            // exceeded the server's own request size limit): the caller's fault, answered with the server's 4xx.
            var tooLarge = unreadable.StatusCode == StatusCodes.Status413PayloadTooLarge;
            await RefuseAsync(
                context,
                logger,
                unreadable.StatusCode is >= 400 and < 500 ? unreadable.StatusCode : StatusCodes.Status400BadRequest,
                tooLarge ? CmsUserErrorCodes.BodyTooLarge : CmsUserErrorCodes.InvalidBody,
                tooLarge ? "The body is larger than the server accepts." : "The body could not be read: it ended before its Content-Length or arrived too slowly.").ConfigureAwait(false);
            return;
        }

        if (body is null)
        {
            await RefuseAsync(context, logger, StatusCodes.Status413PayloadTooLarge, CmsUserErrorCodes.BodyTooLarge, $"The body is larger than {options.MaxBodyBytes} bytes.").ConfigureAwait(false);
            return;
        }

        var timestamps = context.Request.Headers[WebhookSignature.TimestampHeader];
        if (timestamps.Count > 1)
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, CmsUserErrorCodes.MissingTimestamp, $"{WebhookSignature.TimestampHeader} was sent {timestamps.Count} times; send it once.").ConfigureAwait(false);
            return;
        }

        if (!long.TryParse(timestamps.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, CmsUserErrorCodes.MissingTimestamp, $"Send the Unix time in whole seconds (digits only) in {WebhookSignature.TimestampHeader}.").ConfigureAwait(false);
            return;
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(timestamp, 0, 253402300799));
        if ((time.GetUtcNow() - sentAt).Duration() > options.MaxClockSkew)
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, CmsUserErrorCodes.StaleTimestamp, $"The timestamp is more than {options.MaxClockSkew} before or after the server clock.").ConfigureAwait(false);
            return;
        }

        var signatures = context.Request.Headers[WebhookSignature.SignatureHeader];
        if (signatures.Count > 1)
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, CmsUserErrorCodes.InvalidSignature, $"{WebhookSignature.SignatureHeader} was sent {signatures.Count} times; send it once.").ConfigureAwait(false);
            return;
        }

        if (!WebhookSignature.TryVerify(options.Secret, timestamp, body, signatures.ToString(), out var mac))
        {
            await RefuseAsync(context, logger, StatusCodes.Status401Unauthorized, CmsUserErrorCodes.InvalidSignature, $"{WebhookSignature.SignatureHeader} is missing or does not match the body and timestamp for the configured secret.").ConfigureAwait(false);
            return;
        }

        bool first;
        try
        {
            // The key is the MAC itself, so every spelling of one signature (hex case, whitespace) is one request.
            // A request is valid for MaxClockSkew either side of now: remembering it twice that long outlives it.
            first = await services.GetRequiredService<IWebhookReplayStore>()
                .TryRecordAsync(ReplayKeyPrefix + Convert.ToHexStringLower(mac), options.MaxClockSkew * 2, aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            Log.ReplayStoreFailed(logger, ex);
            await RefuseAsync(context, logger, StatusCodes.Status503ServiceUnavailable, CmsUserErrorCodes.ReplayStoreUnavailable, "The replay store cannot be reached; send the request again later.").ConfigureAwait(false);
            return;
        }

        if (!first)
        {
            await RefuseAsync(context, logger, StatusCodes.Status409Conflict, CmsUserErrorCodes.Replayed, "This signed request was already received.").ConfigureAwait(false);
            return;
        }

        if (!WebhookRequest.TryParse(body, out var request, out var problem))
        {
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, CmsUserErrorCodes.InvalidBody, problem).ConfigureAwait(false);
            return;
        }

        var rules = services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules;
        if (request.Rule is { } ruleName && !rules.Any(r => string.Equals(r.DisplayName, ruleName, StringComparison.OrdinalIgnoreCase)))
        {
            var known = rules.Count == 0 ? "none are configured" : "known rules: " + string.Join(", ", rules.Select(r => r.DisplayName));
            var shown = Printable(ruleName);
            await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, CmsUserErrorCodes.InvalidBody, $"No rule is named '{shown}' ({known}).").ConfigureAwait(false);
            return;
        }

        if (request.IncludeLoginLink && !options.AllowLoginLinks)
        {
            await RefuseAsync(context, logger, StatusCodes.Status403Forbidden, CmsUserErrorCodes.LoginLinksDisabled, "Login links are turned off (CmsUser:Webhook:AllowLoginLinks).").ConfigureAwait(false);
            return;
        }

        ProvisioningOutcome outcome;
        int status;
        if (rules.Count == 0)
        {
            (outcome, status) = Unrecorded(request, FailureKind.Configuration, CmsUserErrorCodes.NoRules, "No provisioning rules are configured (CmsUser:Rules).", StatusCodes.Status500InternalServerError);
        }
        else
        {
            try
            {
                outcome = await provisioner(services)
                    .ProvisionAsync(request.ContactId, new OnDemandOptions { Rule = request.Rule, IncludeLoginLink = request.IncludeLoginLink }, aborted)
                    .ConfigureAwait(false);
                status = StatusOf(outcome.Error);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The caller hung up (e.g. its timeout, shorter than a slow server's answer); nobody reads an answer. It sends
                // again (new timestamp) if it still cares. The log names the contact left unfinished.
                Log.CallerLeftWhileProvisioning(logger, context.Connection.RemoteIpAddress?.ToString(), request.ContactId, request.EventId);
                return;
            }
            catch (Exception ex)
            {
                (outcome, status) = FromException(request, ex);
                Log.ProvisioningThrew(logger, request.ContactId, request.EventId, status, outcome.Error!.Code, ex);
            }
        }

        Log.Provisioned(logger, outcome.ContactId, request.EventId, outcome.Kind, outcome.AccessRestored, time.GetElapsedTime(started));
        context.Response.StatusCode = status;
        var response = new WebhookResponse(
            outcome.ContactId, outcome.Kind.ToString(), outcome.Rule, outcome.Username, outcome.CmsUserId, outcome.Attempt, outcome.AccessRestored,
            outcome.Error is { } e ? new WebhookError(e.Kind.ToString(), e.Code, e.Message) : null,
            outcome.LoginLink?.ToString(), request.EventId)
        {
            LoginLinkWithheld = WithheldOf(request, outcome),
        };
        await context.Response.WriteAsJsonAsync(response, WebhookJsonContext.Readable.WebhookResponse, cancellationToken: aborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Why the link the request asked for is not in the answer, or <see langword="null"/> when it is there or none was asked
    /// for. An outcome the provisioner did not make (it threw, or no rule is configured) carries no reason of its own: the
    /// call did not end with an account.
    /// </summary>
    internal static WebhookLinkWithheld? WithheldOf(WebhookRequest request, ProvisioningOutcome outcome)
    {
        if (!request.IncludeLoginLink || outcome.LoginLink is not null)
        {
            return null;
        }

        return outcome.LoginLinkWithheldReason is { } reason
            ? new WebhookLinkWithheld(reason.ToString(), string.IsNullOrWhiteSpace(outcome.LoginLinkWithheld) ? "No login link was issued." : outcome.LoginLinkWithheld)
            : new WebhookLinkWithheld(nameof(LoginLinkWithheldReason.NotProvisioned), $"The call did not end with an account to log in to (outcome {outcome.Kind}{(outcome.Error is { } e ? ", " + e.Code : "")}), so no login link was made.");
    }

    /// <summary>
    /// The status for an outcome: a transient failure asks the caller to retry, a setup problem is the server's, a contact
    /// whose attempts are used up is refused (422: sending again will not help until someone fixes the cause).
    /// </summary>
    internal static int StatusOf(ProvisioningError? error) => error switch
    {
        { Kind: FailureKind.Transient } => StatusCodes.Status503ServiceUnavailable,
        { Kind: FailureKind.Configuration } => StatusCodes.Status500InternalServerError,
        { Code: CmsUserErrorCodes.InternalError } => StatusCodes.Status500InternalServerError,
        { Code: CmsUserErrorCodes.AttemptsUsedUp } => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status200OK,
    };

    /// <summary>
    /// An exception escaping the provisioner means nothing was recorded for the contact. Server failures
    /// (CiviCRM or the CMS down, timeouts) ask for a retry; anything else is the server's fault. Messages
    /// of exceptions that are not ours are not sent: they may name .NET internals.
    /// </summary>
    internal static (ProvisioningOutcome Outcome, int Status) FromException(WebhookRequest request, Exception exception) => exception switch
    {
        CmsUserException { Kind: FailureKind.Transient } ex =>
            Unrecorded(request, FailureKind.Transient, CmsUserErrorCodes.For(ex), ex.Message, StatusCodes.Status503ServiceUnavailable),
        CmsUserException ex =>
            Unrecorded(request, ex.Kind, CmsUserErrorCodes.For(ex), ex.Message, StatusCodes.Status500InternalServerError),
        HttpRequestException or TimeoutException or OperationCanceledException or IOException =>
            Unrecorded(request, FailureKind.Transient, CmsUserErrorCodes.Unavailable, "CiviCRM or the CMS could not be reached in time; send the request again later.", StatusCodes.Status503ServiceUnavailable),
        _ => Unrecorded(request, null, CmsUserErrorCodes.InternalError, "The provisioner failed unexpectedly; the server log has the details (event 4002).", StatusCodes.Status500InternalServerError),
    };

    private static (ProvisioningOutcome, int) Unrecorded(WebhookRequest request, FailureKind? kind, string code, string message, int status) =>
        (new ProvisioningOutcome
        {
            ContactId = request.ContactId,
            Kind = OutcomeKind.Failed,
            Rule = request.Rule,
            Error = new ProvisioningError(kind ?? FailureKind.Permanent, code, message),
        }, status);

    /// <summary>
    /// Caller text echoed in an answer and the log: control, format (bidirectional overrides, zero-width) and
    /// line-separator characters become <c>?</c>, so it cannot forge log lines or reorder what an admin reads.
    /// </summary>
    internal static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator ? '?' : c));

    /// <summary>
    /// Reads the body up to <paramref name="max"/> bytes: the bytes, or no bytes when it is larger, or the server's
    /// refusal of a body that did not arrive whole (Kestrel's <see cref="BadHttpRequestException"/>).
    /// </summary>
    private static async Task<(byte[]? Body, BadHttpRequestException? Unreadable)> ReadBodyAsync(HttpRequest request, int max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max)
        {
            return (null, null);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    return (null, null);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (null, ex);
        }

        return (buffer.ToArray(), null);
    }

    private static Task RefuseAsync(HttpContext context, ILogger logger, int status, string error, string message)
    {
        Log.Refused(logger, error, context.Connection.RemoteIpAddress?.ToString(), message);
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new WebhookRefusal(error, message), WebhookJsonContext.Readable.WebhookRefusal, cancellationToken: context.RequestAborted);
    }
}
