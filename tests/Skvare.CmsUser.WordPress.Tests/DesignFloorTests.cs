using FluentAssertions;
using Skvare.CmsUser.Benchmarks.Provisioning;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The benchmark's design floor (tests/Skvare.CmsUser.Benchmarks/Provisioning/DesignFloor.cs) sends exactly the round
/// trips it claims, counted on the fakes: per page one read, one Scheduled write (with audit), one write-back, and
/// one create per contact; and it leaves the site as a run of the SDK would (linked, one Completed record each, moved
/// to history). Counts and state only, never time.
/// </summary>
public sealed class DesignFloorTests
{
    [Theory(Timeout = 120_000)]
    [InlineData(1, 100, true)]
    [InlineData(4, 250, true)]
    [InlineData(8, 250, false)]
    public async Task Sends_only_the_spec_round_trips_and_completes_every_contact(int concurrency, int contacts, bool audit)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var site = FakeSite.Start(contacts, concurrency);

        await DesignFloor.RunAsync(site, contacts, concurrency, audit, timeout.Token);

        var pages = (contacts + 99) / 100;
        var expectedCivi = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            // Reads until a short page (a multiple of 100 needs one empty read), and one write-back carrier per page.
            ["Contact.get"] = (contacts / 100) + 1 + pages,
        };
        if (audit)
        {
            expectedCivi["Activity.save"] = pages;
        }

        site.Count().CiviCrm.Should().BeEquivalentTo(expectedCivi);
        site.Count().WordPress.Should().BeEquivalentTo(new Dictionary<string, int> { ["POST /wp-json/skvare-cmsuser/v1/users"] = contacts });
        DesignFloor.Expected(contacts, audit).CiviCrm.Should().BeEquivalentTo(expectedCivi);
        site.Civi.Links.Should().HaveCount(contacts);
        var records = site.Civi.Activities.Where(a => a.Type == "User Account Creation").ToList();
        records.Should().HaveCount(contacts).And.OnlyContain(a => a.Status == "Completed" && a.Targets.Count == 1);
        records.Select(a => a.Targets[0]).Should().BeEquivalentTo(site.Civi.Links.Select(l => l.ContactId));
        site.Civi.Links.Should().OnlyContain(l => site.Civi.GroupStatus(site.Members, l.ContactId) == "Removed");
    }
}
