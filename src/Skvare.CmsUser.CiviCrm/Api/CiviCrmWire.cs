using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// The API v4 answer envelope, success or error. Every member is read as it came (any JSON kind), so an answer whose
/// <c>error_message</c> is a number or an object is still read and reported for what it is, not as "not CiviCRM".
/// </summary>
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
    public JsonElement ErrorMessage { get; set; }

    [JsonPropertyName("error_id")]
    public JsonElement ErrorId { get; set; }

    [JsonPropertyName("status_message")]
    public JsonElement StatusMessage { get; set; }
}

[JsonSerializable(typeof(Api4Envelope))]
internal sealed partial class CiviCrmJsonContext : JsonSerializerContext;
