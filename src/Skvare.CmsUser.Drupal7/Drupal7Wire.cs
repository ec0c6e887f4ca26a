using System.Text.Json.Serialization;

namespace Skvare.CmsUser.Drupal7;

// Fixed-shape Services 3.x messages (docs/cms-drupal7.md). Users are read as JsonNode: Services returns
// ids and flags as strings ("5", "1") and roles as an object keyed by rid.

internal sealed record Drupal7LoginRequest(
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password);

internal sealed record Drupal7LoginResponse(
    [property: JsonPropertyName("sessid")] string? SessionId,
    [property: JsonPropertyName("session_name")] string? SessionName,
    [property: JsonPropertyName("token")] string? Token);

[JsonSerializable(typeof(Drupal7LoginRequest))]
[JsonSerializable(typeof(Drupal7LoginResponse))]
internal sealed partial class Drupal7JsonContext : JsonSerializerContext
{
}
