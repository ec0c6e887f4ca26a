using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing.Backdrop;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// Backdrop with the companion module (<c>backdrop-*</c>): <see cref="FakeBackdropServer"/> seeded like the recorded
/// site (README: API account uid 2 with "administer users", roles <c>member</c>, <c>editor</c>, <c>administrator</c>,
/// German enabled, French added but disabled, site name "CmsUser Eval"). Besides the generic comparison, every key and value of the module's
/// small JSON answers must agree, with uids mapped one to one and core's one-time login links compared by shape; an
/// HTML page must carry the recorded title.
/// </summary>
public sealed partial class BackdropAdapter : RecordingAdapter
{
    /// <summary>
    /// Exchanges where the recording shows a defect of module 1.0.0 that module 1.1.0 fixed; the fake follows the
    /// fixed module. Both <c>fr</c> creates: French exists on the site but is disabled, and 1.0.0 accepted it (and
    /// stored no language at all).
    /// </summary>
    public static IReadOnlyDictionary<int, (int Status, string Body, string Why)> FixedSinceRecording { get; } = new Dictionary<int, (int, string, string)>
    {
        [13] = (422, """{"code":"invalid_field","message":"Unknown or disabled language.","field":"language"}""", "module 1.0.0 accepted the disabled language fr; 1.1.0 accepts enabled languages only"),
        [90] = (422, """{"code":"invalid_field","message":"Unknown or disabled language.","field":"language"}""", "module 1.0.0 accepted the disabled language fr; 1.1.0 accepts enabled languages only"),
    };

    private const string ReplayPassword = "Replay-Pa55word!x";

    private readonly FakeBackdropServer _server = FakeBackdropServer.Start();
    private readonly Dictionary<long, long> _recordedToFake = [];
    private readonly Dictionary<long, long> _fakeToRecorded = [];

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        _server.AddUser("cmsuser-api", "cmsuser-api@example.org", roles: "api_client");
        _server.ActingUid = 2;
        _server.BackdropVersion = "1.28.x-dev";
        _server.ModuleVersion = "1.0.0";
        _server.SiteName = "CmsUser Eval"; // the recorded site's name, in the title of its 404 page
        _server.AddRole("member");
        _server.AddLanguage("de");
        _server.AddLanguage("fr", enabled: false);
    }

    /// <inheritdoc />
    public override HttpRequestMessage BuildRequest(RecordedExchange exchange)
    {
        var request = base.BuildRequest(exchange);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (exchange.JsonBody is { } json && JsonNode.Parse(json.GetRawText()) is JsonObject body
            && body["pass"] is JsonValue pass && pass.GetValue<string>() == "<redacted>")
        {
            body["pass"] = ReplayPassword;
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    /// <inheritdoc />
    public override RecordedExchange Expected(RecordedExchange exchange)
    {
        if (!FixedSinceRecording.TryGetValue(exchange.Seq, out var fix))
        {
            return exchange;
        }

        using var doc = JsonDocument.Parse(fix.Body);
        return exchange with { Status = fix.Status, ContentType = "application/json", ResponseJson = doc.RootElement.Clone(), ResponseText = null };
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        var problems = new List<string>();
        if (expected.ResponseJson is { } json)
        {
            JsonNode? actual;
            try
            {
                actual = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                return problems;
            }

            CompareJson("$", JsonNode.Parse(json.GetRawText()), actual, problems);
        }
        else if (expected.ResponseText is { } text
            && HtmlTitle().Match(text).Groups[1].Value.Split('|')[0].Trim() is var title
            && !HtmlTitle().Match(body).Groups[1].Value.StartsWith(title, StringComparison.Ordinal))
        {
            problems.Add($"HTML page without the title '{title}'");
        }

        return problems;
    }

    /// <inheritdoc />
    protected override Uri BaseUrlFor(RecordedExchange exchange) => _server.BaseUrl;

    /// <inheritdoc />
    protected override string? Credential(RecordedExchange exchange, string header) =>
        header.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
            ? "Bearer " + (exchange.Step?.StartsWith("bad secret", StringComparison.Ordinal) == true ? "wrong-" + _server.Secret : _server.Secret)
            : null;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _server.Dispose();
        }
    }

    private void CompareJson(string where, JsonNode? expected, JsonNode? actual, List<string> problems)
    {
        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                var keys = e.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                var actualKeys = a.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                if (!keys.SequenceEqual(actualKeys))
                {
                    problems.Add($"{where} keys [{string.Join(",", actualKeys)}], real [{string.Join(",", keys)}]");
                    return;
                }

                foreach (var key in keys)
                {
                    if (key == "uid")
                    {
                        CheckUid($"{where}.uid", e[key]!.GetValue<long>(), a[key]!.GetValue<long>(), problems);
                    }
                    else if (key == "url")
                    {
                        CompareLoginLink($"{where}.url", e[key]!.GetValue<string>(), a[key]!.GetValue<string>(), problems);
                    }
                    else
                    {
                        CompareJson($"{where}.{key}", e[key], a[key], problems);
                    }
                }

                return;
            case JsonArray e when actual is JsonArray a:
                if (e.Count != a.Count)
                {
                    problems.Add($"{where} has {a.Count} items, real {e.Count}");
                    return;
                }

                for (var i = 0; i < e.Count; i++)
                {
                    CompareJson($"{where}[{i}]", e[i], a[i], problems);
                }

                return;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    problems.Add($"{where} = {actual?.ToJsonString() ?? "null"}, real {expected?.ToJsonString() ?? "null"}");
                }

                return;
        }
    }

    // Core's one-time login link: same shape, the uid mapped; the timestamp and HMAC differ by nature.
    private void CompareLoginLink(string where, string expected, string actual, List<string> problems)
    {
        var e = LoginLink().Match(expected);
        var a = LoginLink().Match(actual);
        if (!e.Success || !a.Success)
        {
            problems.Add($"{where} '{actual}' is not shaped like the real '{expected}'");
            return;
        }

        // Core's hash is base64url (a 32-byte HMAC); 43 hex digits would also fit the shape.
        if (e.Groups["hash"].Value.All(char.IsAsciiHexDigit) != a.Groups["hash"].Value.All(char.IsAsciiHexDigit))
        {
            problems.Add($"{where} hash '{a.Groups["hash"].Value}' is not in the real hash's alphabet");
        }

        CheckUid(where, long.Parse(e.Groups["uid"].Value, CultureInfo.InvariantCulture), long.Parse(a.Groups["uid"].Value, CultureInfo.InvariantCulture), problems);
    }

    // Recorded uids and the fake's uids must correspond one to one across the whole replay.
    private void CheckUid(string where, long recorded, long fake, List<string> problems)
    {
        if (_recordedToFake.TryGetValue(recorded, out var known) && known != fake)
        {
            problems.Add($"{where}: uid {fake} where real uid {recorded} was uid {known} before");
        }
        else if (_fakeToRecorded.TryGetValue(fake, out var other) && other != recorded)
        {
            problems.Add($"{where}: uid {fake} stands for real uid {other} already, not {recorded}");
        }
        else
        {
            _recordedToFake[recorded] = fake;
            _fakeToRecorded[fake] = recorded;
        }
    }

    [GeneratedRegex(@"^https?://[^/]+/(?:[^/]+/)*user/reset/(?<uid>\d+)/\d+/(?<hash>[A-Za-z0-9_-]{43})$")]
    private static partial Regex LoginLink();

    [GeneratedRegex(@"<title>([^<]*)</title>")]
    private static partial Regex HtmlTitle();
}
