using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// A rule's role the site does not have is a configuration error (docs/errors.md): the roles come from the rule, so every
/// contact of the rule would meet it. The run stops at once, no contact spends an attempt or gets an activity, and the
/// contacts stay in their trigger until an administrator fixes the rule, however many runs that takes.
/// </summary>
public sealed class UnknownRoleTests : IDisposable
{
    private const string Misspelled = "subscriberr";
    private FakeSite? _site;

    public void Dispose() => _site?.Dispose();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    // The fake site's own API account aside.
    private static IEnumerable<Skvare.CmsUser.Testing.FakeCmsUser> NewUsers(FakeSite site) =>
        site.WordPress.Users.Where(u => u.Username != site.WordPress.AdminUsername);

    private FakeSite Site(int contacts, string role) =>
        _site = FakeSite.Start(contacts, concurrency: 1, configure: services => services.PostConfigure<CmsUserOptions>(o =>
        {
            o.Rules[0].Roles.Clear();
            o.Rules[0].Roles.Add(role);
        }));

    [Fact(Timeout = 120_000)]
    public async Task A_misspelled_role_stops_every_run_as_configuration_without_spending_an_attempt()
    {
        var site = Site(0, Misspelled);
        var contacts = site.AddMembers(3);
        var runs = new List<RunSummary>();

        // More runs than MaxAttempts (4): were the failure counted, the contacts would give up and leave the group.
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await site.Provisioner.RunOnceAsync(cancellationToken: Timeout()));
        }

        runs.Should().AllSatisfy(run =>
        {
            run.StopKind.Should().Be(RunStopKind.Configuration);
            run.StopReason.Should().Contain(Misspelled).And.NotContain(site.WordPress.ApplicationPassword);
            run.Count(OutcomeKind.GaveUp).Should().Be(0);
            run.Total.Should().Be(1, "the run stops at the first contact, before the others reach WordPress");
        });
        NewUsers(site).Should().BeEmpty();
        site.Civi.Activities.Should().BeEmpty("a configuration error is nobody's attempt, and the stop gives back the Scheduled records it opened");
        site.Civi.Links.Should().BeEmpty();
        foreach (var contact in contacts)
        {
            site.Civi.GroupStatus(site.Members, contact).Should().Be("Added", "every contact waits in its trigger for the fix");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task The_same_site_with_the_role_it_has_creates_every_contact()
    {
        // The control: the test above fails for the role, not for the site.
        var site = Site(3, "subscriber");

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None);
        summary.Count(OutcomeKind.Created).Should().Be(3);
        NewUsers(site).Should().HaveCount(3).And.AllSatisfy(u => u.Roles.Should().Equal("subscriber"));
    }
}
