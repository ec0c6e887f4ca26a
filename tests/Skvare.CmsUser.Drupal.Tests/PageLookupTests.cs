using CsCheck;
using Skvare.CmsUser.Drupal;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// The page look-up (<see cref="ICmsAccountPrefetch"/>): one JSON:API query with <c>mail IN</c> and <c>name
/// STARTS_WITH</c> in an OR group, its pages of 50 followed, long pages split under the URL limit; the fake evaluates
/// the filter as JSON:API does.
/// </summary>
public sealed class PageLookupTests
{
    [Fact(Timeout = 120_000)]
    public async Task One_query_answers_the_page_questions()
    {
        using var host = new DrupalTestHost();
        host.Server.AddUser("jdoe", "jane@example.org");
        host.Server.AddUser("jdoe2", "other@example.org");
        host.Server.AddUser("maria", "maria@example.org", active: false);
        var prefetch = (ICmsAccountPrefetch)host.Provider;

        await prefetch.PrefetchAsync(["JANE@example.org", "new@example.org", "maria@example.org"], ["jdoe", "tom"], Timeout());
        var asked = host.ApiRequests.Count();
        var byEmail = await host.Provider.FindByEmailAsync("jane@example.org", Timeout());
        var missing = await host.Provider.FindByEmailAsync("new@example.org", Timeout());
        var blocked = await host.Provider.FindByEmailAsync("maria@example.org", Timeout());
        var numbered = await host.Provider.FindByUsernameAsync("JDOE2", Timeout());
        var free = await host.Provider.FindByUsernameAsync("tom", Timeout());

        asked.Should().Be(1);
        host.ApiRequests.Should().HaveCount(1, "every question was covered");
        byEmail!.Username.Should().Be("jdoe");
        missing.Should().BeNull();
        blocked!.IsActive.Should().BeFalse();
        numbered!.Email.Should().Be("other@example.org");
        free.Should().BeNull();
        Uri.UnescapeDataString(host.ApiRequests.Single().Query!).Should().Contain("[operator]=IN").And.Contain("[operator]=STARTS_WITH");
    }

    [Fact(Timeout = 120_000)]
    public async Task Pages_of_fifty_are_followed()
    {
        using var host = new DrupalTestHost();
        for (var i = 1; i <= 60; i++)
        {
            host.Server.AddUser($"member{i}", $"member{i}@example.org");
        }

        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync([], ["member"], Timeout());
        var asked = host.ApiRequests.Count();

        asked.Should().Be(2, "60 matches come in two pages");
        (await host.Provider.FindByUsernameAsync("member60", Timeout()))!.Email.Should().Be("member60@example.org");
        (await host.Provider.FindByUsernameAsync("member61", Timeout())).Should().BeNull();
        host.ApiRequests.Should().HaveCount(2);
    }

    [Fact]
    public void A_large_page_is_split_under_the_url_limit_and_keeps_every_term()
    {
        var emails = Enumerable.Range(0, 150).Select(i => $"someone.with.a.long.address{i}@example.org").ToList();
        var names = Enumerable.Range(0, 150).Select(i => $"someone.with.a.long.name{i}").ToList();

        var queries = DrupalAccountProvider.PrefetchQueries(emails, names).ToList();

        queries.Should().HaveCountGreaterThan(1);
        queries.Should().OnlyContain(q => q.Length <= 6000);
        var all = string.Join("&", queries);
        emails.Concat(names).Should().OnlyContain(t => all.Contains("=" + Uri.EscapeDataString(t) + "&", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_split_page_is_covered_whole()
    {
        using var host = new DrupalTestHost();
        var emails = Enumerable.Range(0, 150).Select(i => $"someone.with.a.long.address{i}@example.org").ToList();
        host.Server.AddUser("first", emails[0]);
        host.Server.AddUser("last", emails[^1]);

        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync(emails, [], Timeout());
        var asked = host.ApiRequests.Count();

        asked.Should().BeGreaterThan(1);
        (await host.Provider.FindByEmailAsync(emails[0], Timeout()))!.Username.Should().Be("first");
        (await host.Provider.FindByEmailAsync(emails[^1], Timeout()))!.Username.Should().Be("last");
        (await host.Provider.FindByEmailAsync(emails[70], Timeout())).Should().BeNull();
        host.ApiRequests.Should().HaveCount(asked);
    }

    [Fact(Timeout = 120_000)]
    public async Task When_the_look_up_fails_every_question_goes_to_the_site()
    {
        using var host = new DrupalTestHost();
        host.Server.AddUser("jdoe", "jane@example.org");
        host.Server.FailNext(1, 503);

        await ((ICmsAccountPrefetch)host.Provider).PrefetchAsync(["jane@example.org"], ["jdoe"], Timeout());
        var found = await host.Provider.FindByEmailAsync("jane@example.org", Timeout());

        found!.Username.Should().Be("jdoe");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_page_look_up_answers_as_the_single_look_ups_do()
    {
        using var lookup = new DrupalTestHost();
        var round = 0;
        var name = Gen.String[Gen.Char["abAB.-_9"], 1, 5];

        await Gen.Select(name.Array[0, 6], name.Array[1, 3], name).SampleAsync(async (seeded, prefixes, query) =>
        {
            var tag = $"r{Interlocked.Increment(ref round)}x";
            var fresh = seeded.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            foreach (var s in fresh)
            {
                lookup.Server.AddUser(tag + s, $"{tag}{s}@example.org");
            }

            var emails = fresh.Take(2).Select(s => $"{tag}{s}@example.org").Append($"{tag}{query}@example.org").ToArray();
            var usernames = fresh.Append(query).Select(n => tag + n).ToArray();
            var single = new Dictionary<string, long?>();
            foreach (var email in emails)
            {
                single["e:" + email] = (await lookup.Provider.FindByEmailAsync(email, Timeout()))?.UserId;
            }

            foreach (var username in usernames)
            {
                single["u:" + username] = (await lookup.Provider.FindByUsernameAsync(username, Timeout()))?.UserId;
            }

            await ((ICmsAccountPrefetch)lookup.Provider).PrefetchAsync(emails, [.. prefixes.Select(p => tag + p)], Timeout());

            foreach (var email in emails)
            {
                (await lookup.Provider.FindByEmailAsync(email, Timeout()))?.UserId.Should().Be(single["e:" + email], email);
            }

            foreach (var username in usernames)
            {
                (await lookup.Provider.FindByUsernameAsync(username, Timeout()))?.UserId.Should().Be(single["u:" + username], username);
            }
        }, iter: 40, threads: 1);
    }

    // A bound, not a latency budget: a cold first request (server start, JIT) took over 20 s at load 100.
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
