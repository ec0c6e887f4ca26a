using System.Text.Json;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// The companion plugin 0.2.0 routes against the real WordPress, and the fake next to it: the create with its
/// new-account email in one request, the page look-up, and the refusals (username before email) answered the same
/// by the site and the fake on both create routes.
/// </summary>
[Trait("Category", "Live")]
public sealed class LiveCompanionCreateTests
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..10];
    private static int _counter;

    [LiveWordPressFact]
    public async Task Live_companion_create_sends_the_new_account_email_in_the_same_request()
    {
        using var host = Host(companion: true);
        var wanted = New();

        var created = await host.Provider.CreateAsync(wanted, Timeout());

        created.UserId.Should().BePositive();
        MailsTo(wanted.Email).Should().ContainSingle("exactly one mail per default create");
        created.Notification.Should().Be(CmsNotification.Sent);
        host.AllLogText().Should().NotContain("no create route", "the live plugin has the route");
        host.Logs.GetSnapshot().Count(r => r.Id.Id == 3000).Should().Be(1, "one HTTP request: the create, with its email");
    }

    [LiveWordPressCompanionFact("0.2.2")]
    public async Task Live_companion_create_whose_email_fails_still_creates_and_says_the_email_was_not_sent()
    {
        using var host = Host(companion: true);
        var wanted = New();
        wanted = wanted with { Email = wanted.Username + "@mail-fails.invalid" };

        var created = await host.Provider.CreateAsync(wanted, Timeout());

        created.UserId.Should().BePositive("the account exists although its email failed");
        created.Notification.Should().Be(CmsNotification.Failed, "plugin 0.2.2 answered X-Skvare-CmsUser-Notified: failed");
        MailsTo(wanted.Email).Should().BeEmpty();
        var logs = host.Logs.GetSnapshot();
        logs.Count(r => r.Id.Id == 3000).Should().Be(1, "one request: no second try of the email through the notify route");
        logs.Should().ContainSingle(r => r.Id.Id == 3004).Which.Level.Should().Be(Microsoft.Extensions.Logging.LogLevel.Warning);
        logs.Should().NotContain(r => r.Id.Id == 3007, "WordPress did not send the email");
        (await host.Provider.FindByEmailAsync(wanted.Email, Timeout()))!.UserId.Should().Be(created.UserId);

        // The notify route fails loudly, and the fake with MailFails answers the same.
        var fromLive = await NotifyFailureAsync(host, created.UserId);
        using var fake = new FakeWordPressServer { MailFails = true };
        using var faked = WordPressTestHost.For(fake, companion: true);
        var user = fake.AddUser("notify.fails", "notify.fails@example.org", "subscriber");
        var fromFake = await NotifyFailureAsync(faked, user.Id);

        fromLive.Should().Be((CmsErrorReason.MailFailed, "skvare_cmsuser_notify_failed", 503));
        fromFake.Should().Be(fromLive);
    }

    private static async Task<(CmsErrorReason Reason, string? Code, int? Status)> NotifyFailureAsync(WordPressTestHost host, long userId)
    {
        var provider = (WordPressAccountProvider)host.Provider;
        var refused = (await provider.Invoking(p => p.SendNewAccountNotificationAsync(new CmsAccount(userId, null, null), Timeout())).Should().ThrowAsync<CmsProviderException>()).Which;
        return (refused.Reason, refused.ErrorCode, refused.StatusCode);
    }

    [LiveWordPressFact]
    public async Task Live_page_look_up_finds_emails_and_numbered_usernames_in_one_request()
    {
        using var host = Host(companion: true);
        var first = await host.Provider.CreateAsync(New() with { Notify = false }, Timeout());
        var second = await host.Provider.CreateAsync(New() with { Notify = false, Username = first.Username + "2" }, Timeout());
        var before = host.Logs.GetSnapshot().Count(r => r.Id.Id == 3000);

        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync([first.Email!.ToUpperInvariant(), "nobody-" + first.Email], [first.Username!], Timeout());
        var byEmail = await host.Provider.FindByEmailAsync(first.Email!, Timeout());
        var numbered = await host.Provider.FindByUsernameAsync(second.Username!, Timeout());
        var free = await host.Provider.FindByUsernameAsync(first.Username + "3", Timeout());
        var nobody = await host.Provider.FindByEmailAsync("nobody-" + first.Email, Timeout());

        host.Logs.GetSnapshot().Count(r => r.Id.Id == 3000).Should().Be(before + 1, "one look-up answered every question");
        byEmail!.UserId.Should().Be(first.UserId);
        numbered!.UserId.Should().Be(second.UserId);
        free.Should().BeNull();
        nobody.Should().BeNull();
    }

    [LiveWordPressCompanionFact("0.2.3")]
    public async Task Live_page_look_up_answers_the_creation_date_core_answers_and_the_fake_answers_it_alike()
    {
        using var host = Host(companion: true);
        var created = await host.Provider.CreateAsync(New() with { Notify = false }, Timeout());
        var byId = await host.Provider.GetByIdAsync(created.UserId, Timeout());
        var before = host.Logs.GetSnapshot().Count(r => r.Id.Id == 3000);

        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync([created.Email!], [], Timeout());
        var looked = await host.Provider.FindByEmailAsync(created.Email!, Timeout());

        host.Logs.GetSnapshot().Count(r => r.Id.Id == 3000).Should().Be(before + 1, "the look-up answered the date: no read by id");
        byId!.CreatedAt.Should().NotBeNull("core's registered_date");
        looked!.CreatedAt.Should().Be(byId.CreatedAt, "plugin 0.2.3 answers registered_date as core does");
        created.CreatedAt.Should().Be(byId.CreatedAt, "the create's answer is core's, with registered_date");

        // The raw answers: the plugin's text is core's, and the fake's look-up answers the same form.
        var site = LiveWordPressSite.Require();
        using var http = new HttpClient { BaseAddress = site.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(site.User + ":" + site.ApplicationPassword)));
        var core = await ReadJsonAsync(http.GetAsync($"wp-json/wp/v2/users/{created.UserId}?context=edit", Timeout()));
        var plugin = await ReadJsonAsync(http.PostAsync("wp-json/skvare-cmsuser/v1/users/lookup", JsonContent(created.Email!), Timeout()));
        var liveDate = plugin.GetProperty("users")[0].GetProperty("registered_date").GetString();
        liveDate.Should().Be(core.GetProperty("registered_date").GetString());

        using var fake = new FakeWordPressServer();
        fake.AddUser("dated", "dated@example.org", "subscriber");
        using var fakeHttp = new HttpClient { BaseAddress = fake.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        fakeHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(fake.AdminUsername + ":" + fake.ApplicationPassword)));
        var faked = await ReadJsonAsync(fakeHttp.PostAsync("wp-json/skvare-cmsuser/v1/users/lookup", JsonContent("dated@example.org"), Timeout()));
        var fakeUser = faked.GetProperty("users")[0];
        fakeUser.EnumerateObject().Select(p => p.Name).Should().Equal(plugin.GetProperty("users")[0].EnumerateObject().Select(p => p.Name));
        fakeUser.GetProperty("registered_date").GetString().Should().MatchRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$").And.HaveLength(liveDate!.Length);
    }

    private static StringContent JsonContent(string email) =>
        new("{\"emails\":[\"" + email + "\"],\"usernames\":[]}", System.Text.Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadJsonAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [LiveWordPressFact]
    public async Task Live_and_fake_refuse_duplicates_in_the_same_order_on_both_routes()
    {
        using var fake = new FakeWordPressServer();
        foreach (var companion in new[] { false, true })
        {
            using var live = Host(companion);
            using var faked = WordPressTestHost.For(fake, companion);
            var seed = New() with { Notify = false };
            await live.Provider.CreateAsync(seed, Timeout());
            await faked.Provider.CreateAsync(seed, Timeout());

            var cases = new[]
            {
                ("username", New() with { Username = seed.Username.ToUpperInvariant() }),
                ("email", New() with { Email = seed.Email.ToUpperInvariant() }),
                ("both", New() with { Username = seed.Username, Email = seed.Email }),
            };
            foreach (var (name, account) in cases)
            {
                var fromLive = await RefusalAsync(live.Provider, account);
                var fromFake = await RefusalAsync(faked.Provider, account);

                fromFake.Should().Be(fromLive, $"{name} clash, companion {companion}");
            }

            (await RefusalAsync(live.Provider, cases[2].Item2)).Reason.Should().Be(CmsErrorReason.DuplicateUsername, "WordPress checks the username first");
        }
    }

    private static async Task<(CmsErrorReason Reason, string? Code, int? Status)> RefusalAsync(ICmsAccountProvider provider, NewCmsAccount account)
    {
        var refused = (await provider.Invoking(p => p.CreateAsync(account, Timeout())).Should().ThrowAsync<CmsProviderException>()).Which;
        return (refused.Reason, refused.ErrorCode, refused.StatusCode);
    }

    private static WordPressTestHost Host(bool companion)
    {
        var site = LiveWordPressSite.Require();
        return new WordPressTestHost(o =>
        {
            o.BaseUrl = site.Url;
            o.Username = site.User;
            o.ApplicationPassword = site.ApplicationPassword;
            o.UseCompanionPlugin = companion;
        });
    }

    private static NewCmsAccount New()
    {
        var name = $"cc-{RunId}-{Interlocked.Increment(ref _counter)}";
        return new NewCmsAccount { Username = name, Email = name + "@example.org", Roles = ["subscriber"], Notify = true };
    }

    private static List<string> MailsTo(string email)
    {
        var dir = LiveWordPressSite.Require().MailDirectory ?? throw new InvalidOperationException("CMSUSER_WP_MAILDIR is not set.");
        return [.. Directory.GetFiles(dir, "*.json")
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)))
            .Where(j => j.RootElement.GetProperty("to").EnumerateArray().Any(t => string.Equals(t.GetString(), email, StringComparison.OrdinalIgnoreCase)))
            .Select(j => j.RootElement.GetProperty("subject").GetString()!)];
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
