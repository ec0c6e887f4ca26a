using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Cli.Import;

/// <summary>
/// The settings of the reference extension <c>com.skvare.cmsuser</c> as CiviCRM stores them (<c>cmsuser_*</c>, saved by its
/// form with <c>Civi::settings()->set</c>: a select's id as text, a multi-select's ids as a list, a checkbox as
/// <c>"0"</c>/<c>"1"</c>, a cleared value as <c>false</c>), read over API v4.
/// </summary>
internal sealed class ExtensionSettings
{
    /// <summary>The extension's key.</summary>
    public const string ExtensionKey = "com.skvare.cmsuser";

    /// <summary>The <see cref="ExtensionStatus"/> when CiviCRM refused to say.</summary>
    public const string UnknownStatus = "unknown";

    /// <summary>The prefix of its settings.</summary>
    public const string Prefix = "cmsuser_";

    /// <summary>The settings its 1.6 form saves (the job and the post hook read the same names).</summary>
    public static IReadOnlyList<string> Known { get; } =
    [
        "cmsuser_pattern", "cmsuser_notify", "cmsuser_preferred_language", "cmsuser_create_immediately", "cmsuser_login_immediately",
        "cmsuser_allow_existing_user_login", "cmsuser_cms_roles", "cmsuser_block_roles_autologin", "cmsuser_user_fields",
        "cmsuser_group_create", "cmsuser_group_history", "cmsuser_group_reset", "cmsuser_tag_create", "cmsuser_tag_history", "cmsuser_tag_reset",
    ];

    private readonly IReadOnlyDictionary<string, JsonElement> _values;

    public ExtensionSettings(IReadOnlyDictionary<string, JsonElement> values, long? domainId, string? extensionStatus, IReadOnlyList<string>? unreadable = null)
    {
        _values = values;
        DomainId = domainId;
        ExtensionStatus = extensionStatus;
        Unreadable = unreadable ?? [];
    }

    /// <summary>
    /// The <c>cmsuser_*</c> settings stored with text that is not valid Unicode (an unpaired surrogate escape such as
    /// <c>\ud800</c>, which no PHP encoder writes): left out of <see cref="Values"/>, so none is read as something else.
    /// </summary>
    public IReadOnlyList<string> Unreadable { get; }

    /// <summary>The <c>cmsuser_*</c> settings stored, by name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Values => _values;

    /// <summary>The domain they were read from.</summary>
    public long? DomainId { get; }

    /// <summary>The extension's status on the site (<c>installed</c>, <c>disabled</c>, <c>uninstalled</c>, …), or <see langword="null"/> when CiviCRM does not know it.</summary>
    public string? ExtensionStatus { get; }

    /// <summary>
    /// Reads the settings of the current domain. <c>Setting.get</c> with these names in <c>select</c> is refused ("Unknown
    /// settings for domain 1: cmsuser_pattern", 500): the extension declares no setting metadata. Without <c>select</c> it
    /// answers every setting of the domain, the extension's among them; only <c>cmsuser_*</c> ones are kept (the others
    /// hold secrets of other extensions and are never printed). The extension's status comes from <c>Extension.get</c>.
    /// </summary>
    public static async Task<ExtensionSettings> ReadAsync(CiviCrmApiClient client, CancellationToken cancellationToken)
    {
        var settings = client.CallAsync("Setting", "get", new Api4Params(), cancellationToken);
        var extension = new Api4Params().WithSelect("key", "status").WithWhere(Api4Condition.Eq("key", ExtensionKey));
        var status = client.CallAsync("Extension", "get", extension, cancellationToken);
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var unreadable = new List<string>();
        long? domain = null;
        foreach (var row in (await settings.ConfigureAwait(false)).Values)
        {
            if (row.ValueKind == JsonValueKind.Object
                && row.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                && AsText(name) is { } text && text.StartsWith(Prefix, StringComparison.Ordinal)
                && row.TryGetProperty("value", out var value))
            {
                if (!IsReadable(value))
                {
                    unreadable.Add(text);
                    continue;
                }

                values[text] = value.Clone();
                if (row.TryGetProperty("domain_id", out var d) && d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var id))
                {
                    domain = id;
                }
            }
        }

        string? state;
        try
        {
            var rows = (await status.ConfigureAwait(false)).Values;
            var found = rows.Count > 0 ? rows[0] : default;
            state = found.ValueKind == JsonValueKind.Object && found.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? AsText(s) : null;
        }
        catch (CiviCrmApiException ex) when (ex.Kind != FailureKind.Transient)
        {
            // Only said in the messages: the settings were read, and they are what is imported.
            state = UnknownStatus;
        }

        return new ExtensionSettings(values, domain, state, unreadable);
    }

    /// <summary>Whether the setting is stored at all.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>A setting as PHP's <c>!empty()</c> reads it (how the extension tested its checkboxes); <see langword="null"/> when not stored.</summary>
    public bool? Flag(string name) => _values.TryGetValue(name, out var v) ? IsSet(v) : null;

    /// <summary>The setting as one text (a select, a text field); <see langword="null"/> when not stored, cleared or empty.</summary>
    public string? Text(string name) =>
        _values.TryGetValue(name, out var v) ? Scalar(v) is { Length: > 0 } text ? text : null : null;

    /// <summary>The setting as a list (a multi-select; a single select gives one entry); blank entries left out.</summary>
    public IReadOnlyList<string> List(string name)
    {
        if (!_values.TryGetValue(name, out var v))
        {
            return [];
        }

        IEnumerable<JsonElement> items = v.ValueKind switch
        {
            JsonValueKind.Array => v.EnumerateArray(),
            // A PHP array with keys of its own comes as an object: its values are the entries.
            JsonValueKind.Object => v.EnumerateObject().Select(p => p.Value),
            _ => [v],
        };
        return [.. items.Select(Scalar).OfType<string>().Where(t => t.Trim().Length > 0).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>PHP's <c>!empty()</c>: false for null, false, 0, "", "0" and an empty array.</summary>
    internal static bool IsSet(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.String => PhpTruth.IsTrue(value.GetString()),
        JsonValueKind.Number => value.TryGetDouble(out var d) && d != 0,
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.Object => value.EnumerateObject().Any(),
        _ => false,
    };

    /// <summary>A JSON string's text, or <see langword="null"/> for another kind or text that is not valid UTF-16 (which <see cref="JsonElement.GetString"/> refuses with an exception).</summary>
    private static string? AsText(JsonElement value)
    {
        try
        {
            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether every text in <paramref name="value"/> (member names included) is valid UTF-16.</summary>
    private static bool IsReadable(JsonElement value)
    {
        try
        {
            Read(value);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static void Read(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    _ = value.GetString();
                    break;
                case JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        Read(item);
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var member in value.EnumerateObject())
                    {
                        _ = member.Name;
                        Read(member.Value);
                    }

                    break;
            }
        }
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
        _ => null,
    };
}
