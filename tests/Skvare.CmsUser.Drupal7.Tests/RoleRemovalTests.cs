using System.Text.Json;
using Skvare.CmsUser.Testing.Drupal7;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class RoleRemovalTests : IDisposable
{
    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task RemoveRoles_puts_the_role_ids_that_are_left()
    {
        _host.Server.AddRole(5, "member");
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: [4, 5]);

        await _host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["editor"]);

        _host.Server.FindUser(user.Id)!.ExtrasOf<FakeDrupal7UserExtras>().RoleIds.Should().BeEquivalentTo([5]);
        var put = _host.ApiRequests.Single(r => r.Method == "PUT");
        using var body = JsonDocument.Parse(put.Body!);
        body.RootElement.GetProperty("roles").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["5"]);
        _host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles);
    }

    [Fact]
    public async Task RemoveRoles_sends_nothing_when_the_account_holds_none_of_them()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: 4);

        await _host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["5"]);

        _host.ApiRequests.Should().ContainSingle().Which.Method.Should().Be("GET");
    }
}
