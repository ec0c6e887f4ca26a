using System.Text.Json;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class UnblockTests : IDisposable
{
    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Unblock_puts_status_1_with_the_current_role_ids()
    {
        _host.Server.AddRole(5, "member");
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", active: false, roles: [4, 5]);

        await _host.Provider.UnblockAsync(new CmsAccount(user.Uid, null, null));

        var now = _host.Server.FindUser(user.Uid)!;
        now.Status.Should().Be(1);
        now.RoleIds.Should().BeEquivalentTo([4, 5]);
        var put = _host.ApiRequests.Single(r => r.Method == "PUT");
        using var body = JsonDocument.Parse(put.Body!);
        body.RootElement.GetProperty("status").GetInt32().Should().Be(1);
        body.RootElement.GetProperty("roles").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["4", "5"]);
        _host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task Block_then_unblock_gives_an_active_account()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: 4);
        var account = new CmsAccount(user.Uid, null, null);

        await _host.Provider.BlockAsync(account);
        _host.Server.FindUser(user.Uid)!.Status.Should().Be(0);
        await _host.Provider.UnblockAsync(account);

        _host.Server.FindUser(user.Uid)!.Status.Should().Be(1);
        (await _host.Provider.GetByIdAsync(user.Uid))!.IsActive.Should().BeTrue();
    }

    [Fact]
    public async Task Unblock_of_a_missing_account_is_NotFound()
    {
        var act = () => _host.Provider.UnblockAsync(new CmsAccount(4242, null, null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }
}
