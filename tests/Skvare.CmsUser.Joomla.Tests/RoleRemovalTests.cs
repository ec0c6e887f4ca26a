using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>Deprovisioning and its undo: role removal, and unblocking a blocked account.</summary>
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

        user.Groups.Should().BeEquivalentTo([2L]);
        Provider.Capabilities.Should().HaveFlag(CmsCapabilities.RemoveRoles);
    }

    [Fact]
    public async Task Removing_the_last_group_falls_back_to_Registered_because_a_Joomla_user_always_has_one()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 10);

        await Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        user.Groups.Should().BeEquivalentTo([2L]);
    }

    [Fact]
    public async Task Removing_a_group_the_user_is_not_in_changes_nothing()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2);
        var before = _site.Requests.Count;

        await Provider.RemoveRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        user.Groups.Should().BeEquivalentTo([2L]);
        _site.Requests.Skip(before).Should().OnlyContain(r => r.Method == "GET");
    }

    [Fact]
    public async Task Unblock_sets_block_0_and_keeps_the_groups()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2, 10);
        user.Block = true;

        await Provider.UnblockAsync(new CmsAccount(user.Id, null, null));

        user.Block.Should().BeFalse();
        user.Groups.Should().BeEquivalentTo([2L, 10L]);
        _site.Requests.Should().Contain(r => r.Method == "PATCH" && r.Body!.Contains("\"block\":0", StringComparison.Ordinal));
        Provider.Capabilities.Should().HaveFlag(CmsCapabilities.Unblock);
    }

    [Fact]
    public async Task Block_then_unblock_gives_an_active_account()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2);
        var account = new CmsAccount(user.Id, null, null);

        await Provider.BlockAsync(account);
        user.Block.Should().BeTrue();
        await Provider.UnblockAsync(account);

        (await Provider.GetByIdAsync(user.Id))!.IsActive.Should().BeTrue();
    }

    [Fact]
    public async Task Unblock_of_a_missing_account_is_NotFound()
    {
        var act = () => Provider.UnblockAsync(new CmsAccount(4242, null, null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }
}
