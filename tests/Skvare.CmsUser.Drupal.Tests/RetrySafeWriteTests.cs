using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Drupal;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// Regression (session 22, lost and redone in 23): the status PATCH (block, unblock) was marked retry-safe and sent again
/// after a lost answer, so Drupal's "account activated" or "account blocked" email could go out twice (a second try that
/// arrives while the first is still being carried out finds the old status too). It is sent once now; a whole role set and
/// a request that never left are still sent again. Faults sit between the client and the fake, per attempt.
/// </summary>
public sealed class RetrySafeWriteTests
{
    private static bool IsStatusPatch(HttpMethod method, string path, string body) =>
        method == HttpMethod.Patch && path.StartsWith("/user/", StringComparison.Ordinal) && body.Contains("\"status\"", StringComparison.Ordinal);

    private static bool IsRolesPatch(HttpMethod method, string path, string body) =>
        method == HttpMethod.Patch && path.StartsWith("/user/", StringComparison.Ordinal) && body.Contains("\"roles\"", StringComparison.Ordinal);

    [Fact]
    public async Task Unblock_is_sent_once_when_its_answer_is_lost_so_the_activation_email_goes_once()
    {
        using var server = FakeDrupalServer.Start();
        var user = server.AddUser("lost23", "lost23@example.org", active: false, roles: "editor");
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, IsStatusPatch));
        await using var host = Start(server, faults);

        var unblock = () => host.GetRequiredService<ICmsAccountProvider>().UnblockAsync(new CmsAccount(user.Id, null, null));

        var failure = (await unblock.Should().ThrowAsync<CmsProviderException>()).Which;
        server.Requests.Count(r => r.Method == "PATCH").Should().Be(1, "a status change mails the person: it is not sent again (was 3)");
        server.FindUser(user.Id)!.Active.Should().BeTrue("the site carried it out");
        server.Mails.Where(m => m.Operation == "status_activated").Should().ContainSingle();
        failure.Reason.Should().Be(CmsErrorReason.Unavailable);
        failure.Message.Should().Contain("Drupal ended the connection without an answer")
            .And.Contain("may have reached the site and been carried out, so it was not sent again: check the site before repeating it");
    }

    [Fact]
    public async Task Block_is_sent_once_when_its_answer_is_lost()
    {
        using var server = FakeDrupalServer.Start();
        server.NotifyStatusBlocked = true;
        var user = server.AddUser("lost23b", "lost23b@example.org", roles: "editor");
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, IsStatusPatch));
        await using var host = Start(server, faults);

        var block = () => host.GetRequiredService<ICmsAccountProvider>().BlockAsync(new CmsAccount(user.Id, null, null));

        await block.Should().ThrowAsync<CmsProviderException>();
        server.Requests.Count(r => r.Method == "PATCH").Should().Be(1);
        server.Mails.Where(m => m.Operation == "status_blocked").Should().ContainSingle();
    }

    [Fact]
    public async Task A_status_change_that_never_left_is_sent_again()
    {
        using var server = FakeDrupalServer.Start();
        var user = server.AddUser("refused23", "refused23@example.org", active: false);
        var faults = new WireFaults(WireFaults.RefuseFirst(1, IsStatusPatch));
        await using var host = Start(server, faults);

        await host.GetRequiredService<ICmsAccountProvider>().UnblockAsync(new CmsAccount(user.Id, null, null));

        faults.Refused.Should().Be(1);
        server.Requests.Count(r => r.Method == "PATCH").Should().Be(1, "the refused try never reached the site");
        server.FindUser(user.Id)!.Active.Should().BeTrue();
        server.Mails.Where(m => m.Operation == "status_activated").Should().ContainSingle();
    }

    [Fact]
    public async Task A_role_set_whose_answer_is_lost_is_sent_again_and_ends_in_the_same_state()
    {
        using var server = FakeDrupalServer.Start();
        server.AddRole("member");
        var user = server.AddUser("roles23", "roles23@example.org", roles: "editor");
        var faults = new WireFaults(WireFaults.LoseFirst(1, IsRolesPatch));
        await using var host = Start(server, faults);

        await host.GetRequiredService<ICmsAccountProvider>().AddRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);

        faults.AnswersLost.Should().Be(1);
        server.Requests.Count(r => r.Method == "PATCH").Should().Be(2, "a whole role set is safe to repeat");
        server.FindUser(user.Id)!.Roles.Should().BeEquivalentTo("editor", "member");
    }

    [Fact]
    public async Task A_create_whose_connection_was_refused_is_sent_again_and_creates_one_account()
    {
        using var server = FakeDrupalServer.Start();
        var faults = new WireFaults(WireFaults.RefuseFirst(1, (method, path, _) => method == HttpMethod.Post && path.StartsWith("/entity/user", StringComparison.Ordinal)));
        await using var host = Start(server, faults);

        var created = await host.GetRequiredService<ICmsAccountProvider>().CreateAsync(ProviderTestHost.NewAccount("refused23c", "refused23c@example.org"));

        faults.Refused.Should().Be(1);
        server.Requests.Count(r => r.Method == "POST" && r.Path.StartsWith("/entity/user", StringComparison.Ordinal)).Should().Be(1);
        server.Users.Should().ContainSingle(u => u.Email == "refused23c@example.org").Which.Id.Should().Be(created.UserId);
    }

    private static ServiceProvider Start(FakeDrupalServer server, WireFaults faults)
    {
        var services = new ServiceCollection().AddLogging();
        new TestBuilder(services, null).AddDrupal(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Username = FakeDrupalServer.ApiUsername;
            o.Password = server.ApiPassword;
            o.Http = ProviderTestHost.FastHttp();
        });
        faults.AddTo(services, DrupalAccountProvider.HttpClientName);
        return services.BuildServiceProvider();
    }
}
