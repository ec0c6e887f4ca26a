using System.Reflection;
using System.Text.Json;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>One API v4 exchange of a token-rendering recording (<c>render-traffic.jsonl</c>): the call, its params, the JSON answered.</summary>
internal sealed record RenderExchange(int Seq, string Call, JsonElement Params, JsonElement Response)
{
    /// <summary>The exchanges of <c>tests/recordings/{folder}/render-traffic.jsonl</c>, in order.</summary>
    public static List<RenderExchange> Read(string folder) =>
        [.. File.ReadLines(Path.Combine(
                typeof(RenderExchange).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
                "tests", "recordings", folder, "render-traffic.jsonl"))
            .Where(l => l.Length > 0)
            .Select(line =>
            {
                var root = JsonDocument.Parse(line).RootElement;
                var call = root.GetProperty("query").GetProperty("q").GetString()!["civicrm/ajax/api4/".Length..];
                return new RenderExchange(root.GetProperty("seq").GetInt32(), call, root.GetProperty("request").GetProperty("form").GetProperty("params"), root.GetProperty("response").GetProperty("json"));
            })];
}
