using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests;

/// <summary>Two hosts run the same 1,000-contact trigger at once.</summary>
public sealed class TwoWorkerTests(ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task Two_workers_make_one_account_one_link_and_one_audit_per_contact()
    {
        using var h = new FaultHarness();
        var contacts = h.AddMembers(1000, "two");
        using var first = h.NewEngine();
        using var second = h.NewEngine();

        var runs = await Task.WhenAll(first.Provisioner.RunOnceAsync(), second.Provisioner.RunOnceAsync());
        using var third = h.NewEngine();
        var after = await third.Provisioner.RunOnceAsync();

        var end = Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts);
        output.WriteLine("WordPress answers: " + string.Join(", ", h.Wp.Requests.GroupBy(r => $"{r.Method} {r.Path.Split('?')[0]} {r.StatusCode}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}")));
        output.WriteLine($"two workers: worker 1 {Describe(runs[0])}; worker 2 {Describe(runs[1])}; follow-up run {Describe(after)}; end: {end}");
        runs.Should().OnlyContain(r => r.StopReason == null);
        end.Accounts.Should().Be(1000);
        end.DuplicateAccounts.Should().Be(0);
        end.AccountsWithoutLink.Should().Be(0);
        h.Civi.Links.Count(l => contacts.Contains(l.ContactId)).Should().Be(1000);
        end.LinkedWithoutAudit.Should().Be(0);
        end.LinkedWithSeveralAudits.Should().Be(0);
        end.FailedActivities.Should().Be(0);
        end.StillInTrigger.Should().Be(0);
    }

    private static string Describe(RunSummary s) =>
        $"{s.Total} contacts (created {s.Count(OutcomeKind.Created)}, linked {s.Count(OutcomeKind.Linked)}, already linked {s.Count(OutcomeKind.AlreadyLinked)}, failed {s.Count(OutcomeKind.Failed)})";
}
