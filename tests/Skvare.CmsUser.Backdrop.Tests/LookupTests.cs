namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class LookupTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task FindByEmail_matches_exactly_ignoring_case()
    {
        var seeded = _host.Server.AddUser("jdoe", "JDoe@Example.org", true, "editor");
        _host.Server.AddUser("jdoe2", "jdoe@example.org.uk");

        var found = await _host.Provider.FindByEmailAsync("jdoe@example.org");

        found.Should().BeEquivalentTo(new CmsAccount(seeded.Id, "jdoe", "JDoe@Example.org") { IsActive = true, Roles = ["editor"] });
        _host.Server.Requests.Single().Query.Should().Be("mail=jdoe%40example.org");
    }

    [Fact]
    public async Task FindByEmail_escapes_plus_signs()
    {
        var seeded = _host.Server.AddUser("jane", "jane+civi@example.org");

        (await _host.Provider.FindByEmailAsync("jane+civi@example.org"))!.UserId.Should().Be(seeded.Id);
    }

    [Fact]
    public async Task FindByEmail_without_match_is_null()
    {
        (await _host.Provider.FindByEmailAsync("nobody@example.org")).Should().BeNull();
    }

    [Fact]
    public async Task FindByUsername_matches_ignoring_case_and_reports_blocked_accounts()
    {
        var seeded = _host.Server.AddUser("Jane Doe", "jane@example.org", active: false);

        var found = await _host.Provider.FindByUsernameAsync("jane doe");

        found!.UserId.Should().Be(seeded.Id);
        found.IsActive.Should().BeFalse();
        (await _host.Provider.FindByUsernameAsync("jane")).Should().BeNull();
    }

    [Fact]
    public async Task GetById_returns_the_account_or_null_when_Backdrop_has_none()
    {
        var seeded = _host.Server.AddUser("jdoe", "jdoe@example.org");

        (await _host.Provider.GetByIdAsync(seeded.Id))!.Email.Should().Be("jdoe@example.org");
        (await _host.Provider.GetByIdAsync(999)).Should().BeNull();
    }

    [Fact]
    public async Task Lookups_are_retried_after_transient_server_errors()
    {
        _host.Server.AddUser("jdoe", "jdoe@example.org");
        _host.Server.FailNext(2, 503);

        var found = await _host.Provider.FindByEmailAsync("jdoe@example.org");

        found.Should().NotBeNull();
        _host.Server.Requests.Select(r => r.StatusCode).Should().Equal(503, 503, 200);
    }
}
