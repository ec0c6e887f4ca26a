using System.Text.Json.Serialization;

namespace Skvare.CmsUser.WordPress;

/// <summary>A user as the REST API renders it with <c>context=edit</c> (only the members the provider reads).</summary>
internal sealed class WpUser
{
    [JsonPropertyName("id")]
    public long Id { get; set; }

    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("email")]
    public string? Email { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("roles")]
    public List<string>? Roles { get; set; }

    [JsonPropertyName("capabilities")]
    public Dictionary<string, bool>? Capabilities { get; set; }

    /// <summary>When the user registered, ISO 8601 with an offset (<c>context=edit</c>; the companion plugin's look-up from 0.2.3).</summary>
    [JsonPropertyName("registered_date")]
    public string? RegisteredDate { get; set; }
}

/// <summary>The body of <c>POST /wp/v2/users</c>; null members are left out.</summary>
internal sealed class WpCreateUser
{
    [JsonPropertyName("username")]
    public required string Username { get; set; }

    [JsonPropertyName("email")]
    public required string Email { get; set; }

    [JsonPropertyName("password")]
    public required string Password { get; set; }

    [JsonPropertyName("first_name")]
    public string? FirstName { get; set; }

    [JsonPropertyName("last_name")]
    public string? LastName { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("nickname")]
    public string? Nickname { get; set; }

    [JsonPropertyName("url")]
    public string? Url { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("locale")]
    public string? Locale { get; set; }

    [JsonPropertyName("roles")]
    public List<string>? Roles { get; set; }

    [JsonPropertyName("meta")]
    public Dictionary<string, string>? Meta { get; set; }
}

/// <summary>The body of a roles update (the list replaces the user's roles).</summary>
internal sealed class WpSetRoles
{
    [JsonPropertyName("roles")]
    public required List<string> Roles { get; set; }
}

/// <summary>The companion plugin's answers.</summary>
internal sealed class WpCompanionAnswer
{
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [JsonPropertyName("url")]
    public string? Url { get; set; }

    [JsonPropertyName("sent")]
    public bool? Sent { get; set; }
}

/// <summary>The body of the companion plugin's <c>users/lookup</c>: emails, and username prefixes.</summary>
internal sealed class WpLookup
{
    [JsonPropertyName("emails")]
    public required List<string> Emails { get; set; }

    [JsonPropertyName("usernames")]
    public required List<string> Usernames { get; set; }
}

/// <summary>The companion plugin's <c>users/lookup</c> answer.</summary>
internal sealed class WpLookupAnswer
{
    [JsonPropertyName("users")]
    public List<WpUser>? Users { get; set; }

    [JsonPropertyName("truncated")]
    public bool Truncated { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WpUser))]
[JsonSerializable(typeof(List<WpUser>))]
[JsonSerializable(typeof(WpCreateUser))]
[JsonSerializable(typeof(WpSetRoles))]
[JsonSerializable(typeof(WpCompanionAnswer))]
[JsonSerializable(typeof(WpLookup))]
[JsonSerializable(typeof(WpLookupAnswer))]
internal sealed partial class WordPressJsonContext : JsonSerializerContext;
