using System.Text.Json;
using System.Text.Json.Serialization;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// The webhook's answer for one contact. <see cref="AccessRestored"/> is always written, as in <c>cmsuser run --json</c>:
/// true when a deprovisioned account was given back (<see cref="ProvisioningOutcome.AccessRestored"/>).
/// </summary>
internal sealed record WebhookResponse(
    [property: JsonPropertyName("contactId")] long ContactId,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("rule")] string? Rule,
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("cmsUserId")] long? CmsUserId,
    [property: JsonPropertyName("attempt")] int? Attempt,
    [property: JsonPropertyName("accessRestored")] bool AccessRestored,
    [property: JsonPropertyName("error")] WebhookError? Error,
    [property: JsonPropertyName("loginLink")] string? LoginLink,
    [property: JsonPropertyName("eventId")] string? EventId)
{
    /// <summary>Why the login link the request asked for was not issued; absent when one was issued or none was asked for.</summary>
    [JsonPropertyName("loginLinkWithheld")]
    public WebhookLinkWithheld? LoginLinkWithheld { get; init; }
}

/// <summary>
/// Why a login link that was asked for was not issued: the stable <see cref="LoginLinkWithheldReason"/> name and one
/// sentence (never a secret, never the link).
/// </summary>
internal sealed record WebhookLinkWithheld(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("message")] string Message);

/// <summary>An error in a webhook answer.</summary>
internal sealed record WebhookError(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

/// <summary>A refusal before provisioning (bad signature, bad body).</summary>
internal sealed record WebhookRefusal(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(WebhookRefusal))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the answers are written with: names and messages as written (<c>O'Brien</c>, <c>Zoë</c>, <c>李小龙</c>,
    /// not <c>O\u0027Brien</c>), so an answer read with curl or in a log is readable, while control, bidi and invisible
    /// characters stay escaped (<see cref="ReadableJsonEncoder"/>). The body is <c>application/json</c>, never HTML.
    /// </summary>
    public static WebhookJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = ReadableJsonEncoder.Instance,
    });
}
