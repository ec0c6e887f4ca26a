using System.Globalization;
using Microsoft.Extensions.Logging;
using CsCheck;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The companion plugin's create route (the account and its new-account email in one request) and its page look-up
/// (<see cref="ICmsAccountPrefetch"/>), on the fake that answers as the plugin does; and the refusals of both create
/// routes in WordPress's order (username before email).
/// </summary>
public sealed class CompanionCreateAndLookupTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task With_the_companion_a_notified_create_is_one_request_and_one_mail()
    {
        using var host = WordPressTestHost.For(_server, companion: true);
        host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.NotifiesInCreate);

        var created = await host.Provider.CreateAsync(New("one.request"), Timeout());

        _server.Requests.Should().ContainSingle().Which.Path.Should().Be("/wp-json/skvare-cmsuser/v1/users");
        _server.Requests[0].Query.Should().Contain("notify=user");
        _server.Mails.Should().ContainSingle().Which.Should().Be(new FakeWordPressMail("one.request@example.org", "new-account", created.UserId));
        created.Roles.Should().Equal("subscriber");
        created.Notification.Should().Be(CmsNotification.Sent);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_notified_create_whose_email_fails_returns_the_account_and_warns_without_a_second_request()
    {
        _server.MailFails = true;
        using var host = WordPressTestHost.For(_server, companion: true);

        var created = await host.Provider.CreateAsync(New("no.mail"), Timeout());

        created.UserId.Should().Be(_server.FindUser("no.mail")!.Id, "the account exists although its email failed");
        created.Notification.Should().Be(CmsNotification.Failed);
        created.NotificationFailure.Should().Contain("wp_mail");
        created.NotificationFailureReason.Should().Be(CmsNotificationFailure.MailRefused);
        _server.Requests.Should().ContainSingle("the plugin already tried; its notify route would fail the same way")
            .Which.Path.Should().Be("/wp-json/skvare-cmsuser/v1/users");
        _server.Mails.Should().BeEmpty();
        var logs = host.Logs.GetSnapshot();
        var warning = logs.Should().ContainSingle(r => r.Id.Id == 3004).Which;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain(created.UserId.ToString(CultureInfo.InvariantCulture)).And.Contain(nameof(CmsErrorReason.MailFailed));
        logs.Should().NotContain(r => r.Id.Id == 3007, "WordPress did not send the new account email");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_notify_route_reports_a_failed_email_as_MailFailed_once()
    {
        var user = _server.AddUser("notify.fails", "notify.fails@example.org", "subscriber");
        _server.MailFails = true;
        using var host = WordPressTestHost.For(_server, companion: true);

        var ex = (await host.Invoking(h => ((WordPressAccountProvider)h.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, null, null), Timeout()))
            .Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.MailFailed, "the site answered that its mail failed: it is not down");
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.ErrorCode.Should().Be("skvare_cmsuser_notify_failed");
        ex.StatusCode.Should().Be(503);
        ex.Message.Should().Contain("mail setup");
        _server.Requests.Should().ContainSingle("an email is not sent twice");
        _server.Mails.Should().BeEmpty();
        host.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 3007);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_create_without_notification_uses_the_core_route_and_sends_no_mail()
    {
        using var host = WordPressTestHost.For(_server, companion: true);

        await host.Provider.CreateAsync(New("quiet") with { Notify = false }, Timeout());

        _server.Requests.Should().ContainSingle().Which.Path.Should().Be("/wp-json/wp/v2/users");
        _server.Mails.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task A_plugin_without_the_create_route_falls_back_to_core_and_a_second_request_once()
    {
        _server.CompanionCreateAndLookup = false;
        using var host = WordPressTestHost.For(_server, companion: true);

        var first = await host.Provider.CreateAsync(New("old.plugin1"), Timeout());
        var afterFirst = _server.Requests.Count;
        var second = await host.Provider.CreateAsync(New("old.plugin2"), Timeout());

        afterFirst.Should().Be(3, "the missing route (404, nothing created), core's create, the notify route");
        host.Provider.Capabilities.Should().NotHaveFlag(CmsCapabilities.NotifiesInCreate, "the email is a second request now");
        (_server.Requests.Count - afterFirst).Should().Be(2, "the missing route is not asked again");
        _server.Mails.Select(m => (m.UserId, m.Kind)).Should().Equal((first.UserId, "new-account"), (second.UserId, "new-account"));
        host.AllLogText().Should().Contain("no create route");
    }

    [Theory(Timeout = 120_000)]
    [InlineData(true, "taken.name", "free@example.org", CmsErrorReason.DuplicateUsername, "existing_user_login")]
    [InlineData(true, "free.name", "taken@example.org", CmsErrorReason.DuplicateEmail, "existing_user_email")]
    [InlineData(true, "TAKEN.name", "TAKEN@example.org", CmsErrorReason.DuplicateUsername, "existing_user_login")]
    [InlineData(false, "taken.name", "free@example.org", CmsErrorReason.DuplicateUsername, "existing_user_login")]
    [InlineData(false, "free.name", "taken@example.org", CmsErrorReason.DuplicateEmail, "existing_user_email")]
    [InlineData(false, "taken.name", "taken@example.org", CmsErrorReason.DuplicateUsername, "existing_user_login")]
    public async Task Refusals_are_mapped_username_first_on_both_routes(bool companion, string username, string email, CmsErrorReason reason, string code)
    {
        _server.AddUser("taken.name", "taken@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion);

        var refused = (await host.Provider.Invoking(p => p.CreateAsync(New(username) with { Email = email }, Timeout())).Should().ThrowAsync<CmsProviderException>()).Which;

        refused.Reason.Should().Be(reason);
        refused.ErrorCode.Should().Be(code);
        refused.StatusCode.Should().Be(500);
        _server.Mails.Should().BeEmpty();
        _server.Users.Should().HaveCount(2, "nothing was created");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_page_look_up_is_one_request_and_answers_the_page_questions()
    {
        _server.AddUser("jdoe", "jane@example.org", "subscriber");
        _server.AddUser("jdoe2", "other@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);
        var prefetch = (ICmsAccountPrefetch)host.Provider;

        await prefetch.PrefetchAsync(["JANE@example.org", "new@example.org"], ["jdoe", "maria"], Timeout());
        var lookups = _server.Requests.Count;
        var byEmail = await host.Provider.FindByEmailAsync("jane@example.org", Timeout());
        var missing = await host.Provider.FindByEmailAsync("new@example.org", Timeout());
        var numbered = await host.Provider.FindByUsernameAsync("JDOE2", Timeout());
        var free = await host.Provider.FindByUsernameAsync("jdoe3", Timeout());
        var maria = await host.Provider.FindByUsernameAsync("maria", Timeout());

        lookups.Should().Be(1);
        _server.Requests.Should().HaveCount(1, "every question was covered by the page look-up");
        byEmail!.Username.Should().Be("jdoe");
        missing.Should().BeNull();
        numbered!.Email.Should().Be("other@example.org");
        free.Should().BeNull();
        maria.Should().BeNull();

        var created = await host.Provider.CreateAsync(New("maria"), Timeout());
        (await host.Provider.FindByUsernameAsync("maria", Timeout()))!.UserId.Should().Be(created.UserId, "the provider's own creates are seen");
        (await host.Provider.FindByEmailAsync("outside@example.org", Timeout())).Should().BeNull();
        _server.Requests.Count(r => r.Method == "GET").Should().Be(1, "only the question outside the page went to the site");
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_the_look_up_route_every_question_goes_to_the_site()
    {
        _server.CompanionCreateAndLookup = false;
        _server.AddUser("jdoe", "jane@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);

        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync(["jane@example.org"], ["jdoe"], Timeout());
        var found = await host.Provider.FindByEmailAsync("jane@example.org", Timeout());

        found!.Username.Should().Be("jdoe");
        _server.Requests.Should().HaveCount(2, "the failed look-up, then the search");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_refusal_the_page_look_up_explains_keeps_it_answering()
    {
        _server.AddUser("jdoe", "jane@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);
        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync(["jane@example.org"], ["jdoe"], Timeout());

        // Create first on a re-import: the site refuses the name the look-up already knows is taken.
        await host.Provider.Invoking(p => p.CreateAsync(New("jdoe") with { Email = "jane@example.org" }, Timeout())).Should().ThrowAsync<CmsProviderException>();
        var before = _server.Requests.Count;
        var found = await host.Provider.FindByEmailAsync("jane@example.org", Timeout());

        found!.Username.Should().Be("jdoe");
        _server.Requests.Should().HaveCount(before, "the look-up knew the account that took the name: no search");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_last_three_page_look_ups_answer_together()
    {
        _server.AddUser("ann", "ann@example.org", "subscriber");
        _server.AddUser("bob", "bob@example.org", "subscriber");
        _server.AddUser("cy", "cy@example.org", "subscriber");
        _server.AddUser("dee", "dee@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);
        var prefetch = (ICmsAccountPrefetch)host.Provider;
        foreach (var name in new[] { "ann", "bob", "cy", "dee" })
        {
            await prefetch.PrefetchAsync([$"{name}@example.org"], [name], Timeout());
        }

        var lookups = _server.Requests.Count;
        foreach (var name in new[] { "bob", "cy", "dee" })
        {
            (await host.Provider.FindByEmailAsync($"{name}@example.org", Timeout()))!.Username.Should().Be(name);
        }

        _server.Requests.Should().HaveCount(lookups, "the last three look-ups answer (the engine looks a page up while two earlier pages finish)");
        (await host.Provider.FindByEmailAsync("ann@example.org", Timeout()))!.Username.Should().Be("ann");
        _server.Requests.Should().HaveCount(lookups + 1, "the fourth look-up back is gone: the site is asked");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_refused_create_drops_the_page_look_up()
    {
        using var host = WordPressTestHost.For(_server, companion: true);
        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync(["late@example.org"], ["late"], Timeout());
        _server.AddUser("late", "late@example.org", "subscriber"); // created by someone else after the look-up

        await host.Provider.Invoking(p => p.CreateAsync(New("late"), Timeout())).Should().ThrowAsync<CmsProviderException>();
        var found = await host.Provider.FindByEmailAsync("late@example.org", Timeout());

        found!.Username.Should().Be("late", "after the refusal the site is asked again");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_page_look_up_answers_as_the_searches_do()
    {
        using var withLookup = WordPressTestHost.For(_server, companion: true);
        using var withSearch = WordPressTestHost.For(_server, companion: false);
        var round = 0;
        var name = Gen.String[Gen.Char["abAB.-_9"], 1, 5];

        await Gen.Select(name.Array[0, 6], name.Array[1, 3], name).SampleAsync(async (seeded, prefixes, query) =>
        {
            var tag = $"r{Interlocked.Increment(ref round)}x";
            foreach (var s in seeded.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                _server.AddUser(tag + s, $"{tag}{s}@example.org", "subscriber");
            }

            var page = prefixes.Select(p => tag + p).ToArray();
            var emails = seeded.Take(2).Select(s => $"{tag}{s}@example.org").Append($"{tag}{query}@example.org").ToArray();
            await ((ICmsAccountPrefetch)withLookup.Provider).PrefetchAsync(emails, page, Timeout());

            foreach (var email in emails)
            {
                (await withLookup.Provider.FindByEmailAsync(email, Timeout()))?.UserId
                    .Should().Be((await withSearch.Provider.FindByEmailAsync(email, Timeout()))?.UserId, email);
            }

            foreach (var username in seeded.Append(query).Select(n => tag + n))
            {
                (await withLookup.Provider.FindByUsernameAsync(username, Timeout()))?.UserId
                    .Should().Be((await withSearch.Provider.FindByUsernameAsync(username, Timeout()))?.UserId, username);
            }
        }, iter: 40, threads: 1);
    }

    private static NewCmsAccount New(string username) =>
        new() { Username = username, Email = username + "@example.org", Roles = ["subscriber"], Notify = true };

    // A bound, not a latency budget: a cold first request (server start, JIT) took over 20 s at load 100.
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
