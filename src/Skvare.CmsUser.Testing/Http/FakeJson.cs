using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Testing;

/// <summary>
/// A request body read as the faked servers read it, with PHP's <c>json_decode</c>: a member named twice keeps its last
/// value; text that is not UTF-16 (an unpaired surrogate escape such as <c>\ud800</c>) is no JSON at all
/// (<c>JSON_ERROR_UTF16</c>), so the server answers as for any body that does not parse; nesting goes to PHP's depth of
/// 512. System.Text.Json alone would throw <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/>
/// from the first read of such a body, and the fake would answer with a crash no real server gives.
/// </summary>
internal static class FakeJson
{
    private static readonly JsonDocumentOptions Php = new() { MaxDepth = 512 };

    /// <summary>The body's value, or <see cref="JsonException"/> where <c>json_decode</c> fails.</summary>
    /// <param name="body">The request body.</param>
    public static JsonNode? Parse(string body)
    {
        using var document = JsonDocument.Parse(body, Php);
        return ToNode(document.RootElement);
    }

    /// <summary>
    /// Throws <see cref="JsonException"/> when a member name or string of <paramref name="element"/> is not UTF-16 text
    /// (what <c>json_decode</c> refuses); a <see cref="JsonDocument"/> keeps the last of repeated members by itself.
    /// </summary>
    /// <param name="element">A parsed request body.</param>
    public static void Check(JsonElement element) => _ = ToNode(element);

    /// <summary>A member's text as PHP reads it into a string: text as it is, a number as written; <see langword="null"/> for anything else.</summary>
    /// <param name="node">The member's value.</param>
    public static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;

    private static JsonNode? ToNode(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var result = new JsonObject();
                    foreach (var member in element.EnumerateObject())
                    {
                        // The indexer replaces an earlier member of the same name: the last one wins, as in PHP.
                        result[member.Name] = ToNode(member.Value);
                    }

                    return result;
                case JsonValueKind.Array:
                    return new JsonArray([.. element.EnumerateArray().Select(ToNode)]);
                case JsonValueKind.Null:
                    return null;
                default:
                    // The same kind of node JsonNode.Parse makes; a string is decoded once to see that it is text.
                    _ = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
                    return JsonValue.Create(element.Clone());
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException("Single unpaired UTF-16 surrogate in unicode escape.", ex);
        }
    }
}
