using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// Compares a fake's answer with the recorded one on what client code relies on: status, content type, the keys of
/// each row or object, <c>count</c>/<c>countFetched</c>/<c>countMatched</c>, error codes and the class of the error
/// message. Values are not compared (ids, timestamps and generated names differ between runs); numbers, quoted
/// literals and error ids in messages are normalised.
/// </summary>
public static partial class ExchangeComparer
{
    /// <summary>The differences, empty when the answers agree.</summary>
    /// <param name="recorded">What the real server answered.</param>
    /// <param name="status">The fake's status.</param>
    /// <param name="contentType">The fake's content type.</param>
    /// <param name="body">The fake's body.</param>
    public static IReadOnlyList<string> Compare(RecordedExchange recorded, int status, string? contentType, string body)
    {
        var differences = new List<string>();
        if (status != recorded.Status)
        {
            differences.Add($"status {status}, real {recorded.Status}");
        }

        if (NormalizeContentType(contentType) != NormalizeContentType(recorded.ContentType))
        {
            differences.Add($"content type '{contentType}', real '{recorded.ContentType}'");
        }

        if (recorded.ResponseJson is { } expected)
        {
            JsonElement actual;
            try
            {
                using var doc = JsonDocument.Parse(body);
                actual = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                differences.Add($"body is not JSON: {Cut(body)}");
                return differences;
            }

            CompareJson(expected, actual, "$", differences, topLevel: true);
        }
        else if (recorded.ResponseText is { } text && MessageClass(ExtractMessage(body)) != MessageClass(ExtractMessage(text)))
        {
            differences.Add($"message '{Cut(ExtractMessage(body))}', real '{Cut(ExtractMessage(text))}'");
        }

        return differences;
    }

    /// <summary>The class of a message: numbers, quoted literals and CiviCRM error ids replaced by placeholders.</summary>
    public static string MessageClass(string? message)
    {
        if (message is null)
        {
            return string.Empty;
        }

        var m = ErrorId().Replace(message, "<error-id>");
        m = Quoted().Replace(m, "<q>");
        m = Number().Replace(m, "<n>");
        return Whitespace().Replace(m, " ").Trim();
    }

    private static void CompareJson(JsonElement expected, JsonElement actual, string path, List<string> differences, bool topLevel)
    {
        if (expected.ValueKind != actual.ValueKind && !(IsNullish(expected) || IsNullish(actual)))
        {
            differences.Add($"{path}: {actual.ValueKind}, real {expected.ValueKind}");
            return;
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                var e = expected.EnumerateArray().ToArray();
                var a = actual.ValueKind == JsonValueKind.Array ? actual.EnumerateArray().ToArray() : [];
                if (e.Length != a.Length)
                {
                    differences.Add($"{path}: {a.Length} items, real {e.Length}");
                }

                for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
                {
                    if (e[i].ValueKind == JsonValueKind.Object)
                    {
                        CompareKeys(e[i], a[i], $"{path}[{i}]", differences);
                    }
                }

                break;
            case JsonValueKind.Object when topLevel || path.EndsWith(".data", StringComparison.Ordinal):
                CompareKeys(expected, actual, path, differences);
                if (actual.ValueKind != JsonValueKind.Object)
                {
                    break;
                }

                foreach (var name in new[] { "count", "countFetched", "countMatched", "error_code", "status", "code", "version", "entity", "action" })
                {
                    var hasE = expected.TryGetProperty(name, out var ev);
                    var hasA = actual.TryGetProperty(name, out var av);
                    if (hasE && hasA && ev.GetRawText() != av.GetRawText())
                    {
                        differences.Add($"{path}.{name}: {av.GetRawText()}, real {ev.GetRawText()}");
                    }
                }

                foreach (var name in new[] { "error_message", "message" })
                {
                    if (expected.TryGetProperty(name, out var em) && actual.TryGetProperty(name, out var am) && MessageClass(em.GetString()) != MessageClass(am.GetString()))
                    {
                        differences.Add($"{path}.{name}: '{Cut(am.GetString())}', real '{Cut(em.GetString())}'");
                    }
                }

                if (expected.TryGetProperty("data", out var rawData) && actual.TryGetProperty("data", out var rawActualData) && IsNullish(rawData) != IsNullish(rawActualData))
                {
                    differences.Add($"{path}.data: {rawActualData.ValueKind}, real {rawData.ValueKind}");
                }

                // WordPress's DELETE answers the deleted user under "previous": its keys count too.
                if (expected.TryGetProperty("previous", out var previous) && previous.ValueKind == JsonValueKind.Object && actual.TryGetProperty("previous", out var actualPrevious))
                {
                    CompareKeys(previous, actualPrevious, path + ".previous", differences);
                }

                if (expected.TryGetProperty("values", out var values) && actual.TryGetProperty("values", out var actualValues))
                {
                    CompareJson(values, actualValues, path + ".values", differences, topLevel: false);
                }

                if (expected.TryGetProperty("data", out var data) && actual.TryGetProperty("data", out var actualData) && data.ValueKind == JsonValueKind.Object)
                {
                    CompareJson(data, actualData, path + ".data", differences, topLevel: false);
                }

                break;
        }
    }

    private static void CompareKeys(JsonElement expected, JsonElement actual, string path, List<string> differences)
    {
        if (actual.ValueKind != JsonValueKind.Object)
        {
            differences.Add($"{path}: {actual.ValueKind}, real an object");
            return;
        }

        var e = expected.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var a = actual.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = e.Except(a).Order(StringComparer.Ordinal).ToArray();
        var extra = a.Except(e).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            differences.Add($"{path} keys: missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
        }
    }

    private static bool IsNullish(JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    private static string NormalizeContentType(string? type) =>
        (type ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private static string ExtractMessage(string body)
    {
        var crm = CrmErrorMessage().Match(body);
        if (crm.Success)
        {
            return WebUtility.HtmlDecode(crm.Groups[1].Value);
        }

        var title = Title().Match(body);
        return title.Success ? WebUtility.HtmlDecode(title.Groups[1].Value) : body;
    }

    private static string Cut(string? text) => text is null ? "null" : text.Length <= 160 ? text : text[..160] + "…";

    [GeneratedRegex(@"\b[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}\b")]
    private static partial Regex ErrorId();

    [GeneratedRegex(@"'[^']*'|""[^""]*""")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"class=""crm-error-message"">(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex CrmErrorMessage();

    [GeneratedRegex(@"<title>(.*?)</title>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Title();
}
