using CsCheck;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>The dry run predicts what the run does, for each contact, on the same data.</summary>
public sealed class PlanAgreesWithRunTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_existing_account_another_contact_holds_is_planned_as_the_failure_the_run_reports()
    {
        using var h = new EngineHarness();
        var account = h.Cms.AddAccount("sam.one", "sam@example.org");
        var holder = h.Civi.AddContact("Sam", "One", "sam@example.org");
        h.Civi.AddLink(new AccountLink(holder.Id, account.Id, "sam@example.org"));
        var other = h.Member("Sam", "Other", "sam@example.org");

        var plan = await PlanAsync(h);

        var entry = plan.Should().ContainSingle().Which;
        entry.ContactId.Should().Be(other.Id);
        entry.Action.Should().Be(PlannedAction.Fail);
        entry.Conflict.Should().StartWith("account_linked_to_other_contact: ").And.Contain($"contact {holder.Id}");
        h.Civi.Calls.Keys.Should().NotContain(["RecordActivities", "EnsureLinks", "Acknowledge"]);

        var summary = await h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        var failure = summary.Failures.Should().ContainSingle().Which;
        failure.ContactId.Should().Be(other.Id);
        entry.Conflict.Should().Be($"{failure.Error!.Code}: {failure.Error.Message}");
        h.Civi.Links.Should().ContainSingle().Which.ContactId.Should().Be(holder.Id);
    }

    [Fact]
    public async Task Contacts_sharing_an_email_are_planned_as_one_account_and_a_failure_across_pages()
    {
        using var h = new EngineHarness { Configure = o => (o.PageSize, o.MaxConcurrency) = (1, 1) };
        var ana = h.Member("Ana", "Lima", "shared@example.org");
        var bea = h.Member("Bea", "Lima", "shared@example.org");

        var plan = await PlanAsync(h);

        plan.Single(p => p.ContactId == ana.Id).Action.Should().Be(PlannedAction.Create);
        plan.Single(p => p.ContactId == bea.Id).Should().Match<PlanEntry>(p => p.Action == PlannedAction.Fail
            && p.Conflict!.StartsWith("account_linked_to_other_contact: ", StringComparison.Ordinal) && p.Conflict.Contains($"contact {ana.Id}"));

        var outcomes = await RunAsync(h);
        outcomes[ana.Id].Kind.Should().Be(OutcomeKind.Created);
        outcomes[bea.Id].Error!.Code.Should().Be("account_linked_to_other_contact");
    }

    /// <summary>
    /// Over small generated sites (fresh contacts, contacts linked here, accounts linked to a contact outside the trigger,
    /// shared emails, pages of one or two), each contact's planned action is the run's outcome, and a planned failure
    /// names the run's error code.
    /// </summary>
    [Fact]
    public void Plan_predicts_the_run_for_every_contact() =>
        Scenarios.Sample(scenario => Check(scenario).GetAwaiter().GetResult(), iter: 60, threads: 1);

    /// <summary>Emails from a pool of three: 0 no account, 1 an unlinked account, 2 an account linked to an outside contact; contacts (email, linked here).</summary>
    private static readonly Gen<(int[] Accounts, (int Email, bool LinkedHere)[] Contacts, int PageSize)> Scenarios =
        Gen.Select(Gen.Int[0, 2].Array[3], Gen.Select(Gen.Int[0, 2], Gen.Bool).Array[1, 5], Gen.Int[1, 2]);

    private static async Task Check((int[] Accounts, (int Email, bool LinkedHere)[] Contacts, int PageSize) scenario)
    {
        using var h = new EngineHarness { Configure = o => (o.PageSize, o.MaxConcurrency) = (scenario.PageSize, 1) };
        var accounts = new long?[3];
        var held = new bool[3];
        for (var e = 0; e < 3; e++)
        {
            if (scenario.Accounts[e] > 0)
            {
                accounts[e] = h.Cms.AddAccount($"user{e}", Email(e)).Id;
            }

            if (scenario.Accounts[e] == 2)
            {
                var outside = h.Civi.AddContact("Out", $"Side{e}", Email(e));
                h.Civi.AddLink(new AccountLink(outside.Id, accounts[e]!.Value, Email(e)));
                held[e] = true;
            }
        }

        var ids = new List<long>();
        for (var i = 0; i < scenario.Contacts.Length; i++)
        {
            var (e, linkedHere) = scenario.Contacts[i];
            var contact = h.Civi.AddContact($"C{i}", "Member", Email(e));
            if (linkedHere)
            {
                // Linked to its email's account when nobody holds it yet, else to an account of its own.
                var uid = accounts[e] is long a && !held[e] ? a : h.Cms.AddAccount($"own{i}", $"own{i}@example.org").Id;
                held[e] |= uid == accounts[e];
                h.Civi.AddLink(new AccountLink(contact.Id, uid, Email(e)));
            }

            h.Civi.AddToGroup(EngineHarness.Trigger, contact.Id);
            ids.Add(contact.Id);
        }

        var plan = (await PlanAsync(h)).ToDictionary(p => p.ContactId);
        var outcomes = await RunAsync(h);

        foreach (var id in ids)
        {
            var (entry, outcome) = (plan[id], outcomes[id]);
            Expected(entry.Action).Should().Be(outcome.Kind, $"contact {id}: planned {entry.Action} ({entry.Conflict}), run {outcome.Kind} ({outcome.Error?.Code}: {outcome.Error?.Message})");
            if (outcome.Error is { } error)
            {
                entry.Conflict.Should().StartWith($"{error.Code}: ");
            }
        }
    }

    private static string Email(int e) => $"person{e}@example.org";

    private static OutcomeKind Expected(PlannedAction action) => action switch
    {
        PlannedAction.Create => OutcomeKind.Created,
        PlannedAction.LinkExisting or PlannedAction.LinkFromOtherDomain => OutcomeKind.Linked,
        PlannedAction.AlreadyLinked => OutcomeKind.AlreadyLinked,
        PlannedAction.Fail => OutcomeKind.Failed,
        PlannedAction.GiveUp => OutcomeKind.GaveUp,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    private static async Task<List<PlanEntry>> PlanAsync(EngineHarness h)
    {
        using var cts = new CancellationTokenSource(Bound);
        var plan = new List<PlanEntry>();
        await foreach (var entry in h.Provisioner.PlanAsync(cts.Token))
        {
            plan.Add(entry);
        }

        return plan;
    }

    private static async Task<Dictionary<long, ProvisioningOutcome>> RunAsync(EngineHarness h)
    {
        var progress = new Collect();
        await h.Provisioner.RunOnceAsync(progress).WaitAsync(Bound);
        return progress.Outcomes;
    }

    /// <summary>Collects each contact's outcome as the run reports it (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Collect : IProgress<ProvisioningProgress>
    {
        public Dictionary<long, ProvisioningOutcome> Outcomes { get; } = [];

        public void Report(ProvisioningProgress value)
        {
            lock (Outcomes)
            {
                Outcomes[value.Last.ContactId] = value.Last;
            }
        }
    }
}
