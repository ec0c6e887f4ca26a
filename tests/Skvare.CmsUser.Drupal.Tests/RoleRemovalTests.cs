using System.Text.Json;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class RoleRemovalTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task RemoveRoles_patches_the_roles_that_are_left()
    {
        _host.Server.AddRole("member");
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: ["editor", "member"]);

        await _host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        _host.Server.FindUser(user.Id)!.Roles.Should().Equal("editor");
        var patch = _host.Server.Requests.Single(r => r.Method == "PATCH");
        using var body = JsonDocument.Parse(patch.Body!);
        body.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("target_id").GetString()).Should().Equal("editor");
        _host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles);
    }

    [Fact]
    public async Task RemoveRoles_sends_nothing_when_the_account_holds_none_of_them()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: "editor");

        await _host.Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        _host.Server.Requests.Should().ContainSingle().Which.Method.Should().Be("GET");
    }
}
