using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// The mapped fields of a new account as the Drupal family's field API takes them: a plain field's value as the item's
/// <c>value</c>, the parts of a compound field (<c>field_address[0][locality]</c>) as properties of its items
/// (<c>[{"locality": "Porto", "country_code": "PT"}]</c>), items in the order of their numbers.
/// </summary>
internal static class DrupalFieldItems
{
    /// <summary>The items of each mapped field, with the language a Drupal 7 key named (<c>[und][0][locality]</c>), if any.</summary>
    /// <param name="fields">The mapped fields (key → value), keys as <see cref="CmsFieldKey"/> reads them (checked at start).</param>
    /// <param name="languageFirst">Whether a first part that is not a number, followed by one, is the field's language (Drupal 7).</param>
    public static IEnumerable<(string Field, string? Language, JsonArray Items)> Build(IReadOnlyDictionary<string, string> fields, bool languageFirst)
    {
        var byField = new Dictionary<string, (string? Language, SortedDictionary<int, JsonObject> Items)>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            var parsed = CmsFieldKey.Parse(key);
            string? language = null;
            if (languageFirst && parsed.Parts.Count >= 2 && !IsNumber(parsed.Parts[0]) && IsNumber(parsed.Parts[1]))
            {
                language = parsed.Parts[0];
                parsed = CmsFieldKey.Parse(parsed.Field + string.Concat(parsed.Parts.Skip(1).Select(p => "[" + p + "]")));
            }

            var (item, path) = parsed.ItemPath();
            if (!byField.TryGetValue(parsed.Field, out var entry))
            {
                byField[parsed.Field] = entry = (language, new SortedDictionary<int, JsonObject>());
            }

            if (!entry.Items.TryGetValue(item, out var node))
            {
                entry.Items[item] = node = new JsonObject();
            }

            for (var i = 0; i < path.Count - 1; i++)
            {
                if (node[path[i]] is not JsonObject inner)
                {
                    node[path[i]] = inner = new JsonObject();
                }

                node = inner;
            }

            node[path[^1]] = value;
        }

        return byField.Select(f => (f.Key, f.Value.Language, new JsonArray([.. f.Value.Items.Values])));
    }

    private static bool IsNumber(string part) => part.Length > 0 && part.All(char.IsAsciiDigit);
}
