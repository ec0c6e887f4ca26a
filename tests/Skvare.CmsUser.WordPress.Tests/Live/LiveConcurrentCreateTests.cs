using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// The companion plugin's create route against the real WordPress when separate processes (here: separate
/// HttpClients, so separate connections and PHP workers) create one email at the same moment. Core checks the email
/// and then inserts; the plugin (0.2.1) holds a MySQL named lock over both, so exactly one account is made and the
/// others get core's existing_user_email refusal.
/// </summary>
[Trait("Category", "Live")]
public sealed class LiveConcurrentCreateTests
{
    private const int Racers = 8;
    private const int Rounds = 5;

    [LiveWordPressFact]
    public async Task Live_concurrent_creates_of_one_email_make_exactly_one_account()
    {
        var site = LiveWordPressSite.Require();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = cts.Token;
        var clients = Enumerable.Range(0, Racers).Select(_ => Client(site)).ToList();
        var emails = new List<string>();
        try
        {
            // Without the lock a round makes duplicates only sometimes: several rounds make the race near certain.
            var rounds = new List<(int Accounts, int Created, string?[] Refusals)>();
            for (var round = 0; round < Rounds; round++)
            {
                var run = Guid.NewGuid().ToString("N")[..10];
                var email = $"race-{run}@example.org";
                emails.Add(email);
                var answers = await RaceAsync(clients, run, email, ct);
                var accounts = await AccountsWithEmailAsync(clients[0], email, ct);
                rounds.Add((accounts.Count, answers.Count(a => a.Status == HttpStatusCode.Created), [.. answers.Where(a => a.Status != HttpStatusCode.Created).Select(a => a.Code)]));
            }

            rounds.Select(r => r.Accounts).Should().OnlyContain(n => n == 1, "one email makes one account, however many creates race");
            rounds.Select(r => r.Created).Should().OnlyContain(n => n == 1);
            rounds.SelectMany(r => r.Refusals).Should().OnlyContain(c => c == "existing_user_email", "the later creates see the first one's row");
        }
        finally
        {
            foreach (var email in emails)
            {
                await DeleteAccountsAsync(clients[0], email, CancellationToken.None);
            }

            clients.ForEach(c => c.Dispose());
        }
    }

    private static async Task<(HttpStatusCode Status, string? Code)[]> RaceAsync(List<HttpClient> clients, string run, string email, CancellationToken ct)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = clients.Select((client, i) => Task.Run(
            async () =>
            {
                await start.Task.WaitAsync(ct);
                var body = JsonSerializer.Serialize(new { username = $"race-{run}-{i}", email, password = Guid.NewGuid().ToString("N"), roles = new[] { "subscriber" } });
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var answer = await client.PostAsync("wp-json/skvare-cmsuser/v1/users?notify=none", content, ct);
                var text = await answer.Content.ReadAsStringAsync(ct);
                return (answer.StatusCode, answer.StatusCode == HttpStatusCode.Created ? null : JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
            },
            ct)).ToList();
        start.SetResult();
        return await Task.WhenAll(racers);
    }

    private static HttpClient Client(LiveWordPressSite site)
    {
        // One handler per client: its own connection pool, as another process would have.
        var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = site.Url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{site.User}:{site.ApplicationPassword}")));
        return client;
    }

    private static async Task<List<int>> AccountsWithEmailAsync(HttpClient client, string email, CancellationToken ct)
    {
        using var answer = await client.PostAsJsonAsync("wp-json/skvare-cmsuser/v1/users/lookup", new { emails = new[] { email } }, ct);
        answer.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(ct));
        return [.. json.RootElement.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetInt32())];
    }

    private static async Task DeleteAccountsAsync(HttpClient client, string email, CancellationToken ct)
    {
        using var me = JsonDocument.Parse(await client.GetStringAsync("wp-json/wp/v2/users/me", ct));
        var reassign = me.RootElement.GetProperty("id").GetInt32();
        foreach (var id in await AccountsWithEmailAsync(client, email, ct))
        {
            using var deleted = await client.DeleteAsync($"wp-json/wp/v2/users/{id}?force=true&reassign={reassign}", ct);
            deleted.EnsureSuccessStatusCode();
        }
    }
}
