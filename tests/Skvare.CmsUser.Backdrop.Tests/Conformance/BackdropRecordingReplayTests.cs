using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing.Backdrop;
using Xunit.Abstractions;

namespace Skvare.CmsUser.Backdrop.Tests.Conformance;

/// <summary>
/// Replays what the real Backdrop module answered (tests/recordings/backdrop-1.28-cmsuser_provision-1.0.0)
/// against <see cref="FakeBackdropServer"/> seeded like the recorded site, and compares each answer:
/// status, content type, and the JSON body with ids and login-link timestamps and hashes normalised
/// (every key and value otherwise, arrays in order). Self-contained so it can move into a generic
/// conformance replayer: the recording format and the comparison are generic, the seeding, the
/// request details and <see cref="FixedSinceRecording"/> are Backdrop's.
/// </summary>
public sealed partial class BackdropRecordingReplayTests(ITestOutputHelper output)
{
    private const string Recording = "recordings/backdrop-1.28-cmsuser_provision-1.0.0/sdk-traffic.jsonl";
    private const string ReplayPassword = "Replay-Pa55word!x";

    /// <summary>
    /// Exchanges where the recording shows a defect of module 1.0.0 that module 1.1.0 fixed; the fake
    /// follows the fixed module. Both fr creates: French exists on the site but is disabled, and 1.0.0
    /// accepted it (and stored no language at all).
    /// </summary>
    private static readonly Dictionary<int, (int Status, string Body, string Why)> FixedSinceRecording = new()
    {
        [13] = (422, """{"code":"invalid_field","message":"Unknown or disabled language.","field":"language"}""", "module 1.0.0 accepted the disabled language fr; 1.1.0 accepts enabled languages only"),
        [90] = (422, """{"code":"invalid_field","message":"Unknown or disabled language.","field":"language"}""", "module 1.0.0 accepted the disabled language fr; 1.1.0 accepts enabled languages only"),
    };

    [Fact(Timeout = 60_000)]
    public async Task Every_recorded_exchange_gets_the_same_answer_from_the_fake()
    {
        var exchanges = LoadRecording();
        using var server = SeedLikeTheRecordedSite();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var uids = new UidMap();
        var differences = new List<string>();
        int compared = 0, matched = 0, transportOnly = 0;

        foreach (var exchange in exchanges)
        {
            if (exchange.Status < 0)
            {
                // No server answered (a refused connection): nothing a fake could reproduce.
                transportOnly++;
                continue;
            }

            compared++;
            using var request = BuildRequest(server, exchange);
            using var response = await client.SendAsync(request);
            var actual = new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? "", await response.Content.ReadAsStringAsync());
            var expected = FixedSinceRecording.TryGetValue(exchange.Seq, out var fix)
                ? new Answer(fix.Status, "application/json", fix.Body)
                : new Answer(exchange.Status, exchange.ContentType, exchange.Body);

            var problems = Compare(expected, actual, uids);
            if (problems.Count == 0)
            {
                matched++;
            }
            else
            {
                differences.Add($"seq {exchange.Seq} ({exchange.Step}) {exchange.Method} {exchange.Path}: {string.Join("; ", problems)}");
            }
        }

        output.WriteLine($"{matched} of {compared} recorded server exchanges match ({FixedSinceRecording.Count} of them as the fixed module answers; {transportOnly} refused connection not replayed).");
        compared.Should().Be(exchanges.Count - transportOnly);
        differences.Should().BeEmpty();
        matched.Should().Be(compared);
    }

    [Fact]
    public void The_exchanges_listed_as_fixed_still_show_the_defect_in_the_recording()
    {
        var recorded = LoadRecording().ToDictionary(e => e.Seq);

        foreach (var (seq, _) in FixedSinceRecording)
        {
            recorded[seq].Status.Should().Be(201, $"seq {seq} is listed because module 1.0.0 created the account");
            recorded[seq].Request!["language"]!.GetValue<string>().Should().Be("fr");
        }
    }

    [Fact]
    public void The_recording_covers_every_route_and_the_fakes_error_codes_it_claims()
    {
        var exchanges = LoadRecording();
        var routes = exchanges.Where(e => e.Path.StartsWith("/api/cmsuser/v1/", StringComparison.Ordinal))
            .Select(e => e.Method + " " + UidInPath().Replace(e.Path, "/{uid}")).ToHashSet();
        var codes = exchanges.Select(e => e.Body).Where(b => b.StartsWith('{')).Select(b => JsonNode.Parse(b)?["code"]?.GetValue<string>()).OfType<string>().ToHashSet();

        exchanges.Should().HaveCount(133);
        routes.Should().BeEquivalentTo(FakeBackdropServer.Routes);
        codes.Should().BeEquivalentTo(["duplicate_name", "duplicate_mail", "invalid_mail", "unknown_role", "invalid_field", "invalid_name", "not_found", "account_blocked", "unauthorized"]);
    }

    // ---- Backdrop: the recorded site and its requests ----

    private static FakeBackdropServer SeedLikeTheRecordedSite()
    {
        var server = FakeBackdropServer.Start();
        server.AddUser("cmsuser-api", "cmsuser-api@example.org", roles: "api_client");
        server.ActingUid = 2;
        server.BackdropVersion = "1.28.x-dev";
        server.ModuleVersion = "1.0.0";
        server.AddRole("member");
        server.AddLanguage("de");
        server.AddLanguage("fr", enabled: false);
        return server;
    }

    private static HttpRequestMessage BuildRequest(FakeBackdropServer server, Exchange exchange)
    {
        var query = exchange.Query.Count == 0 ? "" : "?" + string.Join("&", exchange.Query.Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value)));
        var request = new HttpRequestMessage(new HttpMethod(exchange.Method), new Uri(server.BaseUrl, exchange.Path.TrimStart('/') + query));
        var secret = exchange.Step.StartsWith("bad secret", StringComparison.Ordinal) ? "wrong-" + server.Secret : server.Secret;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (exchange.Request is { } body)
        {
            if (body["pass"] is JsonValue pass && pass.GetValue<string>() == "<redacted>")
            {
                body["pass"] = ReplayPassword;
            }

            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    // ---- Generic: recording format and comparison ----

    private sealed record Exchange(int Seq, string Step, string Method, string Path, IReadOnlyDictionary<string, string> Query, JsonObject? Request, int Status, string ContentType, string Body);

    private sealed record Answer(int Status, string ContentType, string Body);

    private static List<Exchange> LoadRecording()
    {
        var path = Path.Combine(AppContext.BaseDirectory, Recording);
        var exchanges = new List<Exchange>();
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            var row = JsonNode.Parse(line)!.AsObject();
            var query = (row["query"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
            var response = row["response"]!.AsObject();
            var body = response["json"] is { } json ? json.ToJsonString() : response["text"]?.GetValue<string>() ?? "";
            exchanges.Add(new Exchange(
                row["seq"]!.GetValue<int>(),
                row["step"]?.GetValue<string>() ?? "",
                row["method"]!.GetValue<string>(),
                row["path"]!.GetValue<string>(),
                query,
                row["request"]?["json"]?.DeepClone() as JsonObject,
                row["status"]!.GetValue<int>(),
                row["content_type"]?.GetValue<string>() ?? "",
                body));
        }

        return exchanges;
    }

    private static List<string> Compare(Answer expected, Answer actual, UidMap uids)
    {
        var problems = new List<string>();
        if (expected.Status != actual.Status)
        {
            problems.Add($"status {actual.Status}, recorded {expected.Status}");
        }

        if (NormaliseType(expected.ContentType) != NormaliseType(actual.ContentType))
        {
            problems.Add($"content type '{actual.ContentType}', recorded '{expected.ContentType}'");
        }

        if (NormaliseType(expected.ContentType).StartsWith("application/json", StringComparison.Ordinal))
        {
            CompareJson("$", JsonNode.Parse(expected.Body), JsonNode.Parse(actual.Body), uids, problems);
        }
        else if (HtmlTitle().Match(expected.Body).Groups[1].Value.Split('|')[0].Trim() is var title
            && !HtmlTitle().Match(actual.Body).Groups[1].Value.StartsWith(title, StringComparison.Ordinal))
        {
            problems.Add($"HTML page without the title '{title}'");
        }

        return problems;
    }

    private static string NormaliseType(string contentType) => contentType.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    private static void CompareJson(string where, JsonNode? expected, JsonNode? actual, UidMap uids, List<string> problems)
    {
        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                var keys = e.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                var actualKeys = a.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                if (!keys.SequenceEqual(actualKeys))
                {
                    problems.Add($"{where} keys [{string.Join(",", actualKeys)}], recorded [{string.Join(",", keys)}]");
                    return;
                }

                foreach (var key in keys)
                {
                    if (key == "uid")
                    {
                        uids.Check($"{where}.uid", e[key]!.GetValue<long>(), a[key]!.GetValue<long>(), problems);
                    }
                    else if (key == "url")
                    {
                        CompareLoginLink($"{where}.url", e[key]!.GetValue<string>(), a[key]!.GetValue<string>(), uids, problems);
                    }
                    else
                    {
                        CompareJson($"{where}.{key}", e[key], a[key], uids, problems);
                    }
                }

                return;
            case JsonArray e when actual is JsonArray a:
                if (e.Count != a.Count)
                {
                    problems.Add($"{where} has {a.Count} items, recorded {e.Count}");
                    return;
                }

                for (var i = 0; i < e.Count; i++)
                {
                    CompareJson($"{where}[{i}]", e[i], a[i], uids, problems);
                }

                return;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    problems.Add($"{where} = {actual?.ToJsonString() ?? "null"}, recorded {expected?.ToJsonString() ?? "null"}");
                }

                return;
        }
    }

    // Core's one-time login link: same shape, the uid mapped; the timestamp and HMAC differ by nature.
    private static void CompareLoginLink(string where, string expected, string actual, UidMap uids, List<string> problems)
    {
        var e = LoginLink().Match(expected);
        var a = LoginLink().Match(actual);
        if (!e.Success || !a.Success)
        {
            problems.Add($"{where} '{actual}' is not shaped like the recorded '{expected}'");
            return;
        }

        // Core's hash is base64url (a 32-byte HMAC); 43 hex digits would also fit the shape.
        if (IsHex(e.Groups["hash"].Value) != IsHex(a.Groups["hash"].Value))
        {
            problems.Add($"{where} hash '{a.Groups["hash"].Value}' is not in the recorded hash's alphabet");
        }

        uids.Check(where, long.Parse(e.Groups["uid"].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(a.Groups["uid"].Value, System.Globalization.CultureInfo.InvariantCulture), problems);
    }

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit);

    /// <summary>Recorded uids and the fake's uids must correspond one to one.</summary>
    private sealed class UidMap
    {
        private readonly Dictionary<long, long> _recordedToFake = [];
        private readonly Dictionary<long, long> _fakeToRecorded = [];

        public void Check(string where, long recorded, long fake, List<string> problems)
        {
            if (_recordedToFake.TryGetValue(recorded, out var known) && known != fake)
            {
                problems.Add($"{where}: uid {fake} where recorded uid {recorded} was uid {known} before");
            }
            else if (_fakeToRecorded.TryGetValue(fake, out var other) && other != recorded)
            {
                problems.Add($"{where}: uid {fake} stands for recorded uid {other} already, not {recorded}");
            }
            else
            {
                _recordedToFake[recorded] = fake;
                _fakeToRecorded[fake] = recorded;
            }
        }
    }

    [GeneratedRegex(@"^https?://[^/]+/(?:[^/]+/)*user/reset/(?<uid>\d+)/\d+/(?<hash>[A-Za-z0-9_-]{43})$")]
    private static partial Regex LoginLink();

    [GeneratedRegex(@"<title>([^<]*)</title>")]
    private static partial Regex HtmlTitle();

    [GeneratedRegex(@"/\d+(?=/|$)")]
    private static partial Regex UidInPath();
}
