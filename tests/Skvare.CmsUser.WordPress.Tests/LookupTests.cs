using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class LookupTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Find_by_email_matches_exactly_and_ignores_case()
    {
        _server.AddUser("ajo", "ajo@example.org", "subscriber");
        var jo = _server.AddUser("jo", "Jo@Example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        var found = await host.Provider.FindByEmailAsync("jo@example.ORG");

        found.Should().NotBeNull();
        found!.UserId.Should().Be(jo.Id);
        found.Username.Should().Be("jo");
        _server.Requests[^1].Query.Should().Contain("context=edit").And.Contain("search_columns=email").And.Contain("per_page=100");
    }

    [Fact]
    public async Task Find_by_email_returns_null_when_only_a_substring_matches()
    {
        _server.AddUser("ajo", "ajo@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        (await host.Provider.FindByEmailAsync("jo@example.org")).Should().BeNull();
    }

    [Fact]
    public async Task Find_by_username_works_when_the_site_ignores_search_columns_and_matches_span_pages()
    {
        _server.SupportsSearchColumns = false;
        for (var i = 0; i < 150; i++)
        {
            _server.AddUser($"xsmith{i:000}", $"smith{i}@example.org", "subscriber");
        }

        var target = _server.AddUser("Smith", "plain@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        var found = await host.Provider.FindByUsernameAsync("smith");

        found!.UserId.Should().Be(target.Id);
        _server.Requests.Should().HaveCount(2, "the match is on the second page of 100");
    }

    [Fact]
    public async Task Find_by_username_returns_null_when_absent()
    {
        using var host = WordPressTestHost.For(_server);

        (await host.Provider.FindByUsernameAsync("nobody")).Should().BeNull();
    }

    [Fact]
    public async Task Get_by_id_returns_the_account_or_null()
    {
        var user = _server.AddUser("byid", "byid@example.org", "editor");
        using var host = WordPressTestHost.For(_server);

        var found = await host.Provider.GetByIdAsync(user.Id);
        var missing = await host.Provider.GetByIdAsync(999);

        found.Should().Be(new CmsAccount(user.Id, "byid", "byid@example.org") { Roles = found!.Roles, IsActive = true, CreatedAt = found.CreatedAt });
        found.CreatedAt.Should().NotBeNull("registered_date");
        found.Roles.Should().Equal("editor");
        missing.Should().BeNull();
    }

    [Fact]
    public async Task Search_with_a_wrong_password_is_Authentication()
    {
        using var host = WordPressTestHost.For(_server, configure: o => o.ApplicationPassword = "nope nope nope nope");

        var ex = (await host.Invoking(h => h.Provider.FindByEmailAsync("a@example.org")).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.ErrorCode.Should().Be("rest_forbidden_context");
    }

    [Fact]
    public async Task Html_page_instead_of_json_is_UnexpectedResponse()
    {
        _server.FailNext(1, 200, "<html><body>Welcome to my blog</body></html>");
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => h.Provider.FindByEmailAsync("a@example.org")).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Message.Should().Contain("BaseUrl");
    }

    [Fact]
    public async Task Html_404_is_UnexpectedResponse()
    {
        _server.FailNext(1, 404, "<html><body>Not Found</body></html>");
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => h.Provider.FindByEmailAsync("a@example.org")).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
    }

    [Fact]
    public async Task Server_errors_on_reads_are_retried_then_Unavailable()
    {
        _server.FailNext(3, 502);
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => h.Provider.FindByEmailAsync("a@example.org")).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.Unavailable);
        _server.Requests.Should().HaveCount(3, "one attempt and two retries");
    }

    [Fact]
    public async Task A_read_that_recovers_after_a_retry_succeeds()
    {
        var user = _server.AddUser("flaky", "flaky@example.org", "subscriber");
        _server.FailNext(1, 503);
        using var host = WordPressTestHost.For(_server);

        (await host.Provider.FindByEmailAsync("flaky@example.org"))!.UserId.Should().Be(user.Id);
    }

    [Fact]
    public async Task Too_many_requests_is_Throttled()
    {
        _server.FailNext(3, 429, "{\"code\":\"too_many\",\"message\":\"Slow down\",\"data\":{\"status\":429}}", "application/json");
        using var host = WordPressTestHost.For(_server);

        (await host.Invoking(h => h.Provider.GetByIdAsync(1)).Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Throttled);
    }

    [Fact]
    public async Task Unreachable_site_is_Unavailable()
    {
        var url = _server.BaseUrl;
        _server.Dispose();
        using var host = new WordPressTestHost(o =>
        {
            o.BaseUrl = url;
            o.Username = "admin";
            o.ApplicationPassword = "abcd abcd abcd abcd";
        });

        (await host.Invoking(h => h.Provider.FindByUsernameAsync("x")).Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Unavailable);
    }

    [Fact]
    public async Task Lookups_reject_missing_arguments()
    {
        using var host = WordPressTestHost.For(_server);

        await host.Invoking(h => h.Provider.FindByEmailAsync(" ")).Should().ThrowAsync<ArgumentException>();
        await host.Invoking(h => h.Provider.FindByUsernameAsync(null!)).Should().ThrowAsync<ArgumentException>();
        await host.Invoking(h => h.Provider.GetByIdAsync(0)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        _server.Requests.Should().BeEmpty();
    }
}
