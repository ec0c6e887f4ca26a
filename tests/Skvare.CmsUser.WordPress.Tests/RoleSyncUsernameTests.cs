using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// A contact already linked whose account gets the rule's roles (<see cref="ProvisioningRule.SyncRolesOfExistingAccounts"/>):
/// WordPress reads the account for the change anyway (it replaces the role list), and that read names the result's
/// username (<see cref="ICmsRoleGrant"/>), which the link alone does not know. Without it the CLI's run table showed none.
/// </summary>
public sealed class RoleSyncUsernameTests
{
    [Fact(Timeout = 120_000)]
    public async Task An_already_linked_contact_whose_roles_are_synced_carries_the_username_the_role_change_read()
    {
        using var site = FakeSite.Start(0, concurrency: 1, configure: services => services.PostConfigure<CmsUserOptions>(o =>
        {
            o.Rules[0].Roles.Clear();
            o.Rules[0].Roles.Add("editor");
            o.Rules[0].SyncRolesOfExistingAccounts = true;
        }));
        var contact = site.AddMembers(1).Single();
        var user = site.WordPress.AddUser("ana.existing", "member0@example.org", "subscriber");
        site.Civi.AddLink(contact, user.Id, "member0@example.org");
        var outcomes = new List<ProvisioningOutcome>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(100));

        await site.Provisioner.RunOnceAsync(new Collect(outcomes), timeout.Token);

        var row = outcomes.Should().ContainSingle(o => o.ContactId == contact).Subject;
        row.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        row.Username.Should().Be("ana.existing", "the role change read the account, and its username names the row");
        site.WordPress.Users.Single(u => u.Id == user.Id).Roles.Should().Contain(["subscriber", "editor"]);
    }

    /// <summary>Collects each contact's outcome as it is reported (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Collect(List<ProvisioningOutcome> outcomes) : IProgress<ProvisioningProgress>
    {
        public void Report(ProvisioningProgress value)
        {
            lock (outcomes)
            {
                outcomes.Add(value.Last);
            }
        }
    }
}
