using System.Text.Json;

namespace Skvare.CmsUser.Standalone.Tests.Conformance;

/// <summary>One line of a recording under <c>tests/recordings</c>: a request the SDK sent to a real server and its answer.</summary>
internal sealed record RecordedExchange(int Seq, string Step, string Method, string Path, string? ParamsJson, int Status, string ContentType, JsonElement? Json, string? Text)
{
    public string Entity => Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[^2];

    public string Action => Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];

    /// <summary>The request parameters, or an empty object.</summary>
    public JsonElement Params => JsonDocument.Parse(ParamsJson ?? "{}").RootElement.Clone();

    /// <summary>Reads every exchange of a recording file.</summary>
    public static IReadOnlyList<RecordedExchange> Load(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(Parse).ToArray();

    private static RecordedExchange Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        string? parameters = null;
        if (root.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object
            && request.TryGetProperty("form", out var form) && form.TryGetProperty("params", out var p))
        {
            parameters = p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText();
        }

        var response = root.GetProperty("response");
        return new RecordedExchange(
            root.GetProperty("seq").GetInt32(),
            root.TryGetProperty("step", out var step) ? step.GetString() ?? "" : "",
            root.GetProperty("method").GetString()!,
            root.GetProperty("path").GetString()!,
            parameters,
            root.GetProperty("status").GetInt32(),
            root.GetProperty("content_type").GetString() ?? "",
            response.TryGetProperty("json", out var json) ? json.Clone() : null,
            response.TryGetProperty("text", out var text) ? text.GetString() : null);
    }
}
