using System.Text.Json;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>The module 1.2.0 routes <c>remove-roles</c> and <c>unblock</c> (deprovisioning and its undo).</summary>
public sealed class RoleRemovalAndUnblockTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public RoleRemovalAndUnblockTests()
    {
        _host.Server.AddRole("member");
        _host.Server.AddRole("staff");
    }

    public void Dispose() => _host.Dispose();

    private CmsAccount Seed(bool active = true, params string[] roles)
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", active, roles);
        return new CmsAccount(user.Uid, user.Name, user.Mail);
    }

    [Fact]
    public async Task RemoveRoles_takes_only_the_given_roles_away()
    {
        var account = Seed(true, "staff", "member", "editor");

        await _host.Provider.RemoveRolesAsync(account, ["member"]);

        _host.Server.FindUser(account.UserId)!.Roles.Should().Equal("editor", "staff");
        var request = _host.Server.Requests.Single();
        request.Path.Should().EndWith($"/users/{account.UserId}/remove-roles");
        using var body = JsonDocument.Parse(request.Body!);
        body.RootElement.GetProperty("remove").EnumerateArray().Select(e => e.GetString()).Should().Equal("member");
        _host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles).And.HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task RemoveRoles_of_roles_the_account_does_not_hold_changes_nothing_and_can_be_repeated()
    {
        var account = Seed(true, "editor");

        await _host.Provider.RemoveRolesAsync(account, ["member", "authenticated"]);
        await _host.Provider.RemoveRolesAsync(account, ["member"]);

        _host.Server.FindUser(account.UserId)!.Roles.Should().Equal("editor");
        _host.Server.Requests.Should().HaveCount(2).And.OnlyContain(r => r.StatusCode == 200);
    }

    [Fact]
    public async Task RemoveRoles_with_no_roles_sends_nothing()
    {
        var account = Seed(true, "member");

        await _host.Provider.RemoveRolesAsync(account, []);

        _host.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task RemoveRoles_with_an_unknown_role_is_UnknownRole_and_changes_nothing()
    {
        var account = Seed(true, "member");

        var act = () => _host.Provider.RemoveRolesAsync(account, ["member", "ghost"]);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.ErrorCode.Should().Be("unknown_role");
        _host.Server.FindUser(account.UserId)!.Roles.Should().Equal("member");
    }

    [Fact]
    public async Task RemoveRoles_is_retried_because_it_is_idempotent()
    {
        var account = Seed(true, "member");
        _host.Server.FailNext(1, 502);

        await _host.Provider.RemoveRolesAsync(account, ["member"]);

        _host.Server.Requests.Should().HaveCount(2);
        _host.Server.FindUser(account.UserId)!.Roles.Should().BeEmpty();
    }

    [Fact]
    public async Task Unblock_sets_status_1_and_can_be_repeated()
    {
        var account = Seed(false, "member");

        await _host.Provider.UnblockAsync(account);
        await _host.Provider.UnblockAsync(account);

        var user = _host.Server.FindUser(account.UserId)!;
        user.Status.Should().Be(1);
        user.Roles.Should().Equal("member");
        _host.Server.Requests.Should().OnlyContain(r => r.StatusCode == 200 && r.Path.EndsWith("/unblock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Block_then_unblock_gives_the_login_link_back()
    {
        var account = Seed(true);
        await _host.Provider.BlockAsync(account);
        var refused = () => _host.Provider.CreateOneTimeLoginLinkAsync(account);
        (await refused.Should().ThrowAsync<CmsProviderException>()).Which.ErrorCode.Should().Be("account_blocked");

        await _host.Provider.UnblockAsync(account);

        (await _host.Provider.CreateOneTimeLoginLinkAsync(account)).Should().NotBeNull();
        (await _host.Provider.GetByIdAsync(account.UserId))!.IsActive.Should().BeTrue();
    }

    [Fact]
    public async Task On_a_missing_account_both_routes_are_NotFound()
    {
        var ghost = new CmsAccount(4242, "ghost", null);

        var remove = () => _host.Provider.RemoveRolesAsync(ghost, ["member"]);
        var unblock = () => _host.Provider.UnblockAsync(ghost);

        (await remove.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
        (await unblock.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task A_module_older_than_1_2_0_is_a_configuration_error_naming_the_update()
    {
        _host.Server.LifecycleRoutes = false;
        var account = Seed(false, "member");

        var remove = () => _host.Provider.RemoveRolesAsync(account, ["member"]);
        var unblock = () => _host.Provider.UnblockAsync(account);

        (await remove.Should().ThrowAsync<CmsUserConfigurationException>()).Which.Message.Should().Contain("1.2.0");
        (await unblock.Should().ThrowAsync<CmsUserConfigurationException>()).Which.Message.Should().Contain("users/{uid}/unblock");
        _host.Server.Requests.Should().OnlyContain(r => r.StatusCode == 404);
        _host.Server.FindUser(account.UserId)!.Status.Should().Be(0);
    }
}
