using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>Deprovisioning and its undo: role removal, and unblocking a blocked account.</summary>
public sealed class RoleRemovalTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private readonly ServiceProvider _services;

    public RoleRemovalTests()
    {
        _services = StandaloneHost.Build(_site, null, null);
    }

    private ICmsAccountProvider Provider => _services.GetRequiredService<ICmsAccountProvider>();

    public void Dispose()
    {
        _services.Dispose();
        _site.Dispose();
    }

    [Fact]
    public async Task Removing_roles_sends_the_role_ids_that_are_left()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.AdminRole, _site.StaffRole);

        await Provider.RemoveRolesAsync(new CmsAccount(id, null, null), ["staff"]);

        _site.Users.Single(u => u.Id == id).Roles.Should().BeEquivalentTo([_site.AdminRole]);
        _site.Users.Single(u => u.Id == id).IsActive.Should().BeTrue();
        Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles);
    }

    [Fact]
    public async Task Removing_roles_the_user_lacks_writes_nothing_and_a_missing_user_is_NotFound()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.AdminRole);

        await Provider.RemoveRolesAsync(new CmsAccount(id, null, null), ["staff"]);
        var missing = () => Provider.RemoveRolesAsync(new CmsAccount(999, null, null), ["staff"]);

        _site.Users.Single(u => u.Id == id).Roles.Should().BeEquivalentTo([_site.AdminRole]);
        _site.Requests.Should().NotContain(r => r.Entity == "User" && r.Action == "update");
        (await missing.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Unblock_sets_is_active_and_keeps_the_roles()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, false, _site.StaffRole);

        await Provider.UnblockAsync(new CmsAccount(id, null, null));

        var user = _site.Users.Single(u => u.Id == id);
        user.IsActive.Should().BeTrue();
        user.Roles.Should().BeEquivalentTo([_site.StaffRole]);
        Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task Block_then_unblock_gives_an_active_user()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.StaffRole);
        var account = new CmsAccount(id, null, null);

        await Provider.BlockAsync(account);
        _site.Users.Single(u => u.Id == id).IsActive.Should().BeFalse();
        await Provider.UnblockAsync(account);

        _site.Users.Single(u => u.Id == id).IsActive.Should().BeTrue();
    }

    [Fact]
    public async Task Unblock_of_a_missing_user_is_NotFound_and_writes_nothing()
    {
        var act = () => Provider.UnblockAsync(new CmsAccount(999, null, null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
        _site.Users.Should().NotContain(u => u.Id == 999);
    }
}
