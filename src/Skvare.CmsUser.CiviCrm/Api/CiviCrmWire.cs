using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>The API v4 answer envelope, success or error.</summary>
internal sealed class Api4Envelope
{
    [JsonPropertyName("values")]
    public JsonElement Values { get; set; }

    [JsonPropertyName("count")]
    public JsonElement Count { get; set; }

    [JsonPropertyName("countMatched")]
    public JsonElement CountMatched { get; set; }

    [JsonPropertyName("error_code")]
    public JsonElement ErrorCode { get; set; }

    [JsonPropertyName("error_message")]
    public string? ErrorMessage { get; set; }

    [JsonPropertyName("error_id")]
    public string? ErrorId { get; set; }

    [JsonPropertyName("status_message")]
    public string? StatusMessage { get; set; }
}

[JsonSerializable(typeof(Api4Envelope))]
internal sealed partial class CiviCrmJsonContext : JsonSerializerContext;
