using System.Text.Json;
using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Standalone.Tests.Conformance;

/// <summary>
/// Compares a fake's answer with a recorded one the way the recordings' README asks: status, content type, the
/// envelope's keys, the keys of each row, the counts and the error codes and messages. Ids, timestamps and
/// other values are not compared (they differ between any two sites); Error IDs are masked.
/// </summary>
internal static partial class ResponseComparer
{
    /// <summary>Returns what differs, or an empty list when the answers agree.</summary>
    public static IReadOnlyList<string> Differences(RecordedExchange recorded, int status, string contentType, string body)
    {
        var differences = new List<string>();
        if (status != recorded.Status)
        {
            differences.Add($"status {status}, recorded {recorded.Status}");
        }

        if (NormalizeContentType(contentType) != NormalizeContentType(recorded.ContentType))
        {
            differences.Add($"content type '{contentType}', recorded '{recorded.ContentType}'");
        }

        if (recorded.Text is { } text)
        {
            if (!string.Equals(body.Trim(), text.Trim(), StringComparison.Ordinal))
            {
                differences.Add($"body '{Cut(body)}', recorded '{Cut(text)}'");
            }

            return differences;
        }

        if (recorded.Json is not { } expected)
        {
            return differences;
        }

        JsonElement actual;
        try
        {
            actual = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            differences.Add($"body is not JSON: '{Cut(body)}'");
            return differences;
        }

        CompareKeys("envelope", expected, actual, differences);
        foreach (var field in new[] { "entity", "action", "count", "countFetched", "countMatched", "error_code", "status" })
        {
            var has = expected.TryGetProperty(field, out var e);
            if (has && actual.TryGetProperty(field, out var a) && e.GetRawText() != a.GetRawText())
            {
                differences.Add($"{field} {a.GetRawText()}, recorded {e.GetRawText()}");
            }
        }

        if (expected.TryGetProperty("error_message", out var message) && actual.TryGetProperty("error_message", out var actualMessage)
            && MaskErrorId(message.GetString()) != MaskErrorId(actualMessage.GetString()))
        {
            differences.Add($"error_message '{actualMessage.GetString()}', recorded '{message.GetString()}'");
        }

        if (expected.TryGetProperty("values", out var rows) && actual.TryGetProperty("values", out var actualRows)
            && rows.ValueKind == JsonValueKind.Array && actualRows.ValueKind == JsonValueKind.Array)
        {
            var expectedList = rows.EnumerateArray().ToArray();
            var actualList = actualRows.EnumerateArray().ToArray();
            if (expectedList.Length != actualList.Length)
            {
                differences.Add($"{actualList.Length} rows, recorded {expectedList.Length}");
            }

            for (var i = 0; i < Math.Min(expectedList.Length, actualList.Length); i++)
            {
                if (expectedList[i].ValueKind == JsonValueKind.Object && actualList[i].ValueKind == JsonValueKind.Object)
                {
                    CompareKeys($"row {i}", expectedList[i], actualList[i], differences);
                }
            }
        }

        return differences;
    }

    private static void CompareKeys(string where, JsonElement expected, JsonElement actual, List<string> differences)
    {
        if (expected.ValueKind != JsonValueKind.Object || actual.ValueKind != JsonValueKind.Object)
        {
            if (expected.ValueKind != actual.ValueKind)
            {
                differences.Add($"{where} is {actual.ValueKind}, recorded {expected.ValueKind}");
            }

            return;
        }

        var e = expected.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var a = actual.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = e.Except(a).ToArray();
        var extra = a.Except(e).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            differences.Add($"{where} keys: missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
        }
    }

    private static string NormalizeContentType(string value) => value.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string? MaskErrorId(string? message) => message is null ? null : ErrorId().Replace(message, "XXXX-XXXX-XXXX");

    private static string Cut(string text) => text.Length > 200 ? text[..200] + "…" : text;

    [GeneratedRegex("[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}")]
    private static partial Regex ErrorId();
}
