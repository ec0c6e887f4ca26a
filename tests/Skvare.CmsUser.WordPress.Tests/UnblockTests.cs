using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class UnblockTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task With_the_companion_plugin_unblock_lifts_the_block_and_gives_back_the_roles_held_before()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber", "author");
        using var host = WordPressTestHost.For(_server, companion: true);
        var account = new CmsAccount(user.Id, null, null);

        await host.Provider.BlockAsync(account);
        _server.FindUser("member")!.Roles.Should().BeEmpty();
        _server.FindUser("member")!.Blocked.Should().BeTrue();

        await host.Provider.UnblockAsync(account);

        var now = _server.FindUser("member")!;
        now.Blocked.Should().BeFalse();
        now.Roles.Should().Equal("subscriber", "author");
        _server.Requests[^1].Path.Should().EndWith($"/skvare-cmsuser/v1/users/{user.Id}/unblock");
        host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task With_the_companion_plugin_a_second_block_keeps_the_first_roles_and_a_second_unblock_changes_nothing()
    {
        var user = _server.AddUser("member", "member@example.org", "editor");
        using var host = WordPressTestHost.For(_server, companion: true);
        var account = new CmsAccount(user.Id, null, null);

        await host.Provider.BlockAsync(account);
        await host.Provider.BlockAsync(account);
        await host.Provider.UnblockAsync(account);
        await host.Provider.UnblockAsync(account);

        _server.FindUser("member")!.Roles.Should().Equal("editor");
        _server.FindUser("member")!.Blocked.Should().BeFalse();
    }

    [Fact]
    public async Task Without_the_plugin_there_is_no_block_flag_to_lift_and_no_call_is_made()
    {
        var user = _server.AddUser("member", "member@example.org");
        using var host = WordPressTestHost.For(_server, companion: false);

        await host.Provider.UnblockAsync(new CmsAccount(user.Id, null, null));

        _server.Requests.Should().BeEmpty();
        host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task A_plugin_without_the_unblock_route_is_a_configuration_error_naming_the_update()
    {
        var user = _server.AddUser("member", "member@example.org");
        using var host = WordPressTestHost.For(_server, companion: false, o => o.UseCompanionPlugin = true);
        _server.CompanionPlugin = false;

        var act = () => host.Provider.UnblockAsync(new CmsAccount(user.Id, null, null));

        (await act.Should().ThrowAsync<CmsUserConfigurationException>()).Which.Message.Should().Contain("0.2.0");
    }

    [Fact]
    public async Task Unblock_of_a_missing_account_is_NotFound()
    {
        using var host = WordPressTestHost.For(_server, companion: true);

        var act = () => host.Provider.UnblockAsync(new CmsAccount(404, null, null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }
}
