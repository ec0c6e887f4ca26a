using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>
/// Regression (session 22, lost and redone in 23): the module's block and unblock routes were marked retry-safe and sent
/// again after a lost answer, so Backdrop's "account activated" or "account blocked" email could go out twice (a second try
/// that arrives while the first is still being carried out finds the old status too). They are sent once now; the role
/// routes, the login link and a request that never left are still sent again. Faults sit between the client and the fake,
/// per attempt.
/// </summary>
public sealed class RetrySafeWriteTests
{
    private static Func<HttpMethod, string, string, bool> Route(string route) =>
        (method, path, _) => method == HttpMethod.Post && path.EndsWith(route, StringComparison.Ordinal);

    [Theory]
    [InlineData("/block", true)]
    [InlineData("/unblock", false)]
    public async Task A_status_change_is_sent_once_when_its_answer_is_lost(string route, bool active)
    {
        using var server = FakeBackdropServer.Start();
        var user = server.AddUser("lost23", "lost23@example.org", active: active);
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, Route(route)));
        await using var host = Start(server, faults);
        var provider = host.GetRequiredService<ICmsAccountProvider>();
        var account = new CmsAccount(user.Id, null, null);

        var change = () => active ? provider.BlockAsync(account) : provider.UnblockAsync(account);

        var failure = (await change.Should().ThrowAsync<CmsProviderException>()).Which;
        server.Requests.Count(r => r.Path.EndsWith(route, StringComparison.Ordinal)).Should().Be(1, "a status change mails the person: it is not sent again (was 3)");
        server.FindUser(user.Id)!.Active.Should().Be(!active, "the site carried it out");
        failure.Message.Should().Contain("Backdrop ended the connection without an answer")
            .And.Contain("may have reached the site and been carried out, so it was not sent again: check the site before repeating it");
    }

    [Fact]
    public async Task A_status_change_that_never_left_is_sent_again()
    {
        using var server = FakeBackdropServer.Start();
        var user = server.AddUser("refused23", "refused23@example.org", active: false);
        var faults = new WireFaults(WireFaults.RefuseFirst(1, Route("/unblock")));
        await using var host = Start(server, faults);

        await host.GetRequiredService<ICmsAccountProvider>().UnblockAsync(new CmsAccount(user.Id, null, null));

        faults.Refused.Should().Be(1);
        server.Requests.Count(r => r.Path.EndsWith("/unblock", StringComparison.Ordinal)).Should().Be(1, "the refused try never reached the site");
        server.FindUser(user.Id)!.Active.Should().BeTrue();
    }

    [Theory]
    [InlineData("/roles")]
    [InlineData("/login-link")]
    public async Task A_role_change_or_login_link_whose_answer_is_lost_is_sent_again(string route)
    {
        using var server = FakeBackdropServer.Start();
        server.AddRole("member");
        var user = server.AddUser("roles23", "roles23@example.org", roles: "editor");
        var faults = new WireFaults(WireFaults.LoseFirst(1, Route(route)));
        await using var host = Start(server, faults);
        var provider = host.GetRequiredService<ICmsAccountProvider>();
        var account = new CmsAccount(user.Id, null, null);

        if (route == "/roles")
        {
            await provider.AddRolesAsync(account, ["member"]);
            server.FindUser(user.Id)!.Roles.Should().BeEquivalentTo("editor", "member");
        }
        else
        {
            (await provider.CreateOneTimeLoginLinkAsync(account)).Should().NotBeNull();
        }

        faults.AnswersLost.Should().Be(1);
        server.Requests.Count(r => r.Path.EndsWith(route, StringComparison.Ordinal)).Should().Be(2, "it is safe to repeat");
    }

    [Fact]
    public async Task A_create_whose_connection_was_refused_is_sent_again_and_creates_one_account()
    {
        using var server = FakeBackdropServer.Start();
        var faults = new WireFaults(WireFaults.RefuseFirst(1, Route(FakeBackdropServer.PathPrefix + "/users")));
        await using var host = Start(server, faults);

        var created = await host.GetRequiredService<ICmsAccountProvider>().CreateAsync(ProviderTestHost.NewAccount("refused23c", "refused23c@example.org"));

        faults.Refused.Should().Be(1);
        server.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith(FakeBackdropServer.PathPrefix + "/users", StringComparison.Ordinal)).Should().Be(1);
        server.Users.Should().ContainSingle(u => u.Email == "refused23c@example.org").Which.Id.Should().Be(created.UserId);
    }

    [Fact]
    public async Task An_idle_pooled_connection_is_dropped_before_Apache_closes_it()
    {
        using var server = FakeBackdropServer.Start();
        await using var host = Start(server, new WireFaults((_, _, _) => WireFault.None));

        PooledConnections.IdleTimeout(host, BackdropAccountProvider.HttpClientName).Should().BePositive().And.BeLessThan(PooledConnections.ApacheKeepAliveTimeout);
    }

    private static ServiceProvider Start(FakeBackdropServer server, WireFaults faults)
    {
        var services = new ServiceCollection().AddLogging();
        new TestBuilder(services, null).AddBackdrop(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Secret = server.Secret;
            o.Http = ProviderTestHost.FastHttp();
        });
        faults.AddTo(services, BackdropAccountProvider.HttpClientName);
        return services.BuildServiceProvider();
    }
}
