using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>
/// Which Joomla writes are sent again (session 22's audit, redone in 23): the user PATCH that replaces the groups is sent
/// again after a lost answer (the same list leaves the same groups, and Joomla mails the user nothing for it), and so is a
/// block or unblock; a create and the reset
/// email are sent once, unless the request never left: a refused connection is always tried again. Faults sit between the
/// client and the fake, per attempt.
/// </summary>
public sealed class RetrySafeWriteTests
{
    [Fact]
    public async Task A_group_list_whose_answer_is_lost_is_sent_again_and_ends_in_the_same_state()
    {
        using var site = new FakeJoomlaServer();
        var user = site.AddUser("groups23", "groups23@example.org", groups: [2]);
        var faults = new WireFaults(WireFaults.LoseFirst(1, (method, _, body) => method == HttpMethod.Patch && body.Contains("\"groups\"", StringComparison.Ordinal)));
        await using var host = Start(site, faults);

        await host.GetRequiredService<ICmsAccountProvider>().AddRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        faults.AnswersLost.Should().Be(1);
        site.Requests.Count(r => r.Method == "PATCH").Should().Be(2, "a whole group list is safe to repeat");
        site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L, 10L]);
    }

    // Session 24 checked the assumption in Joomla's source (docs/cms-joomla.md, "Mail on block and unblock"): a save that is
    // not a create mails the user nothing, so a block or unblock whose answer was lost is sent again.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_block_or_unblock_whose_answer_is_lost_is_sent_again_and_ends_in_the_state_sent(bool block)
    {
        using var site = new FakeJoomlaServer();
        var user = site.AddUser("block24", "block24@example.org", groups: [2]);
        site.SetActive(user.Id, active: block);
        var faults = new WireFaults(WireFaults.LoseFirst(1, (method, _, body) => method == HttpMethod.Patch && body.Contains("\"block\"", StringComparison.Ordinal)));
        await using var host = Start(site, faults);
        var provider = host.GetRequiredService<ICmsAccountProvider>();

        await (block ? provider.BlockAsync(new CmsAccount(user.Id, null, null)) : provider.UnblockAsync(new CmsAccount(user.Id, null, null)));

        faults.AnswersLost.Should().Be(1);
        site.Requests.Count(r => r.Method == "PATCH").Should().Be(2, "the same block value sent again leaves the same state and mails the user nothing");
        site.Users.Single(u => u.Id == user.Id).Active.Should().Be(!block);
        site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L], "the groups go along unchanged");
    }

    [Fact]
    public async Task A_create_whose_connection_was_refused_is_sent_again_and_creates_one_account()
    {
        using var site = new FakeJoomlaServer();
        var faults = new WireFaults(WireFaults.RefuseFirst(1, (method, path, _) => method == HttpMethod.Post && path.EndsWith("/users", StringComparison.Ordinal)));
        await using var host = Start(site, faults);

        var created = await host.GetRequiredService<ICmsAccountProvider>().CreateAsync(ProviderTestHost.NewAccount("refused23c", "refused23c@example.org"));

        faults.Refused.Should().Be(1);
        site.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/users", StringComparison.Ordinal)).Should().Be(1, "the refused try never reached the site");
        site.Users.Should().ContainSingle(u => u.Email == "refused23c@example.org").Which.Id.Should().Be(created.UserId);
    }

    [Fact]
    public async Task A_create_whose_answer_is_lost_is_sent_once_and_says_the_account_may_exist()
    {
        using var site = new FakeJoomlaServer();
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, (method, path, _) => method == HttpMethod.Post && path.EndsWith("/users", StringComparison.Ordinal)));
        await using var host = Start(site, faults);

        var create = () => host.GetRequiredService<ICmsAccountProvider>().CreateAsync(ProviderTestHost.NewAccount("lost23c", "lost23c@example.org"));

        var failure = (await create.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        failure.Message.Should().Contain("Joomla ended the connection without an answer")
            .And.Contain("may have reached the site and been carried out: the account may exist now");
        site.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/users", StringComparison.Ordinal)).Should().Be(1);
        site.Users.Should().ContainSingle(u => u.Email == "lost23c@example.org");
    }

    [Fact]
    public async Task An_idle_pooled_connection_is_dropped_before_Apache_closes_it()
    {
        using var site = new FakeJoomlaServer();
        await using var host = Start(site, new WireFaults((_, _, _) => WireFault.None));

        PooledConnections.IdleTimeout(host, JoomlaAccountProvider.HttpClientName).Should().BePositive().And.BeLessThan(PooledConnections.ApacheKeepAliveTimeout);
    }

    private static ServiceProvider Start(FakeJoomlaServer site, WireFaults faults)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = site.BaseUrl;
            o.ApiToken = site.Token;
            o.GroupIds["member"] = 10;
            o.Http = ProviderTestHost.FastHttp();
        });
        faults.AddTo(services, JoomlaAccountProvider.HttpClientName);
        return services.BuildServiceProvider();
    }
}
