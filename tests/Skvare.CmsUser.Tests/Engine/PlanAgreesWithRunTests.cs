using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Properties;

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
    public async Task A_link_store_without_the_lookup_plans_the_holder_as_unknown_and_the_run_still_refuses_the_account()
    {
        using var h = new EngineHarness();
        h.Services = s => s.AddSingleton<IAccountLinkStore>(new LinkStoreOnly(h.Civi));
        var account = h.Cms.AddAccount("sam.one", "sam@example.org");
        var holder = h.Civi.AddContact("Sam", "One", "sam@example.org");
        h.Civi.AddLink(new AccountLink(holder.Id, account.Id, "sam@example.org"));
        var other = h.Member("Sam", "Other", "sam@example.org");

        var plan = await PlanAsync(h);

        var entry = plan.Should().ContainSingle().Which;
        entry.ContactId.Should().Be(other.Id);
        entry.Conflict.Should().Contain("is not known", "the store does not implement IAccountLinkLookup");
        h.Civi.Calls.Keys.Should().NotContain("FindLinksInDomain");

        var summary = await h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Failures.Should().ContainSingle().Which.Error!.Code.Should().Be("account_linked_to_other_contact");
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
        outcomes[(ana.Id, "members")].Kind.Should().Be(OutcomeKind.Created);
        outcomes[(bea.Id, "members")].Error!.Code.Should().Be("account_linked_to_other_contact");
    }

    [Fact]
    public async Task An_existing_account_with_linking_off_is_planned_with_the_runs_duplicate_email_code_and_message()
    {
        using var h = new EngineHarness { Configure = o => o.LinkExistingAccounts = false };
        h.Cms.AddAccount("sam.one", "sam@example.org");
        var sam = h.Member("Sam", "One", "sam@example.org");

        var entry = (await PlanAsync(h)).Should().ContainSingle().Which;
        var failure = (await h.Provisioner.RunOnceAsync().WaitAsync(Bound)).Failures.Should().ContainSingle().Which;

        failure.ContactId.Should().Be(sam.Id);
        failure.Error!.Code.Should().Be("duplicate_email");
        entry.Action.Should().Be(PlannedAction.Fail);
        entry.Conflict.Should().Be($"{failure.Error.Code}: {failure.Error.Message}");
    }

    [Fact]
    public async Task A_contact_in_two_rules_triggers_is_planned_as_linked_in_the_second_rule()
    {
        const string second = "second_trigger";
        using var h = new EngineHarness { Configure = o => o.Rules.Add(new ProvisioningRule { Name = "second", Trigger = TriggerDefinition.Group(second) }) };
        var ana = h.Member("Ana", "Lima", "ana@example.org");
        h.Civi.AddToGroup(second, ana.Id);

        var plan = await PlanAsync(h);

        plan.Select(p => (p.Rule, p.Action)).Should().Equal(("members", PlannedAction.Create), ("second", PlannedAction.AlreadyLinked));
        plan[1].Username.Should().BeNull("the run reports no username for a linked contact");
        plan[1].Conflict.Should().Be("Linked by then to the account (username ana.lima), which rule members creates or links earlier in this run.");
        var outcomes = await RunAsync(h);
        outcomes[(ana.Id, "members")].Kind.Should().Be(OutcomeKind.Created);
        outcomes[(ana.Id, "second")].Kind.Should().Be(OutcomeKind.AlreadyLinked);
    }

    /// <summary>
    /// Over small generated sites (fresh contacts, contacts linked here, accounts linked to a contact outside the trigger,
    /// shared emails, contacts without an email or with unreadable data, names in any script, one or two rules whose
    /// triggers may share contacts, linking existing accounts on or off, numbering taken usernames on or off, create-first
    /// or look-up-first CMSs, pages of one or two, one to four attempts), each contact's planned action is the run's outcome, a planned failure carries the
    /// run's error code (and its message where the plan knows the account), and a planned new account has the run's username.
    /// </summary>
    [Fact]
    public void Plan_predicts_the_run_for_every_contact() =>
        Scenarios.Sample(scenario => Check(scenario).GetAwaiter().GetResult(), iter: 200, threads: 1, print: s => s.ToString());

    /// <summary>Names in any script: mostly a few plain names that collide into one username, else <see cref="HostileText"/> (emoji, CJK, RTL, combining marks, huge, empty, null).</summary>
    private static readonly Gen<string?> Names = Gen.Frequency(
        (3, Gen.OneOf(Gen.Const<string?>("Ana"), Gen.Const<string?>("Lima"), Gen.Const<string?>(""))),
        (2, HostileText.MaybeText));

    /// <summary>
    /// Emails from a pool of three: 0 no account, 1 an unlinked account, 2 an account linked to an outside contact; a
    /// contact: its email (3: none), whether it is linked here, its triggers (1 the first rule's, 2 the second's, 3 both),
    /// its names, whether its data is unreadable.
    /// </summary>
    private static readonly Gen<Scenario> Scenarios =
        Gen.Select(
            Gen.Int[0, 2].Array[3],
            Gen.Select(Gen.Int[0, 3], Gen.Bool, Gen.Int[1, 3], Names, Names, Gen.Int[0, 9]).Array[1, 6],
            Gen.Select(Gen.Int[1, 2], Gen.Bool, Gen.Bool, Gen.Int[1, 4], Gen.Bool))
        .Select((accounts, contacts, settings) => new Scenario(
            accounts,
            contacts.Select(c => new ScenarioContact(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6 == 0)).ToArray(),
            settings.Item1,
            settings.Item2,
            settings.Item3,
            settings.Item4,
            settings.Item5));

    private sealed record ScenarioContact(int Email, bool LinkedHere, int Triggers, string? First, string? Last, bool BadData)
    {
        public override string ToString() => $"(email {Email}, linked {LinkedHere}, triggers {Triggers}, first {Show(First)}, last {Show(Last)}, bad data {BadData})";

        private static string Show(string? name) => name is null ? "null" : name.Length <= 20 ? $"'{name}'" : $"'{name[..20]}…' ({name.Length} chars)";
    }

    private sealed record Scenario(int[] Accounts, ScenarioContact[] Contacts, int PageSize, bool LinkExisting, bool CreateFirst, int MaxAttempts, bool NumberTaken)
    {
        public override string ToString() =>
            $"accounts [{string.Join(",", Accounts)}], page {PageSize}, link existing {LinkExisting}, create first {CreateFirst}, attempts {MaxAttempts}, number taken {NumberTaken}, contacts {string.Join("; ", Contacts.Select(c => c.ToString()))}";
    }

    private const string SecondTrigger = "second_trigger";

    private static async Task Check(Scenario scenario)
    {
        var capabilities = CmsCapabilities.CreateWithoutPassword | (scenario.CreateFirst ? CmsCapabilities.CreateRefusesDuplicates : 0);
        using var h = new EngineHarness(new FakeCmsAccountProvider(capabilities))
        {
            Configure = o =>
            {
                (o.PageSize, o.MaxConcurrency, o.LinkExistingAccounts, o.Retry.MaxAttempts, o.NumberTakenUsernames) = (scenario.PageSize, 1, scenario.LinkExisting, scenario.MaxAttempts, scenario.NumberTaken);
                o.Rules.Add(new ProvisioningRule { Name = "second", Trigger = TriggerDefinition.Group(SecondTrigger) });
            },
        };
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
            var c = scenario.Contacts[i];
            var email = c.Email < 3 ? Email(c.Email) : null;
            var contact = h.Civi.AddContact(c.First, c.Last, email, c.BadData ? x => x with { DataError = "custom_3 is not a number." } : null);
            if (c.LinkedHere)
            {
                // Linked to its email's account when nobody holds it yet, else to an account of its own.
                var uid = c.Email < 3 && accounts[c.Email] is long a && !held[c.Email] ? a : h.Cms.AddAccount($"own{i}", $"own{i}@example.org").Id;
                held[Math.Min(c.Email, 2)] |= c.Email < 3 && uid == accounts[c.Email];
                h.Civi.AddLink(new AccountLink(contact.Id, uid, email ?? $"own{i}@example.org"));
            }

            if ((c.Triggers & 1) != 0)
            {
                h.Civi.AddToGroup(EngineHarness.Trigger, contact.Id);
            }

            if ((c.Triggers & 2) != 0)
            {
                h.Civi.AddToGroup(SecondTrigger, contact.Id);
            }

            ids.Add(contact.Id);
        }

        var plan = (await PlanAsync(h)).ToDictionary(p => (p.ContactId, p.Rule));
        var outcomes = await RunAsync(h);

        plan.Keys.Should().BeEquivalentTo(outcomes.Keys, "the plan names the contacts the run handles, rule by rule");
        foreach (var (key, outcome) in outcomes)
        {
            var entry = plan[key];
            var why = $"contact {key.ContactId} in {key.Rule}: planned {entry.Action} {entry.Username} ({entry.Conflict}), run {outcome.Kind} {outcome.Username} ({outcome.Error?.Code}: {outcome.Error?.Message})";
            Expected(entry.Action).Should().Be(outcome.Kind, why);
            if (outcome.Error is { } error)
            {
                entry.Conflict.Should().StartWith($"{error.Code}: ", why);
                if (!entry.Conflict!.Contains("this run creates first", StringComparison.Ordinal))
                {
                    entry.Conflict.Should().Be($"{error.Code}: {error.Message}", why);
                }
            }

            if (outcome.Kind is OutcomeKind.Created or OutcomeKind.Linked or OutcomeKind.AlreadyLinked)
            {
                // A linked contact's username is the run's too: none where the run knows only the link (its stored name is
                // the email at link time, said in the note), never the link's stored name shown as a username.
                entry.Username.Should().Be(outcome.Username, why);
            }

            if (outcome.Kind is OutcomeKind.Linked or OutcomeKind.AlreadyLinked && entry.CmsUserId is long planned)
            {
                planned.Should().Be(outcome.CmsUserId, why);
                if (entry.Username is null)
                {
                    entry.Conflict.Should().Contain($"CMS user {planned}", why);
                }
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

    private static async Task<Dictionary<(long ContactId, string Rule), ProvisioningOutcome>> RunAsync(EngineHarness h)
    {
        var progress = new Collect();
        await h.Provisioner.RunOnceAsync(progress).WaitAsync(Bound);
        return progress.Outcomes;
    }

    /// <summary>Collects each contact's outcome as the run reports it (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Collect : IProgress<ProvisioningProgress>
    {
        public Dictionary<(long ContactId, string Rule), ProvisioningOutcome> Outcomes { get; } = [];

        public void Report(ProvisioningProgress value)
        {
            lock (Outcomes)
            {
                Outcomes[(value.Last.ContactId, value.Last.Rule ?? "")] = value.Last;
            }
        }
    }

    /// <summary>A link store that is only an <see cref="IAccountLinkStore"/> (as a host's decorator would be).</summary>
    private sealed class LinkStoreOnly(IAccountLinkStore inner) : IAccountLinkStore
    {
        public Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default) =>
            inner.FindByContactsAsync(contactIds, cancellationToken);

        public Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default) =>
            inner.EnsureLinksAsync(requests, cancellationToken);
    }
}
