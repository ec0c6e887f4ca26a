using System.Text.Json.Serialization;

namespace Skvare.CmsUser.Drupal;

// Fixed-shape wire messages (docs/cms-drupal.md). User entities are read and written as JsonNode because
// their field names are site-specific (field_first_name, ...).

internal sealed record DrupalTokenResponse(
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn,
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken = null);

internal sealed record DrupalPasswordRequest([property: JsonPropertyName("mail")] string Mail);

internal sealed record DrupalLoginLink([property: JsonPropertyName("url")] string? Url);

internal sealed record DrupalNotifyResult([property: JsonPropertyName("sent")] bool? Sent);

internal sealed record DrupalCompanionStatus(
    [property: JsonPropertyName("module")] string? Module,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("drupal")] string? Drupal,
    [property: JsonPropertyName("uid")] long? Uid);

[JsonSerializable(typeof(DrupalTokenResponse))]
[JsonSerializable(typeof(DrupalPasswordRequest))]
[JsonSerializable(typeof(DrupalLoginLink))]
[JsonSerializable(typeof(DrupalNotifyResult))]
[JsonSerializable(typeof(DrupalCompanionStatus))]
internal sealed partial class DrupalJsonContext : JsonSerializerContext
{
}
