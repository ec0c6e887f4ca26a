using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Cli.Import;

/// <summary>
/// Puts imported keys into a settings file by editing its text: every other byte stays as it was (comments, order, other
/// settings, layout), a key the file lacks is added at the end of its object, and one it has is replaced only when its
/// value differs. Objects (<c>LoginLinks</c>, <c>FieldMappings</c>) are merged key by key; lists and values replace.
/// Keys match as configuration matches them: case does not matter.
/// </summary>
internal static class SettingsFileMerge
{
    /// <summary>One key the merge adds or changes.</summary>
    /// <param name="Key">Its full key (<c>CmsUser:Rules</c>).</param>
    /// <param name="Before">Its value in the file (compact JSON), or <see langword="null"/> when the file lacks it.</param>
    /// <param name="After">The imported value (compact JSON).</param>
    public sealed record Change(string Key, string? Before, string After);

    private static readonly JsonDocumentOptions Reading = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = ReadableJsonEncoder.Instance };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = ReadableJsonEncoder.Instance };

    /// <summary>
    /// The file's text with <paramref name="section"/> merged into its <c>CmsUser</c> object, and what changed.
    /// <paramref name="existing"/> <see langword="null"/>: a new file holding only the section.
    /// </summary>
    /// <exception cref="JsonException">The file is not a JSON object (the settings reader would have refused it first).</exception>
    public static (string Text, IReadOnlyList<Change> Changes) Merge(string? existing, JsonObject section)
    {
        var changes = new List<Change>();
        if (existing is null)
        {
            var file = new JsonObject { [CmsUserOptions.SectionName] = section.DeepClone() };
            foreach (var (key, value) in section)
            {
                Added(changes, $"{CmsUserOptions.SectionName}:{key}", value);
            }

            return (file.ToJsonString(Indented) + "\n", changes);
        }

        var bom = existing.StartsWith('\uFEFF') ? "\uFEFF" : "";
        var bytes = Encoding.UTF8.GetBytes(existing[bom.Length..]);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The settings file is not a JSON object.");
        }

        var root = ReadObject(ref reader);
        var edits = new List<(int At, int End, string Text)>();
        var cmsUser = root.Props.FirstOrDefault(p => Same(p.Name, CmsUserOptions.SectionName));
        if (cmsUser?.Child is { } target)
        {
            MergeInto(bytes, target, section, CmsUserOptions.SectionName, edits, changes);
        }
        else if (cmsUser is null)
        {
            edits.Add(Insert(bytes, root, [new(CmsUserOptions.SectionName, section.DeepClone())]));
            foreach (var (key, value) in section)
            {
                Added(changes, $"{CmsUserOptions.SectionName}:{key}", value);
            }
        }
        else
        {
            throw new JsonException("The settings file's CmsUser is not an object.");
        }

        var text = new StringBuilder(Encoding.UTF8.GetString(bytes));
        // From the end, so each edit's byte positions still hold; positions are turned into characters per edit.
        foreach (var (at, end, insert) in edits.OrderByDescending(e => e.At))
        {
            var start = Encoding.UTF8.GetCharCount(bytes, 0, at);
            var length = Encoding.UTF8.GetCharCount(bytes, at, end - at);
            text.Remove(start, length).Insert(start, insert);
        }

        var merged = bom + text;
        // What is written must read back: a defect here must not leave a file the next command cannot read.
        using (JsonDocument.Parse(merged.TrimStart('\uFEFF'), Reading))
        {
        }

        return (merged, changes);
    }

    private static void MergeInto(byte[] bytes, JsonObjectSpan target, JsonObject imported, string path, List<(int, int, string)> edits, List<Change> changes)
    {
        var inserts = new List<KeyValuePair<string, JsonNode?>>();
        foreach (var (key, value) in imported)
        {
            var property = target.Props.FirstOrDefault(p => Same(p.Name, key));
            var full = $"{path}:{key}";
            if (property is null)
            {
                inserts.Add(new(key, value));
                Added(changes, full, value);
            }
            else if (value is JsonObject inner && property.Child is { } child)
            {
                MergeInto(bytes, child, inner, full, edits, changes);
            }
            else
            {
                var before = JsonNode.Parse(bytes.AsSpan(property.ValueStart, property.ValueEnd - property.ValueStart), documentOptions: Reading);
                if (!JsonNode.DeepEquals(before, value))
                {
                    edits.Add((property.ValueStart, property.ValueEnd, Serialize(value, IndentOf(bytes, property.NameStart))));
                    changes.Add(new Change(full, before?.ToJsonString(Compact) ?? "null", value?.ToJsonString(Compact) ?? "null"));
                }
            }
        }

        if (inserts.Count > 0)
        {
            edits.Add(Insert(bytes, target, inserts));
        }
    }

    /// <summary>New properties at the end of an object: after its last value (before any trailing comma or comment), or inside an empty one.</summary>
    private static (int, int, string) Insert(byte[] bytes, JsonObjectSpan target, List<KeyValuePair<string, JsonNode?>> properties)
    {
        var indent = target.Props.Count > 0 ? IndentOf(bytes, target.Props[0].NameStart) : IndentOf(bytes, target.Open) is { } outer ? outer + "  " : null;
        var text = new StringBuilder();
        for (var i = 0; i < properties.Count; i++)
        {
            var (key, value) = properties[i];
            var separator = i == 0 && target.Props.Count == 0 ? "" : ",";
            var name = JsonSerializer.Serialize(key, CliJson.Readable.String);
            text.Append(indent is null
                ? $"{separator} {name}: {value?.ToJsonString(Compact) ?? "null"}"
                : $"{separator}\n{indent}{name}: {Serialize(value, indent)}");
        }

        if (target.Props.Count == 0)
        {
            // Inside "{}": the closing brace goes back on a line of its own, under the object's start.
            if (indent is not null)
            {
                text.Append('\n').Append(indent[..^Math.Min(2, indent.Length)]);
            }

            return (target.Open + 1, target.Open + 1, text.ToString());
        }

        var end = target.Props[^1].ValueEnd;
        return (end, end, text.ToString());
    }

    /// <summary>The value indented as the file's line at <paramref name="indent"/> is; on one line when the line holds more than the property.</summary>
    private static string Serialize(JsonNode? value, string? indent) => value is null
        ? "null"
        : indent is null
            ? value.ToJsonString(Compact)
            : value.ToJsonString(Indented).Replace("\n", "\n" + indent, StringComparison.Ordinal);

    /// <summary>The whitespace before position <paramref name="at"/> on its line, or <see langword="null"/> when something else precedes it there.</summary>
    private static string? IndentOf(byte[] bytes, int at)
    {
        var start = at;
        while (start > 0 && bytes[start - 1] is (byte)' ' or (byte)'\t')
        {
            start--;
        }

        return start == 0 || bytes[start - 1] == '\n' ? Encoding.UTF8.GetString(bytes, start, at - start) : null;
    }

    private static void Added(List<Change> changes, string key, JsonNode? value) => changes.Add(new Change(key, null, value?.ToJsonString(Compact) ?? "null"));

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static JsonObjectSpan ReadObject(ref Utf8JsonReader reader)
    {
        var span = new JsonObjectSpan((int)reader.TokenStartIndex);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = new JsonPropertySpan(reader.GetString()!, (int)reader.TokenStartIndex);
            reader.Read();
            property.ValueStart = (int)reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                property.Child = ReadObject(ref reader);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            property.ValueEnd = (int)reader.BytesConsumed;
            span.Props.Add(property);
        }

        span.Close = (int)reader.TokenStartIndex;
        return span;
    }

    /// <summary>Where an object is in the file's bytes: its braces and its properties.</summary>
    private sealed class JsonObjectSpan(int open)
    {
        public int Open { get; } = open;

        public int Close { get; set; }

        public List<JsonPropertySpan> Props { get; } = [];
    }

    /// <summary>Where a property is: its name's opening quote, and its value's first and past-the-last byte.</summary>
    private sealed class JsonPropertySpan(string name, int nameStart)
    {
        public string Name { get; } = name;

        public int NameStart { get; } = nameStart;

        public int ValueStart { get; set; }

        public int ValueEnd { get; set; }

        public JsonObjectSpan? Child { get; set; }
    }
}
