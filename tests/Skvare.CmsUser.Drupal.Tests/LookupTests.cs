namespace Skvare.CmsUser.Drupal.Tests;

public sealed class LookupTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task FindByEmail_uses_the_JSON_API_filter_and_matches_case_insensitively()
    {
        var seeded = _host.Server.AddUser("Jane.Doe", "Jane.Doe@Example.org", roles: "editor");

        var found = await _host.Provider.FindByEmailAsync("jane.doe@example.ORG");

        found.Should().BeEquivalentTo(new CmsAccount(seeded.Id, "Jane.Doe", "Jane.Doe@Example.org") { IsActive = true, Roles = ["editor"], CreatedAt = found!.CreatedAt });
        found.CreatedAt.Should().NotBeNull("JSON:API created");
        var request = _host.Server.Requests.Single();
        request.Path.Should().Be("/jsonapi/user/user");
        request.Query.Should().Be("filter[mail]=jane.doe@example.ORG");
        request.Accept.Should().Contain("application/vnd.api+json");
    }

    [Fact]
    public async Task FindByUsername_matches_case_insensitively()
    {
        var seeded = _host.Server.AddUser("jdoe", "jdoe@example.org", active: false);

        var found = await _host.Provider.FindByUsernameAsync("JDoe");

        found!.UserId.Should().Be(seeded.Id);
        found.IsActive.Should().BeFalse();
        _host.Server.Requests.Single().Query.Should().Be("filter[name]=JDoe");
    }

    [Fact]
    public async Task Unknown_email_and_username_return_null()
    {
        (await _host.Provider.FindByEmailAsync("nobody@example.org")).Should().BeNull();
        (await _host.Provider.FindByUsernameAsync("nobody")).Should().BeNull();
    }

    [Fact]
    public async Task GetById_reads_core_REST_and_returns_null_for_a_missing_user()
    {
        var seeded = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: ["editor", "member"]);

        var found = await _host.Provider.GetByIdAsync(seeded.Id);
        var missing = await _host.Provider.GetByIdAsync(999);

        found.Should().BeEquivalentTo(new CmsAccount(seeded.Id, "jdoe", "jdoe@example.org") { IsActive = true, Roles = ["editor", "member"], CreatedAt = found!.CreatedAt });
        found.CreatedAt.Should().NotBeNull("core REST created");
        missing.Should().BeNull();
        _host.Server.Requests.Select(r => r.Path + "?" + r.Query).Should().Equal($"/user/{seeded.Id}?_format=json", "/user/999?_format=json");
    }
}
