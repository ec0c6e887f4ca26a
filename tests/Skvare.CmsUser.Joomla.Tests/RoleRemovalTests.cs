using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Joomla.Tests;

public sealed class RoleRemovalTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private readonly ServiceProvider _services;

    public RoleRemovalTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.GroupIds["member"] = 10;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        _services = services.BuildServiceProvider();
    }

    private ICmsAccountProvider Provider => _services.GetRequiredService<ICmsAccountProvider>();

    public void Dispose()
    {
        _services.Dispose();
        _site.Dispose();
    }

    [Fact]
    public async Task Removing_a_mapped_group_keeps_the_other_groups()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2, 10);

        await Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        _site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L]);
        Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles);
    }

    [Fact]
    public async Task Removing_the_last_group_falls_back_to_Registered_because_a_Joomla_user_always_has_one()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 10);

        await Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        _site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L]);
    }

    [Fact]
    public async Task Removing_a_group_the_user_is_not_in_changes_nothing()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2);
        var before = _site.Requests.Count;

        await Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        _site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L]);
        _site.Requests.Skip(before).Should().OnlyContain(r => r.Method == "GET");
    }
}
