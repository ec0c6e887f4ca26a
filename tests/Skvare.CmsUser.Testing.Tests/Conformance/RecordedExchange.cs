using System.Text.Json;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>One line of a recording: what the SDK sent and what the real server answered.</summary>
/// <param name="Seq">Position in the recording (1-based).</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">URL path.</param>
/// <param name="Query">Query parameters, decoded.</param>
/// <param name="Headers">Request headers (credentials redacted).</param>
/// <param name="Form">Form fields (with <c>params</c> as JSON text), when the body was a form.</param>
/// <param name="JsonBody">The JSON body, when the body was JSON.</param>
/// <param name="Status">The real server's status.</param>
/// <param name="ContentType">The real server's content type.</param>
/// <param name="ResponseJson">The real answer when it was JSON.</param>
/// <param name="ResponseText">The real answer when it was not JSON.</param>
/// <param name="Step">The step label, when the recording has one.</param>
public sealed record RecordedExchange(
    int Seq,
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<KeyValuePair<string, string>>? Form,
    JsonElement? JsonBody,
    int Status,
    string ContentType,
    JsonElement? ResponseJson,
    string? ResponseText,
    string? Step)
{
    /// <summary>A query parameter, or <see langword="null"/>.</summary>
    public string? QueryValue(string name) => Query.FirstOrDefault(p => p.Key == name).Value;

    /// <summary>A request header (case-insensitive), or <see langword="null"/>.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Short description for messages.</summary>
    public override string ToString() => $"#{Seq} {Method} {Path}{(QueryValue("q") is { } q ? " q=" + q : Query.Count > 0 ? "?" + string.Join('&', Query.Select(p => p.Key + "=" + p.Value)) : "")}";
}

/// <summary>A folder of recordings (<c>tests/recordings/&lt;folder&gt;/sdk-traffic.jsonl</c>).</summary>
public sealed class Recording
{
    private Recording(string folder, IReadOnlyList<RecordedExchange> exchanges)
    {
        Folder = folder;
        Exchanges = exchanges;
    }

    /// <summary>The folder name, e.g. <c>civicrm-6.17.2-wordpress-6.1.9</c>.</summary>
    public string Folder { get; }

    /// <summary>The exchanges in recorded order.</summary>
    public IReadOnlyList<RecordedExchange> Exchanges { get; }

    /// <summary>The directory that holds every recording folder (<c>tests/recordings</c>).</summary>
    public static string Root
    {
        get
        {
            var root = typeof(Recording).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>().First(a => a.Key == "RepositoryRoot").Value!;
            return Path.Combine(root, "tests", "recordings");
        }
    }

    /// <summary>Every folder under <see cref="Root"/> that holds an <c>sdk-traffic.jsonl</c>, sorted.</summary>
    public static IReadOnlyList<string> Folders() =>
        [.. Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "sdk-traffic.jsonl"))).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>The same recording with only the exchanges <paramref name="keep"/> selects (a partial replay).</summary>
    /// <param name="keep">Which exchanges to keep.</param>
    public Recording Only(Func<RecordedExchange, bool> keep) => new(Folder, [.. Exchanges.Where(keep)]);

    /// <summary>Reads a folder's recording.</summary>
    public static Recording Load(string folder)
    {
        var exchanges = new List<RecordedExchange>();
        foreach (var line in File.ReadLines(Path.Combine(Root, folder, "sdk-traffic.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            exchanges.Add(Parse(doc.RootElement.Clone()));
        }

        return new Recording(folder, exchanges);
    }

    private static RecordedExchange Parse(JsonElement e)
    {
        static string? Str(JsonElement o, string name) => o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var query = new List<KeyValuePair<string, string>>();
        if (e.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in q.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Array)
                {
                    query.AddRange(p.Value.EnumerateArray().Select(v => new KeyValuePair<string, string>(p.Name, Scalar(v))));
                }
                else
                {
                    query.Add(new(p.Name, Scalar(p.Value)));
                }
            }
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (e.TryGetProperty("request_headers", out var h) && h.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in h.EnumerateObject())
            {
                headers[p.Name] = Scalar(p.Value);
            }
        }

        List<KeyValuePair<string, string>>? form = null;
        JsonElement? jsonBody = null;
        if (e.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object)
        {
            if (request.TryGetProperty("form", out var f) && f.ValueKind == JsonValueKind.Object)
            {
                form = [.. f.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))];
            }
            else if (request.TryGetProperty("json", out var j))
            {
                jsonBody = j;
            }
        }

        JsonElement? responseJson = null;
        string? responseText = null;
        if (e.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object)
        {
            if (response.TryGetProperty("json", out var rj))
            {
                responseJson = rj;
            }
            else
            {
                responseText = Str(response, "text");
            }
        }

        return new RecordedExchange(
            e.GetProperty("seq").GetInt32(),
            Str(e, "method") ?? "GET",
            Str(e, "path") ?? "/",
            query,
            headers,
            form,
            jsonBody,
            e.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0,
            Str(e, "content_type") ?? string.Empty,
            responseJson,
            responseText,
            Str(e, "step"));
    }

    private static string Scalar(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
}
