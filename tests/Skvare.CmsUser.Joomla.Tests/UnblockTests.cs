using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Joomla.Tests;

public sealed class UnblockTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private readonly ServiceProvider _services;

    public UnblockTests()
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
