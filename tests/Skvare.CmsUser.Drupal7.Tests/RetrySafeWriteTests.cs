using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Drupal7;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>
/// Regression (session 22, lost and redone in 23): the status PUT (block, unblock) was retried for its method alone after a
/// lost answer, so Drupal 7's "account activated" or "account blocked" email could go out twice (a second try that arrives
/// while the first is still being carried out finds the old status too). It is sent once now; the role set PUT (marked
/// retry-safe) and a request that never left are still sent again. Faults sit between the client and the fake, per attempt.
/// </summary>
public sealed class RetrySafeWriteTests
{
    private static bool IsStatusPut(HttpMethod method, string path, string body) =>
        method == HttpMethod.Put && body.Contains("\"status\"", StringComparison.Ordinal);

    private static bool IsRolesPut(HttpMethod method, string path, string body) =>
        method == HttpMethod.Put && body.Contains("\"roles\"", StringComparison.Ordinal) && !body.Contains("\"status\"", StringComparison.Ordinal);

    [Fact]
    public async Task Unblock_is_sent_once_when_its_answer_is_lost_so_the_activation_email_goes_once()
    {
        using var server = FakeDrupal7Server.Start();
        var user = server.AddUser("lost23", "lost23@example.org", active: false);
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, IsStatusPut));
        await using var host = Start(server, faults);

        var unblock = () => host.GetRequiredService<ICmsAccountProvider>().UnblockAsync(new CmsAccount(user.Id, null, null));

        var failure = (await unblock.Should().ThrowAsync<CmsProviderException>()).Which;
        server.Requests.Count(r => r.Method == "PUT").Should().Be(1, "a status change mails the person: it is not sent again (was 3)");
        server.FindUser(user.Id)!.Active.Should().BeTrue("the site carried it out");
        server.Mails.Where(m => m.Operation == "status_activated").Should().ContainSingle();
        failure.Reason.Should().Be(CmsErrorReason.Unavailable);
        failure.Message.Should().Contain("Drupal 7 ended the connection without an answer")
            .And.Contain("may have reached the site and been carried out, so it was not sent again: check the site before repeating it");
    }

    [Fact]
    public async Task Block_is_sent_once_when_its_answer_is_lost()
    {
        using var server = FakeDrupal7Server.Start();
        server.NotifyStatusBlocked = true;
        var user = server.AddUser("lost23b", "lost23b@example.org", roles: 4);
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, IsStatusPut));
        await using var host = Start(server, faults);

        var block = () => host.GetRequiredService<ICmsAccountProvider>().BlockAsync(new CmsAccount(user.Id, null, null));

        await block.Should().ThrowAsync<CmsProviderException>();
        server.Requests.Count(r => r.Method == "PUT").Should().Be(1);
        server.Mails.Where(m => m.Operation == "status_blocked").Should().ContainSingle();
    }

    [Fact]
    public async Task A_status_change_that_never_left_is_sent_again()
    {
        using var server = FakeDrupal7Server.Start();
        var user = server.AddUser("refused23", "refused23@example.org", active: false);
        var faults = new WireFaults(WireFaults.RefuseFirst(1, IsStatusPut));
        await using var host = Start(server, faults);

        await host.GetRequiredService<ICmsAccountProvider>().UnblockAsync(new CmsAccount(user.Id, null, null));

        faults.Refused.Should().Be(1);
        server.Requests.Count(r => r.Method == "PUT").Should().Be(1, "the refused try never reached the site");
        server.FindUser(user.Id)!.Active.Should().BeTrue();
        server.Mails.Where(m => m.Operation == "status_activated").Should().ContainSingle();
    }

    [Fact]
    public async Task A_role_set_whose_answer_is_lost_is_sent_again_and_ends_in_the_same_state()
    {
        using var server = FakeDrupal7Server.Start();
        server.AddRole(5, "member");
        var user = server.AddUser("roles23", "roles23@example.org", roles: 4);
        var faults = new WireFaults(WireFaults.LoseFirst(1, IsRolesPut));
        await using var host = Start(server, faults, o => o.RoleIds["member"] = "5");

        await host.GetRequiredService<ICmsAccountProvider>().AddRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        faults.AnswersLost.Should().Be(1);
        server.Requests.Count(r => r.Method == "PUT").Should().Be(2, "a whole role set is safe to repeat");
        server.FindUser(user.Id)!.ExtrasOf<FakeDrupal7UserExtras>().RoleIds.Should().BeEquivalentTo([4, 5]);
    }

    [Fact]
    public async Task A_create_whose_connection_was_refused_is_sent_again_and_creates_one_account()
    {
        using var server = FakeDrupal7Server.Start();
        var faults = new WireFaults(WireFaults.RefuseFirst(1, (method, path, _) => method == HttpMethod.Post && path.EndsWith("/user.json", StringComparison.Ordinal)));
        await using var host = Start(server, faults);

        var created = await host.GetRequiredService<ICmsAccountProvider>().CreateAsync(ProviderTestHost.NewAccount("refused23c", "refused23c@example.org"));

        faults.Refused.Should().Be(1);
        server.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/user.json", StringComparison.Ordinal)).Should().Be(1);
        server.Users.Should().ContainSingle(u => u.Email == "refused23c@example.org").Which.Id.Should().Be(created.UserId);
    }

    [Fact]
    public async Task An_idle_pooled_connection_is_dropped_before_Apache_closes_it()
    {
        using var server = FakeDrupal7Server.Start();
        await using var host = Start(server, new WireFaults((_, _, _) => WireFault.None));

        PooledConnections.IdleTimeout(host, Drupal7AccountProvider.HttpClientName).Should().BePositive().And.BeLessThan(PooledConnections.ApacheKeepAliveTimeout);
    }

    private static ServiceProvider Start(FakeDrupal7Server server, WireFaults faults, Action<Drupal7Options>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        new TestBuilder(services, null).AddDrupal7(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Endpoint = server.Endpoint;
            o.Username = FakeDrupal7Server.ApiUsername;
            o.Password = server.ApiPassword;
            o.RoleIds["editor"] = "4";
            o.Http = ProviderTestHost.FastHttp();
            configure?.Invoke(o);
        });
        faults.AddTo(services, Drupal7AccountProvider.HttpClientName);
        return services.BuildServiceProvider();
    }
}
