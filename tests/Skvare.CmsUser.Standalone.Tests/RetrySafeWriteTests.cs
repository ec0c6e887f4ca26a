using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// Which Standalone writes are sent again (session 22's audit, redone in 23; Standalone's requests go through the CiviCRM
/// client): <c>User.update</c> is sent again after a lost answer (it sets a role list or a status, and Standalone mails
/// nobody for it); <c>User.create</c> is sent once, unless the request never left: a refused connection is always tried
/// again. Faults sit between the client and the fake, per attempt.
/// </summary>
public sealed class RetrySafeWriteTests
{
    private static Func<HttpMethod, string, string, bool> Api(string entityAction) =>
        (method, path, _) => method == HttpMethod.Post && path.Contains("/" + entityAction, StringComparison.Ordinal);

    [Fact]
    public async Task A_role_update_whose_answer_is_lost_is_sent_again_and_ends_in_the_same_state()
    {
        using var site = new FakeStandaloneServer();
        var contact = site.AddContact("Jane", "Doe", "roles23@example.org");
        var id = site.AddUser("roles23", "roles23@example.org", contact, true, site.AdminRole, site.StaffRole);
        var faults = new WireFaults(WireFaults.LoseFirst(1, Api("User/update")));
        await using var host = Start(site, faults);

        await host.GetRequiredService<ICmsAccountProvider>().RemoveRolesAsync(new CmsAccount(id, null, null), ["staff"]);

        faults.AnswersLost.Should().Be(1);
        site.CallCount("User", "update").Should().Be(2, "a whole role list is safe to repeat");
        site.Users.Single(u => u.Id == id).ExtrasOf<FakeStandaloneUserExtras>().RoleIds.Should().BeEquivalentTo([site.AdminRole]);
    }

    [Fact]
    public async Task A_create_whose_connection_was_refused_is_sent_again_and_creates_one_user()
    {
        using var site = new FakeStandaloneServer();
        var contact = site.AddContact("Ana", "Lima", "refused23c@example.org");
        var faults = new WireFaults(WireFaults.RefuseFirst(1, Api("User/create")));
        await using var host = Start(site, faults);

        var created = await host.GetRequiredService<ICmsAccountProvider>().CreateAsync(
            new NewCmsAccount { Username = "refused23c", Email = "refused23c@example.org", ContactId = contact, Roles = ["staff"] });

        faults.Refused.Should().Be(1);
        site.CallCount("User", "create").Should().Be(1, "the refused try never reached the site");
        site.Users.Should().ContainSingle(u => u.Email == "refused23c@example.org").Which.Id.Should().Be(created.UserId);
    }

    [Fact]
    public async Task An_idle_pooled_connection_is_dropped_before_Apache_closes_it()
    {
        using var site = new FakeStandaloneServer();
        await using var host = Start(site, new WireFaults((_, _, _) => WireFault.None));

        PooledConnections.IdleTimeout(host, CiviCrmApiClient.HttpClientName).Should().BePositive().And.BeLessThan(PooledConnections.ApacheKeepAliveTimeout);
    }

    private static ServiceProvider Start(FakeStandaloneServer site, WireFaults faults) =>
        StandaloneHost.Build(site, civi: o => o.Http = ProviderTestHost.FastHttp(), more: services => faults.AddTo(services, CiviCrmApiClient.HttpClientName));
}
