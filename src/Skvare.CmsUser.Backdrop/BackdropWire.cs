using System.Text.Json.Serialization;

namespace Skvare.CmsUser.Backdrop;

// The cmsuser_provision wire model (docs/cms-backdrop.md, "Route contract").

internal sealed record BackdropCreateUserRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mail")] string Mail,
    [property: JsonPropertyName("pass"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Pass,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("notify")] string Notify,
    [property: JsonPropertyName("language"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Language,
    [property: JsonPropertyName("fields")] IReadOnlyDictionary<string, string> Fields);

internal sealed record BackdropUser(
    [property: JsonPropertyName("uid")] long Uid,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("mail")] string? Mail,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("roles")] IReadOnlyList<string>? Roles,
    [property: JsonPropertyName("mail_sent")] bool? MailSent);

internal sealed record BackdropUserList([property: JsonPropertyName("users")] IReadOnlyList<BackdropUser>? Users);

internal sealed record BackdropError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("field")] string? Field);

internal sealed record BackdropAddRolesRequest([property: JsonPropertyName("add")] IReadOnlyCollection<string> Add);

internal sealed record BackdropRemoveRolesRequest([property: JsonPropertyName("remove")] IReadOnlyCollection<string> Remove);

internal sealed record BackdropMailRequest([property: JsonPropertyName("op")] string Op);

internal sealed record BackdropMailResult([property: JsonPropertyName("sent")] bool Sent);

internal sealed record BackdropLoginLink([property: JsonPropertyName("url")] string? Url);

internal sealed record BackdropStatus(
    [property: JsonPropertyName("module")] string? Module,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("backdrop")] string? Backdrop,
    [property: JsonPropertyName("acting_uid")] long? ActingUid);

[JsonSerializable(typeof(BackdropCreateUserRequest))]
[JsonSerializable(typeof(BackdropUser))]
[JsonSerializable(typeof(BackdropUserList))]
[JsonSerializable(typeof(BackdropError))]
[JsonSerializable(typeof(BackdropAddRolesRequest))]
[JsonSerializable(typeof(BackdropRemoveRolesRequest))]
[JsonSerializable(typeof(BackdropMailRequest))]
[JsonSerializable(typeof(BackdropMailResult))]
[JsonSerializable(typeof(BackdropLoginLink))]
[JsonSerializable(typeof(BackdropStatus))]
internal sealed partial class BackdropJsonContext : JsonSerializerContext
{
}
