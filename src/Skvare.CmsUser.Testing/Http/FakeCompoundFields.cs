using System.Globalization;
using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Testing.Http;

/// <summary>A Drupal-family fake's field of several properties, kept in a user's fields as <c>field[item][property]</c>.</summary>
internal static class FakeCompoundFields
{
    /// <summary>The field's items as the site answers them: every property of each item, null where unset; null without items.</summary>
    public static JsonArray? Items(IReadOnlyDictionary<string, string> fields, string field, string[] properties)
    {
        var items = fields.Keys.Where(k => k.StartsWith(field + "[", StringComparison.Ordinal))
            .Select(k => int.Parse(k[(field.Length + 1)..k.IndexOf(']', StringComparison.Ordinal)], CultureInfo.InvariantCulture)).Distinct().Order()
            .Select(i => (JsonNode?)new JsonObject(properties.Select(p => KeyValuePair.Create(p, (JsonNode?)(fields.TryGetValue(Key(field, i, p), out var v) ? JsonValue.Create(v) : null)))))
            .ToArray();
        return items.Length == 0 ? null : new JsonArray(items);
    }

    /// <summary>The key of one property of one item (<c>field_address[0][locality]</c>).</summary>
    public static string Key(string field, int item, string property) => $"{field}[{item.ToString(CultureInfo.InvariantCulture)}][{property}]";

    /// <summary>The user's plain fields (not the properties of a field of several).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Plain(IReadOnlyDictionary<string, string> fields) =>
        fields.Where(f => !f.Key.Contains('[', StringComparison.Ordinal));
}
