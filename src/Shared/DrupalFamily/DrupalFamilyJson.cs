using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Total readers of Drupal-family JSON answers: any JSON may come back (a proxy's page, a module's rewrite), so a member
/// is read only from an object and text only from a valid JSON string; anything else reads as absent.
/// </summary>
internal static class DrupalFamilyJson
{
    /// <summary>A member of a JSON object; <see langword="null"/> when the node is no object (a <see cref="JsonNode"/> indexer throws on an array or a value).</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The member's name.</param>
    public static JsonNode? Get(JsonNode? node, string name) => node is JsonObject o ? o[name] : null;

    /// <summary>A JSON string's text; <see langword="null"/> for another kind, or for text that is not valid UTF-16 (which <c>TryGetValue</c> throws on).</summary>
    /// <param name="node">The node.</param>
    public static string? Str(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        try
        {
            return v.TryGetValue<string>(out var s) ? s : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
