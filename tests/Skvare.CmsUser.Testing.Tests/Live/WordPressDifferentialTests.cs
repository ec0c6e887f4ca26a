using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.Testing.Tests.Conformance;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.WordPress.Tests.Live;
using Xunit.Abstractions;

namespace Skvare.CmsUser.Testing.Tests.Live;

/// <summary>
/// Sends one request sequence (create, duplicates, invalid values, unknown role, look-ups, resets, bad credentials,
/// delete) to the live WordPress and to <see cref="FakeWordPressServer"/>, and compares the answers as the
/// conformance suite does. Wherever they differ, the fake is wrong. Skipped without a live site unless
/// CMSUSER_REQUIRE_LIVE=1.
/// </summary>
public sealed class WordPressDifferentialTests(ITestOutputHelper output)
{
    [LiveWordPressFact(Timeout = 120_000)]
    public async Task The_fake_answers_the_request_sequence_as_the_live_wordpress()
    {
        var live = LiveWordPressSite.Current ?? LiveWordPressSite.Require();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        using var fake = new FakeWordPressServer { SupportsSearchColumns = false };

        // Unique names per run: the live site keeps what earlier runs created.
        var run = "dif" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..10];
        var real = await RunAsync(new Target(live.Url, live.User, live.ApplicationPassword), run, timeout.Token);
        var mine = await RunAsync(new Target(fake.BaseUrl, fake.AdminUsername, fake.ApplicationPassword), run, timeout.Token);

        real.Select(a => a.Step).Should().Equal(mine.Select(a => a.Step));
        var differences = new List<string>();
        for (var i = 0; i < real.Count; i++)
        {
            var recorded = real[i].AsRecorded(i + 1);
            output.WriteLine($"{real[i].Step}: live {real[i].Status} {real[i].Body[..Math.Min(90, real[i].Body.Length)]} | fake {mine[i].Status} {mine[i].Body[..Math.Min(90, mine[i].Body.Length)]}");
            differences.AddRange(ExchangeComparer.Compare(recorded, mine[i].Status, mine[i].ContentType, mine[i].Body).Select(d => $"{real[i].Step}: {d}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{real.Count - differences.Select(d => d.Split(':')[0]).Distinct().Count()} of {real.Count} exchanges answered alike"));
        differences.Should().BeEmpty();
    }

    private static async Task<List<Answer>> RunAsync(Target target, string run, CancellationToken ct)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = target.Url, Timeout = TimeSpan.FromSeconds(30) };
        var answers = new List<Answer>();
        var good = Basic(target.User, target.Password);
        var bad = Basic(target.User, "wrong wrong wrong wrong");
        async Task<Answer> Send(string step, HttpMethod method, string path, object? json = null, AuthenticationHeaderValue? auth = null, string? form = null)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = auth ?? good;
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (json is not null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(json), Encoding.UTF8, "application/json");
            }
            else if (form is not null)
            {
                request.Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
            }

            using var response = await http.SendAsync(request, ct);
            var answer = new Answer(step, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString() ?? string.Empty, await response.Content.ReadAsStringAsync(ct));
            answers.Add(answer);
            return answer;
        }

        var me = await Send("me", HttpMethod.Get, "wp-json/wp/v2/users/me?context=edit");
        var adminId = me.Json().GetProperty("id").GetInt64();
        var user = new Dictionary<string, object>
        {
            ["username"] = run, ["email"] = run + "@example.org", ["password"] = "Pw-" + run, ["first_name"] = "Dif", ["last_name"] = "Férent",
            ["name"] = "Dif Férent", ["locale"] = "en_US", ["roles"] = new[] { "subscriber" },
        };
        var created = await Send("create", HttpMethod.Post, "wp-json/wp/v2/users", user);
        var id = created.Json().GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);
        await Send("duplicate username", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["email"] = run + ".2@example.org" });
        await Send("duplicate email in other case", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["username"] = run + "b", ["email"] = run.ToUpperInvariant() + "@Example.org" });
        await Send("invalid email", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["username"] = run + "c", ["email"] = "u@exa_mple.org" });
        await Send("email without a dot", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["username"] = run + "c", ["email"] = run + "@localhost" });
        await Send("invalid username", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["username"] = run + "<b>", ["email"] = run + ".3@example.org" });
        await Send("unknown role", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["username"] = run + "d", ["email"] = run + ".4@example.org", ["roles"] = new[] { "no_such_role_" + run } });
        await Send("missing password", HttpMethod.Post, "wp-json/wp/v2/users", new { username = run + "e", email = run + ".5@example.org" });
        await Send("search by email", HttpMethod.Get, $"wp-json/wp/v2/users?context=edit&per_page=100&page=1&search={run}%40example.org&search_columns=email");
        await Send("search by username", HttpMethod.Get, $"wp-json/wp/v2/users?context=edit&per_page=100&page=1&search={run}&search_columns=username");
        await Send("search for nobody", HttpMethod.Get, $"wp-json/wp/v2/users?context=edit&per_page=100&page=1&search=nobody.{run}%40example.org&search_columns=email");
        await Send("get by id", HttpMethod.Get, $"wp-json/wp/v2/users/{id}?context=edit");
        await Send("get a missing id", HttpMethod.Get, "wp-json/wp/v2/users/987654321?context=edit");
        await Send("companion status", HttpMethod.Get, "wp-json/skvare-cmsuser/v1/status");
        await Send("companion reset", HttpMethod.Post, $"wp-json/skvare-cmsuser/v1/users/{id}/reset");
        await Send("lostpassword form", HttpMethod.Post, "wp-login.php?action=lostpassword", form: "user_login=" + Uri.EscapeDataString(run));
        await Send("bad credentials: me", HttpMethod.Get, "wp-json/wp/v2/users/me?context=edit", auth: bad);
        await Send("bad credentials: create", HttpMethod.Post, "wp-json/wp/v2/users", new Dictionary<string, object>(user) { ["username"] = run + "f", ["email"] = run + ".6@example.org" }, auth: bad);
        await Send("bad credentials: companion", HttpMethod.Get, "wp-json/skvare-cmsuser/v1/status", auth: bad);
        await Send("delete without reassign", HttpMethod.Delete, $"wp-json/wp/v2/users/{id}");
        await Send("delete without force", HttpMethod.Delete, $"wp-json/wp/v2/users/{id}?reassign={adminId}");
        await Send("delete reassigning to itself", HttpMethod.Delete, $"wp-json/wp/v2/users/{id}?force=true&reassign={id}");
        await Send("delete with bad credentials", HttpMethod.Delete, $"wp-json/wp/v2/users/{id}?force=true&reassign={adminId}", auth: bad);
        await Send("delete", HttpMethod.Delete, $"wp-json/wp/v2/users/{id}?force=true&reassign={adminId}");
        await Send("delete again", HttpMethod.Delete, $"wp-json/wp/v2/users/{id}?force=true&reassign={adminId}");
        return answers;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    private sealed record Target(Uri Url, string User, string Password);

    private sealed record Answer(string Step, int Status, string ContentType, string Body)
    {
        public JsonElement Json()
        {
            using var doc = JsonDocument.Parse(Body);
            return doc.RootElement.Clone();
        }

        public RecordedExchange AsRecorded(int seq)
        {
            JsonElement? json = null;
            if (ContentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    json = Json();
                }
                catch (JsonException)
                {
                }
            }

            return new RecordedExchange(seq, "", Step, [], new Dictionary<string, string>(), null, null, Status, ContentType, json, json is null ? Body : null, Step);
        }
    }
}
