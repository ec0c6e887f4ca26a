using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class RoleRemovalTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Remove_roles_sends_the_roles_that_are_left_because_WordPress_replaces_the_list()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber", "editor", "author");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["editor", "ghost"]);

        _server.FindUser("member")!.Roles.Should().Equal("subscriber", "author");
        _server.Requests[^1].Body.Should().Contain("\"roles\":[\"subscriber\",\"author\"]");
        host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles);
    }

    [Fact]
    public async Task Remove_roles_the_account_does_not_hold_sends_no_update()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["editor"]);
        await host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), []);

        _server.Requests.Should().ContainSingle().Which.Method.Should().Be("GET");
        _server.FindUser("member")!.Roles.Should().Equal("subscriber");
    }

    [Fact]
    public async Task Remove_roles_of_a_missing_account_is_NotFound()
    {
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.RemoveRolesAsync(new CmsAccount(404, null, null), ["editor"]);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }
}
