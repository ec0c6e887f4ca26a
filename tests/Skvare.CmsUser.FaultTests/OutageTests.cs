using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// The CMS or CiviCRM down for four runs of 1,000 contacts, then back: nothing burned, nothing lost, nothing
/// duplicated.
/// </summary>
public sealed class OutageTests(ITestOutputHelper output)
{
    private const int Contacts = 1000;
    private const int OutageRuns = 4;

    // Only a backstop: a held request's attempt times out at once (HangingSite.Clock). It was 300 ms, waited out by every
    // held request (about 30 s of the test); a healthy answer never waits for it.
    private static readonly TimeSpan HangingAttemptTimeout = TimeSpan.FromSeconds(30);

    public enum Outage
    {
        Refused,
        Unavailable503,
        Hanging,
    }

    [Theory(Timeout = 300_000)]
    [InlineData(Outage.Refused)]
    [InlineData(Outage.Unavailable503)]
    [InlineData(Outage.Hanging)]
    public async Task A_cms_outage_burns_no_attempt_and_loses_nothing(Outage outage)
    {
        using var h = new FaultHarness();
        var contacts = h.AddMembers(Contacts, "out");
        using var refusedPort = outage == Outage.Refused ? new Skvare.CmsUser.Tests.Shared.RefusedPort() : null;
        var refused = refusedPort?.Url;

        // A hanging site holds every request until the client gives up (its attempt times out at once, through the site's
        // clock), and carries the held requests out when the test lets it go after the run: late, after the client gave up.
        using var hanging = new HangingSite(HangingAttemptTimeout);
        var outageSummaries = new List<RunSummary>();
        for (var run = 0; run < OutageRuns; run++)
        {
            switch (outage)
            {
                case Outage.Unavailable503:
                    h.Wp.FailNext(200, 503);
                    break;
                case Outage.Hanging:
                    hanging.Hanging = true;
                    break;
            }

            using var engine = h.NewEngine(
                wordPressUrl: refused,
                wordPress: o => o.Http.AttemptTimeout = HangingAttemptTimeout,
                services: s =>
                {
                    s.AddSingleton<TimeProvider>(hanging.Clock);
                    s.AddHttpClient(WordPress.WordPressAccountProvider.HttpClientName).AddHttpMessageHandler(hanging.Handler);
                });
            outageSummaries.Add(await engine.Provisioner.RunOnceAsync());
            var held = hanging.HeldCount;
            await hanging.ReleaseAsync();
            output.WriteLine($"outage run {run}: {h.Wp.Requests.Count} WordPress requests so far, {held} of them held and answered late");
            h.Wp.ClearFaults();
        }

        var during = Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts);
        outageSummaries.Should().OnlyContain(s => s.Quarantined, "each run sees the CMS down and stops");
        during.FailedActivities.Should().Be(0, "no attempt is burned by an outage");
        during.LeftWithoutAccountOrGaveUp.Should().Be(0, "a contact leaves the trigger only with its account linked and audited");
        if (outage == Outage.Hanging)
        {
            // Create first: the create is a contact's first request, and a hanging site answers it late but still
            // saves the account (the client gave up, UnknownOutcome). Such an account is linked (by the CMS's plugin),
            // and its contact may be done in a later outage run (its look-up hangs too); every other contact stays.
            during.StillInTrigger.Should().BeGreaterThan(Contacts / 2, "the outage stops each run early");
            during.DuplicateAccounts.Should().Be(0);
        }
        else
        {
            during.StillInTrigger.Should().Be(Contacts, "no contact leaves the trigger");
            during.Accounts.Should().Be(0);
        }

        var back = await DrainAsync(h);

        var after = Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts);
        Report(outage.ToString(), outageSummaries, back, during, after);
        after.Accounts.Should().Be(Contacts);
        after.DuplicateAccounts.Should().Be(0);
        after.AccountsWithoutLink.Should().Be(0);
        after.LinkedWithoutAudit.Should().Be(0);
        after.LinkedWithSeveralAudits.Should().Be(0);
        after.FailedActivities.Should().Be(0);
        after.StillInTrigger.Should().Be(0);
    }

    [Fact(Timeout = 120_000)]
    public async Task Civicrm_failing_after_the_creates_before_the_page_write_burns_nothing_and_duplicates_nothing()
    {
        using var h = new FaultHarness();
        var contacts = h.AddMembers(Contacts, "civi");
        var outageSummaries = new List<RunSummary>();
        for (var run = 0; run < OutageRuns; run++)
        {
            // CiviCRM goes down once the first account of the run is created: the page write (links first) fails.
            var created = 0;
            h.Wp.OnUserCreated(_ => Interlocked.Exchange(ref created, 1));
            h.Civi.FailWhere = (_, _) => Volatile.Read(ref created) == 1 ? 503 : null;
            using var engine = h.NewEngine();
            outageSummaries.Add(await engine.Provisioner.RunOnceAsync());
            h.Civi.FailWhere = null;
            Interlocked.Exchange(ref created, 2);
        }

        var during = Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts);
        outageSummaries.Should().OnlyContain(s => s.Quarantined);
        during.FailedActivities.Should().Be(0, "no attempt is burned by an outage");
        during.LeftWithoutAccountOrGaveUp.Should().Be(0, "a contact leaves the trigger only with its account linked and audited");
        during.LinkedWithSeveralAudits.Should().Be(0);
        during.Accounts.Should().BeGreaterThan(0, "each run created a page of accounts before CiviCRM failed");

        var back = await DrainAsync(h);

        var after = Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts);
        Report("CiviCRM down before the page write", outageSummaries, back, during, after);
        after.Accounts.Should().Be(Contacts);
        after.DuplicateAccounts.Should().Be(0);
        after.AccountsWithoutLink.Should().Be(0);
        after.LinkedWithoutAudit.Should().Be(0, "the accounts whose run died are audited by the next run");
        after.LinkedWithSeveralAudits.Should().Be(0);
        after.FailedActivities.Should().Be(0);
        after.StillInTrigger.Should().Be(0);
    }

    internal static async Task<List<RunSummary>> DrainAsync(FaultHarness h, int maxRuns = 3)
    {
        var runs = new List<RunSummary>();
        for (var i = 0; i < maxRuns; i++)
        {
            using var engine = h.NewEngine();
            var summary = await engine.Provisioner.RunOnceAsync();
            runs.Add(summary);
            if (summary.Total == 0)
            {
                break;
            }
        }

        return runs;
    }

    private void Report(string name, List<RunSummary> outage, List<RunSummary> back, Invariants during, Invariants after) =>
        output.WriteLine($"{name}: outage runs {outage.Count} (processed {string.Join("/", outage.Select(s => s.Total))}, quarantined {outage.Count(s => s.Quarantined)}), "
            + $"during: accounts {during.Accounts}, failed activities {during.FailedActivities}, in trigger {during.StillInTrigger}; "
            + $"back: runs {back.Count} (created {back.Sum(s => s.Count(OutcomeKind.Created))}, linked {back.Sum(s => s.Count(OutcomeKind.Linked))}, already linked {back.Sum(s => s.Count(OutcomeKind.AlreadyLinked))}); "
            + $"after: {after}");
}
