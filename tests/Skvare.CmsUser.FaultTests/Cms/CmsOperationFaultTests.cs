using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Whole runs against every CMS with faults beyond the create, put on chosen contacts' requests by the fakes'
/// per-request rules (<see cref="IFakeCmsServer.FaultWhere"/>, <see cref="FakeCiviCrmServer.RefuseWhere"/>): the
/// look-ups, the role change of an existing account, the new-account email, and CiviCRM's per-contact writes (link,
/// trigger removal, history add). Each run ends with every contact accounted for (linked, or failed
/// with a typed error and still in the trigger), is never stopped by one contact, and a healed run finishes every
/// contact with no account made twice.
/// </summary>
public sealed partial class CmsOperationFaultTests(ITestOutputHelper output)
{
    private const string History = "members_done";
    private const int Members = 2 * CmsFaultRun.PageSize;

    // Existing accounts: the first half of the members already has one (linked, its roles synced); the rest is created.
    private const int Existing = CmsFaultRun.PageSize;

    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public static TheoryData<Cms> AllCms() => [.. CmsTable.Rows.Select(r => r.Cms)];

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(AllCms))]
    public async Task Faults_on_look_ups_role_changes_and_emails_fail_those_contacts_alone_and_lose_nothing(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var historyId = run.Civi.AddGroup(History);
        var members = run.AddMembers(Members);
        var accounts = members.Take(Existing).Select((m, i) => run.Site.AddExisting($"existing{i}", m.Email, m.Id)).ToArray();
        var role = run.Site.Row.Role;

        // Which contact meets which fault on which operation: a rule picks the request by what it is and whose it is,
        // so no retry or neighbour takes it.
        var plan = new Dictionary<string, (FakeCmsOperation Operation, FakeFault Fault)>(StringComparer.OrdinalIgnoreCase)
        {
            [members[0].Email] = (FakeCmsOperation.LookUp, Answer(run.Site.Row, 500)),
            [members[1].Email] = (FakeCmsOperation.LookUp, FakeFault.MalformedBody),
            [members[2].Email] = (FakeCmsOperation.LookUp, run.Plan.Hang),
            [members[3].Email] = (FakeCmsOperation.ChangeRoles, Answer(run.Site.Row, 503)),
            [members[4].Email] = (FakeCmsOperation.ChangeRoles, FakeFault.AfterProcessing(502)),
            [members[5].Email] = (FakeCmsOperation.ChangeRoles, run.Plan.Hang),
            [members[6].Email] = (FakeCmsOperation.ChangeRoles, FakeFault.MalformedBody),
            [members[Existing + 2].Email] = (FakeCmsOperation.Notify, Answer(run.Site.Row, 500)),
            [members[Existing + 3].Email] = (FakeCmsOperation.Notify, FakeFault.AfterProcessing(502)),
            [members[Existing + 4].Email] = (FakeCmsOperation.Notify, run.Plan.Hang),
            [members[Existing + 5].Email] = (FakeCmsOperation.Notify, FakeFault.MalformedBody),
        };
        var met = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var site = run.Site.Cms;
        // A hang never answers; its attempt times out as soon as the fake holds it (no wait for the timeout).
        site.FaultWhere = run.Plan.ExpiringHangs(request =>
        {
            if (request.Operation == FakeCmsOperation.Other || Owner(site, members, request) is not { } email
                || !plan.TryGetValue(email, out var planned) || planned.Operation != request.Operation)
            {
                return null;
            }

            met.AddOrUpdate(email, 1, (_, n) => n + 1);
            return planned.Fault;
        });

        var summary = await run.RunAsync(rule: r =>
        {
            r.History = TriggerDefinition.Group(History);
            r.Roles.Add(role);
            r.SyncRolesOfExistingAccounts = true;
        }, cancellationToken: Bounded());

        var after = run.Read(members.Select(m => m.Id));
        output.WriteLine($"{cms}: {summary.Total} processed, {string.Join(", ", Enum.GetValues<OutcomeKind>().Select(k => $"{k} {summary.Count(k)}"))}; faults met: {string.Join(", ", met.Select(kv => $"{plan[kv.Key].Operation}/{plan[kv.Key].Fault} x{kv.Value}"))}");
        foreach (var failure in summary.Failures)
        {
            output.WriteLine($"  contact {failure.ContactId}: {failure.Error!.Kind}/{failure.Error.Code}: {failure.Error.Message}");
        }

        // Every planned fault was met: the rules reached the operations this CMS sends on their own.
        var expectedOperations = plan.Where(kv => kv.Value.Operation switch
        {
            FakeCmsOperation.Notify => run.Site.Row.SeparateNotify,
            FakeCmsOperation.LookUp => run.Site.Row.LookUpPerContact,
            _ => true,
        }).Select(kv => kv.Key);
        met.Keys.Should().BeEquivalentTo(expectedOperations, "every planned fault is met on {0}", cms);
        run.Plan.HangsNotExpired.Should().BeEmpty("each hang's attempt times out at once, not after the attempt timeout");

        summary.StopKind.Should().Be(RunStopKind.None, "no contact's fault stops the run: {0}", summary.StopReason);
        summary.Total.Should().Be(members.Length);
        AssertAccounted(run, summary, after, members.Where(m => !plan.ContainsKey(m.Email)).Select(m => m.Id));
        run.Civi.GroupStatus(historyId, members[^1].Id).Should().Be("Added", "a healthy contact moves to the history group");

        // The site is well again: the next run finishes every contact, and nothing is made twice.
        site.FaultWhere = null;
        var next = await run.RunAsync(rule: r =>
        {
            r.History = TriggerDefinition.Group(History);
            r.Roles.Add(role);
            r.SyncRolesOfExistingAccounts = true;
        }, cancellationToken: Bounded());
        next.StopKind.Should().Be(RunStopKind.None, next.StopReason);
        AssertHealed(run, members, after);
        run.Site.Accounts.Should().HaveCount(members.Length, "one account per contact, the existing ones reused");
        foreach (var account in accounts)
        {
            run.Site.Cms.Users.Single(u => u.Id == account.Id).Roles.Should().Contain(role, "the existing account {0} ends with the rule's role", account.Email);
        }
    }

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(AllCms))]
    public async Task CiviCrm_refusing_one_contacts_link_or_group_write_fails_that_contact_alone_and_loses_nothing(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var historyId = run.Civi.AddGroup(History);

        // Contact ids far from every other id in a request (group, activity type, user ids), so a rule that looks for a
        // contact's id in a call's parameters finds only that contact's calls.
        run.Civi.Store.SetNextId("Contact", 700_001);
        var members = run.AddMembers(Members);
        run.Site.AddExisting("existing0", members[0].Email, members[0].Id);
        run.Site.AddExisting("existing1", members[1].Email, members[1].Id);

        // Which contact's which write CiviCRM refuses for good (as it refuses a failing call: HTTP 500 with PEAR DB's final
        // message: a unique key for a link, a foreign key for a group row). The audit records are not in the plan: the
        // Completed record updates the contact's Scheduled record by its id (no contact id in the call), and a refused
        // Scheduled record fails the page's read (it is chained onto it), which is CiviCRM failing, not one contact. A "DB Error: unknown error"
        // would be a database failing for a moment: transient, so the page is tried again and a database that keeps
        // failing stops the run (OutageTests).
        // On Standalone an existing user is its contact's link already (no link is saved for it).
        var existingLink = cms == Cms.Standalone
            ? Array.Empty<(long Contact, string Entity, Func<string, bool> Action, string Write)>()
            : [(Contact: members[0].Id, Entity: "UFMatch", Action: a => a is "create" or "save", Write: "link save (existing account)")];
        var plan = new (long Contact, string Entity, Func<string, bool> Action, string Write)[]
        {
            (members[2].Id, "UFMatch", a => a is "create" or "save", "link save (new account)"),
            (members[4].Id, "GroupContact", a => a is "delete" or "save" or "update" or "create", "trigger removal or history add"),
            (members[CmsFaultRun.PageSize + 1].Id, "GroupContact", a => a is "delete" or "save" or "update" or "create", "trigger removal or history add"),
            (members[CmsFaultRun.PageSize + 2].Id, "UFMatch", a => a is "create" or "save", "link save (second page)"),
        }.Concat(existingLink).ToArray();
        var met = new ConcurrentDictionary<long, int>();
        run.Civi.RefuseWhere = call =>
        {
            foreach (var (contact, entity, action, _) in plan)
            {
                if (call.Entity == entity && action(call.Action) && Mentions(call.ParamsJson, contact))
                {
                    met.AddOrUpdate(contact, 1, (_, n) => n + 1);
                    return entity == "UFMatch" ? "DB Error: already exists" : "DB Error: constraint violation";
                }
            }

            return null;
        };

        var summary = await run.RunAsync(rule: r => r.History = TriggerDefinition.Group(History), cancellationToken: Bounded());

        var after = run.Read(members.Select(m => m.Id));
        output.WriteLine($"{cms}: {summary.Total} processed, {string.Join(", ", Enum.GetValues<OutcomeKind>().Select(k => $"{k} {summary.Count(k)}"))}; refusals met: {string.Join(", ", met.Select(kv => $"{kv.Key} x{kv.Value}"))}; stop {summary.StopKind} {summary.StopReason}");
        foreach (var failure in summary.Failures)
        {
            output.WriteLine($"  contact {failure.ContactId}: {failure.Error!.Kind}/{failure.Error.Code}: {failure.Error.Message}");
        }

        met.Keys.Should().BeEquivalentTo(plan.Select(p => p.Contact), "every planned refusal reaches its contact's write");
        summary.StopKind.Should().Be(RunStopKind.None, "no contact's write stops the run: {0}", summary.StopReason);
        summary.Total.Should().Be(members.Length);
        var planned = plan.Select(p => p.Contact).ToHashSet();
        AssertAccounted(run, summary, after, members.Where(m => !planned.Contains(m.Id)).Select(m => m.Id));
        foreach (var id in planned)
        {
            after[id].Linked.Should().Be(!after[id].InTrigger || after[id].Linked, "contact {0}: out of the trigger only when linked", id);
        }

        run.Civi.RefuseWhere = null;
        var next = await run.RunAsync(rule: r => r.History = TriggerDefinition.Group(History), cancellationToken: Bounded());
        next.StopKind.Should().Be(RunStopKind.None, next.StopReason);
        AssertHealed(run, members, after);
        run.Site.Accounts.Should().HaveCount(members.Length, "one account per contact, the existing ones reused");
        members.Should().OnlyContain(m => run.Civi.GroupStatus(historyId, m.Id) == "Added", "every contact ends in the history group");
    }

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(AllCms))]
    public async Task CiviCrm_refusing_one_contacts_audit_records_fails_that_contact_alone_and_writes_nothing_twice(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var historyId = run.Civi.AddGroup(History);
        run.Civi.Store.SetNextId("Contact", 700_001);
        var members = run.AddMembers(Members);

        // The database refuses every new activity of these contacts (as for a contact purged meanwhile: a foreign key): their
        // Scheduled record, in the middle of the page's one save (the records before it stay written: CiviCRM 6.17.2 runs no
        // transaction), and then their Failed record.
        var refused = new[] { members[2].Id, members[CmsFaultRun.PageSize + 4].Id };
        var met = new ConcurrentDictionary<long, int>();
        run.Civi.RefuseRecordWhere = RefuseActivitiesOf(refused, met);

        var summary = await run.RunAsync(rule: r => r.History = TriggerDefinition.Group(History), cancellationToken: Bounded());

        var after = run.Read(members.Select(m => m.Id));
        output.WriteLine($"{cms}: {summary.Total} processed, {string.Join(", ", Enum.GetValues<OutcomeKind>().Select(k => $"{k} {summary.Count(k)}"))}; refusals met: {string.Join(", ", met.Select(kv => $"{kv.Key} x{kv.Value}"))}; stop {summary.StopKind} {summary.StopReason}");
        met.Keys.Should().BeEquivalentTo(refused, "every planned refusal reaches its contact's record");
        summary.StopKind.Should().Be(RunStopKind.None, "no contact's record stops the run: {0}", summary.StopReason);
        summary.Total.Should().Be(members.Length);
        AssertAccounted(run, summary, after, members.Select(m => m.Id).Except(refused));
        foreach (var id in refused)
        {
            summary.Failures.Single(f => f.ContactId == id).Error!.Code.Should().Be(CmsUserErrorCodes.WriteBackFailed);
            after[id].Linked.Should().BeFalse("contact {0} gets no account without its Scheduled record", id);
        }

        run.Civi.Activities.Should().NotContain(a => a.Status == "Scheduled", "no record is left open");
        run.Site.Accounts.Should().HaveCount(members.Length - refused.Length);

        run.Civi.RefuseRecordWhere = null;
        var next = await run.RunAsync(rule: r => r.History = TriggerDefinition.Group(History), cancellationToken: Bounded());
        next.StopKind.Should().Be(RunStopKind.None, next.StopReason);
        AssertHealed(run, members, after);
        run.Read(members.Select(m => m.Id)).Should().OnlyContain(kv => kv.Value.Completed == 1, "every account is audited exactly once");
        members.Should().OnlyContain(m => run.Civi.GroupStatus(historyId, m.Id) == "Added", "every contact ends in the history group");
    }

    /// <summary>
    /// The database refuses every new activity whose target is one of <paramref name="refused"/> ("DB Error: constraint
    /// violation", as for a contact purged meanwhile), counting the refusals per contact in <paramref name="met"/>.
    /// </summary>
    internal static Func<FakeApi4Record, string?> RefuseActivitiesOf(long[] refused, ConcurrentDictionary<long, int> met) => record =>
    {
        foreach (var contact in refused)
        {
            if (record.Entity == "Activity" && record.RecordJson.Contains($"\"target_contact_id\":[{contact}]", StringComparison.Ordinal))
            {
                met.AddOrUpdate(contact, 1, (_, n) => n + 1);
                return "DB Error: constraint violation";
            }
        }

        return null;
    };

    /// <summary>Every contact is linked and out of the trigger, or failed with a typed error and still in it; healthy ones are done.</summary>
    private static void AssertAccounted(CmsFaultRun run, RunSummary summary, IReadOnlyDictionary<long, ContactState> after, IEnumerable<long> healthy)
    {
        foreach (var id in healthy)
        {
            after[id].Linked.Should().BeTrue($"healthy contact {id} is linked whatever its neighbours met");
            after[id].InTrigger.Should().BeFalse($"healthy contact {id} leaves the trigger");
        }

        foreach (var (id, state) in after)
        {
            state.Completed.Should().BeLessThanOrEqualTo(1, $"contact {id} has at most one Completed audit");
            if (state.Linked && !state.InTrigger)
            {
                continue;
            }

            var failure = summary.Failures.Should().ContainSingle(f => f.ContactId == id, $"contact {id} is not done, so it failed").Subject;
            failure.Error!.Code.Should().MatchRegex("^[a-z0-9_]+$", "a typed error");
            failure.Error.Kind.Should().NotBe(FailureKind.Configuration, $"contact {id}'s fault is its own, not the site's");
            state.InTrigger.Should().BeTrue($"failed contact {id} stays in the trigger to be tried again");
            if (failure.Error.Kind == FailureKind.Permanent && failure.Error.Code != CmsUserErrorCodes.WriteBackFailed)
            {
                state.Failed.Should().ContainSingle($"contact {id} has exactly one Failed audit").Which.Should().StartWith(failure.Error.Code + ":");
            }

            state.Failed.Should().NotContain(d => run.Site.Secrets.Any(secret => d.Contains(secret, StringComparison.Ordinal)), "no secret in an audit");
        }
    }

    /// <summary>After the healed run: every contact linked once, out of the trigger, no new failure recorded.</summary>
    private static void AssertHealed(CmsFaultRun run, (long Id, string Email)[] members, IReadOnlyDictionary<long, ContactState> before)
    {
        var end = run.Read(members.Select(m => m.Id));
        end.Should().OnlyContain(kv => kv.Value.Linked && !kv.Value.InTrigger && kv.Value.Completed <= 1, "every contact ends linked, out of the trigger, audited at most once");
        run.Civi.Links.GroupBy(l => l.ContactId).Should().OnlyContain(g => g.Count() == 1, "one link per contact");
        run.Site.Accounts.GroupBy(a => a.Email, StringComparer.OrdinalIgnoreCase).Should().OnlyContain(g => g.Count() == 1, "no account is created twice");
        end.Values.Sum(s => s.Failed.Count).Should().Be(before.Values.Sum(s => s.Failed.Count), "the healed run records no new failure");
    }

    /// <summary>The site's own answer for a status (its protocol's error body), or its error page when the table has none.</summary>
    internal static FakeFault Answer(CmsRow row, int status) =>
        row.StatusAnswers.FirstOrDefault(a => a.Status == status) is { } answer
            ? FakeFault.Status(answer.Status, answer.Body, answer.ContentType)
            : FakeFault.Status(status);

    /// <summary>
    /// Whose request it is: the one member whose email is in it (a page look-up naming several members is nobody's),
    /// or the member whose account id is in its path or parameters.
    /// </summary>
    internal static string? Owner(IFakeCmsServer site, (long Id, string Email)[] members, FakeFaultRequest request)
    {
        var mentioned = members.Where(m => request.Mentions(m.Email)).Take(2).ToArray();
        if (mentioned.Length > 0)
        {
            return mentioned.Length == 1 ? mentioned[0].Email : null;
        }

        var ids = request.Path.Split('/').Select(s => s.Replace(".json", "", StringComparison.Ordinal))
            .Concat(UserIdInParams().Matches(request.Body ?? "").Select(m => m.Groups["id"].Value))
            .Select(s => long.TryParse(s, out var id) ? id : -1)
            .Where(id => id > 0)
            .ToHashSet();
        return ids.Count == 0 ? null : site.Users.FirstOrDefault(u => ids.Contains(u.Id) && members.Any(m => string.Equals(m.Email, u.Email, StringComparison.OrdinalIgnoreCase)))?.Email;
    }

    internal static bool Mentions(string json, long contact) =>
        Regex.IsMatch(json, $@"(?<![0-9]){contact}(?![0-9])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    // A Standalone User.update by id: {"where":[["id","=",12]],...} (form-encoded in the body).
    [GeneratedRegex(@"%5B%22id%22%2C%22%3D%22%2C(?<id>\d+)%5D|\[""id"",""="",(?<id>\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdInParams();
}
