using System.Text.Json;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class UnblockTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Unblock_patches_status_true_and_keeps_the_roles()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", active: false, roles: "editor");

        await _host.Provider.UnblockAsync(new CmsAccount(user.Uid, null, null));

        var now = _host.Server.FindUser(user.Uid)!;
        now.Status.Should().BeTrue();
        now.Roles.Should().Equal("editor");
        var patch = _host.Server.Requests.Single(r => r.Method == "PATCH");
        using var body = JsonDocument.Parse(patch.Body!);
        body.RootElement.GetProperty("status")[0].GetProperty("value").GetBoolean().Should().BeTrue();
        _host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task Block_then_unblock_gives_an_active_account_and_a_repeat_changes_nothing()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: "editor");
        var account = new CmsAccount(user.Uid, null, null);

        await _host.Provider.BlockAsync(account);
        (await _host.Provider.GetByIdAsync(user.Uid))!.IsActive.Should().BeFalse();
        await _host.Provider.UnblockAsync(account);
        await _host.Provider.UnblockAsync(account);

        (await _host.Provider.GetByIdAsync(user.Uid))!.IsActive.Should().BeTrue();
    }

    [Fact]
    public async Task Unblock_of_a_missing_account_fails_with_Drupals_404_as_Block_does()
    {
        var unblock = () => _host.Provider.UnblockAsync(new CmsAccount(4242, null, null));
        var block = () => _host.Provider.BlockAsync(new CmsAccount(4242, null, null));

        var unblocked = (await unblock.Should().ThrowAsync<CmsProviderException>()).Which;
        var blocked = (await block.Should().ThrowAsync<CmsProviderException>()).Which;
        unblocked.StatusCode.Should().Be(404);
        unblocked.Reason.Should().Be(blocked.Reason);
    }
}
