using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// WordPress answers a taken username or email with HTTP 500. Create first meets that answer for every contact whose
/// account already exists (a second worker, a crash recovery, a re-import), so it must not count as a failing site.
/// </summary>
public sealed class CircuitBreakerTests
{
    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Many_refused_creates_do_not_open_the_circuit(bool companion)
    {
        using var server = new FakeWordPressServer();
        server.AddUser("taken", "taken@example.org");
        using var host = WordPressTestHost.For(server, companion);

        // More than the breaker's minimum throughput (100), all answered 500 existing_user_login / existing_user_email.
        for (var i = 0; i < 120; i++)
        {
            var taken = i % 2 == 0
                ? new NewCmsAccount { Username = "taken", Email = $"new{i}@example.org" }
                : new NewCmsAccount { Username = $"new{i}", Email = "taken@example.org" };
            var act = () => host.Provider.CreateAsync(taken);
            (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().BeOneOf(CmsErrorReason.DuplicateUsername, CmsErrorReason.DuplicateEmail);
        }

        var created = await host.Provider.CreateAsync(new NewCmsAccount { Username = "fresh", Email = "fresh@example.org" });

        created.Username.Should().Be("fresh");
        server.Requests.Count(r => r.StatusCode == 500).Should().BeGreaterThanOrEqualTo(120);
    }

    [Fact(Timeout = 120_000)]
    public async Task Many_new_account_emails_the_site_cannot_send_do_not_open_the_circuit()
    {
        // A plugin without the create route: each create is core's, then the email is the notify route's own request,
        // which answers 503 skvare_cmsuser_notify_failed (the site answered, its mail failed).
        using var server = new FakeWordPressServer { CompanionCreateAndLookup = false, MailFails = true };
        // A breaker that opens at a third of the requests failing: each account costs a create and an email request, so
        // email failures counted as the site's would open it.
        using var host = WordPressTestHost.For(server, companion: true, o => o.Http.CircuitBreakerFailureRatio = 0.3);

        // Twice the breaker's minimum throughput (100) of requests, half of them answered 503.
        var created = new List<CmsAccount>();
        for (var i = 0; i < 100; i++)
        {
            created.Add(await host.Provider.CreateAsync(new NewCmsAccount { Username = $"new{i}", Email = $"new{i}@example.org", Notify = true }));
        }

        created.Should().AllSatisfy(c =>
        {
            c.Notification.Should().Be(CmsNotification.Failed);
            c.NotificationFailure.Should().Contain("mail setup");
        });
        server.Users.Should().HaveCount(101, "every create went through, once (the admin account and 100 new ones)");
        server.Requests.Count(r => r.Path.EndsWith("/notify", StringComparison.Ordinal)).Should().Be(100, "one email request per account, never repeated");
        (await host.Provider.CreateAsync(new NewCmsAccount { Username = "fresh", Email = "fresh@example.org", Notify = false })).Username.Should().Be("fresh");
    }

    [Fact(Timeout = 60_000)]
    public async Task Real_server_failures_still_open_it()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server);
        server.FailNext(150, 500);

        var reasons = new List<CmsErrorReason>();
        for (var i = 0; i < 150; i++)
        {
            var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = $"user{i}", Email = $"user{i}@example.org" });
            reasons.Add((await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason);
        }

        // Once the breaker is open, creates are refused before they are sent: nothing can have been created.
        reasons.Should().Contain(CmsErrorReason.Unavailable);
        server.Requests.Count.Should().BeLessThan(150);
    }
}
