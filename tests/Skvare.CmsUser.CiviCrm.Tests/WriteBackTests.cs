using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The page write-back through <see cref="IPageWriteBackStore"/> (docs/architecture.md, "The write-back"): one chained read
/// and one chained write a page; a chained write that fails part-way (CiviCRM has no transaction: the calls before the
/// failing one stay written) is replayed one call per part, with nothing written twice and nothing lost.
/// </summary>
public sealed class WriteBackTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;
    private readonly long _done;

    public WriteBackTests()
    {
        _h = Harness(_cms, out _members, out _done);
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_page_of_new_accounts_costs_one_chained_open_and_one_chained_write()
    {
        var ids = AddMembers(_h, _members, 250);

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(250);
        var pages = 3;
        ChainedReads(_h).Should().Be(0, "every account was created in this run: the audit records read with the Scheduled records serve");
        ChainedOpens(_h).Should().Be(pages);
        ChainedWrites(_h).Should().Be(pages);
        _h.Fake.CallCount("UFMatch", "save").Should().Be(0);
        _h.Fake.CallCount("GroupContact", "save").Should().Be(0);
        _h.Fake.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids);
        AssertAuditedOnce(_h, ids);
    }

    [Fact(Timeout = 60_000)]
    public async Task On_demand_a_new_account_is_written_back_in_one_request()
    {
        var ids = AddMembers(_h, _members, 2);
        (await _h.Provisioner.ProvisionAsync(ids[0], cancellationToken: Timeout())).Kind.Should().Be(OutcomeKind.Created);
        var before = _h.Fake.Requests.Count;

        var outcome = await _h.Provisioner.ProvisionAsync(ids[1], cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Created);
        var calls = _h.Fake.Requests.Skip(before).ToArray();
        calls.Should().HaveCount(2, "the contact read (failures, the Scheduled record and the audit read after it chained), the write-back");
        calls.Count(IsChainedRead).Should().Be(0, "the audit records read with the Scheduled record serve an account created now");
        calls.Count(IsChainedWrite).Should().Be(1);
        AssertAuditedOnce(_h, ids);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_page_with_an_existing_account_to_link_reads_before_it_writes()
    {
        var ids = AddMembers(_h, _members, 3);
        _cms.AddAccount("taken", "member2@example.org");

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(2);
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        ChainedReads(_h).Should().Be(1, "an existing account may be linked to another contact: the links are read first");
        ChainedWrites(_h).Should().Be(1);
        AssertAuditedOnce(_h, ids);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_link_the_plugin_made_to_a_duplicate_contact_is_repaired_without_a_read()
    {
        var ids = AddMembers(_h, _members, 2);
        _cms.AfterCreate = account => _h.Fake.LinkNewCmsUser(account.Id, "dup-" + account.Email);

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(2);
        ChainedReads(_h).Should().Be(0);
        _h.Fake.Links.Where(l => _cms.Accounts.Any(a => a.Id == l.UfId)).Select(l => l.ContactId).Should().BeEquivalentTo(ids, "the links moved from the duplicates to the contacts");
        AssertAuditedOnce(_h, ids);
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_a_read_the_oldest_open_record_of_a_stopped_run_is_the_one_completed()
    {
        // A run stopped after writing its Scheduled record, before the create: the next run creates the account (no read
        // before its write-back) and completes that older record from the snapshot read with its own, removing its own.
        var ids = AddMembers(_h, _members, 1);
        await _h.Recorder.EnsureReadyAsync(Timeout());
        var stopped = (await _h.Recorder.OpenAsync([new ActivityEntry(ids[0], ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Member N0", null, DateTimeOffset.UtcNow)], Timeout()))![0];

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(1);
        ChainedReads(_h).Should().Be(0);
        AssertAuditedOnce(_h, ids);
        _h.Fake.Activities.Single(a => a.Type == "User Account Creation").Id.Should().Be(stopped, "the oldest open record is completed, the run's own removed");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_chained_write_whose_second_call_fails_is_replayed_and_writes_nothing_twice()
    {
        var ids = AddMembers(_h, _members, 6);
        var existing = _cms.AddAccount("taken", "member5@example.org");
        // The chained Activity.save of the write-back fails (not the one that opens the Scheduled records): the links
        // before it are written, the trigger changes after it never run.
        _h.Fake.RefuseWhere = c => c.Chained && c.Entity == "Activity" && c.Action == "save" && !IsOpen(c) ? "DB Error: deadlock found" : null;

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopReason.Should().BeNull();
        summary.Count(OutcomeKind.Created).Should().Be(5);
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        _h.Fake.Links.Should().Contain(l => l.ContactId == ids[5] && l.UfId == existing.Id);
        _h.Fake.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids);
        AssertAuditedOnce(_h, ids);
        AssertMovedToHistory(ids);
        _h.Fake.CallCount("UFMatch", "get").Should().BeGreaterThan(0, "the replay wrote the links again, one call");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_chained_write_whose_last_call_fails_is_replayed_and_writes_nothing_twice()
    {
        var ids = AddMembers(_h, _members, 5);
        _h.Fake.RefuseWhere = c => c.Chained && c.Entity == "GroupContact" && c.Action == "save" ? "DB Error: constraint violation" : null;

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(5);
        _h.Fake.CallCount("GroupContact", "save").Should().Be(1, "the replay changed the trigger in one call of its own");
        _h.Fake.CallCount("Activity", "save").Should().Be(1, "the replay's updates by id (idempotent); the Scheduled records were chained");
        _h.Fake.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids);
        AssertAuditedOnce(_h, ids);
        AssertMovedToHistory(ids);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_reset_pages_records_written_before_a_failing_call_are_completed_again_by_id_not_written_twice()
    {
        // A reset campaign's records are opened as Scheduled with the page and completed by id: the chain completes them,
        // then its trigger change fails; the replay sends the same updates by id again (idempotent) and the trigger change.
        // (Before reset19 these records were new: the replay found them above the read's watermark.)
        using var h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Group("reset") });
        }, cms: _cms);
        var (reset, ids) = h.AddLinkedResetContacts(_cms, 4);
        h.Fake.RefuseWhere = c => c.Chained && c.Entity == "GroupContact" && c.Action == "save" ? "DB Error: constraint violation" : null;

        var summary = await h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout());

        summary.Total.Should().Be(4);
        summary.Count(OutcomeKind.Linked).Should().Be(4, summary.StopReason);
        h.Fake.CallCount("Activity", "save").Should().Be(1, "the replay's updates by id, in one call");
        h.Fake.CallCount("GroupContact", "save").Should().Be(1);
        var records = h.Fake.Activities.Where(a => a.Type == "User Account Password Reset").ToArray();
        records.Select(a => a.Targets.Single()).Should().BeEquivalentTo(ids, "one record each, none written twice");
        records.Should().OnlyContain(a => a.Status == "Completed" && a.Subject!.StartsWith("Password reset email sent : ", StringComparison.Ordinal));
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(reset, id) == "Removed");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_chained_write_whose_answer_is_lost_is_replayed_and_writes_nothing_twice()
    {
        var lost = 0;
        using var h = Harness(_cms, out var members, out var done, () => new LoseAnswer(r => IsWriteBody(r) && Interlocked.Increment(ref lost) == 1));
        var ids = AddMembers(h, members, 3);

        var outcome = await h.Provisioner.ProvisionAsync(ids[0], cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Created);
        lost.Should().BeGreaterThanOrEqualTo(1);
        AssertAuditedOnce(h, [ids[0]]);
        h.Fake.GroupStatus(members, ids[0]).Should().Be("Removed");
        h.Fake.GroupStatus(done, ids[0]).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_read_writes_the_page_one_call_per_part()
    {
        var ids = AddMembers(_h, _members, 3);
        _cms.AddAccount("taken", "member2@example.org");
        // The link read chained into the write-back read (this domain's links) fails, however often it is tried; the same read
        // on its own does not, nor the page's read of links in other domains.
        _h.Fake.RefuseWhere = c => c.Chained && c.Entity == "UFMatch" && c.Action == "get" && !c.ParamsJson.Contains("[\"domain_id\",\"!=\",", StringComparison.Ordinal) ? "DB Error: deadlock found" : null;

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(2);
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        _h.Fake.CallCount("UFMatch", "save").Should().Be(1, "the composed path wrote the links");
        AssertAuditedOnce(_h, ids);
        AssertMovedToHistory(ids);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_page_is_ready_in_two_requests_its_follow_ups_chained()
    {
        var ids = AddMembers(_h, _members, 3);
        _cms.FailCreateFor("member1@example.org", () => FakeCmsAccountProvider.Permanent("Refused."));
        (await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout())).Failures.Single().Attempt.Should().Be(1);
        var before = _h.Fake.Requests.Count;

        var second = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        second.Failures.Single().Attempt.Should().Be(2, "the first failure is counted by the chained read");
        var calls = _h.Fake.Requests.Skip(before).ToArray();
        var follow = calls.Where(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"failed\":[\"ActivityContact\",\"get\"", StringComparison.Ordinal)).ToArray();
        follow.Should().ContainSingle("one follow-up request for the page");
        var order = new[] { "\"uf_other\":[\"UFMatch\",\"get\"", "\"joined\":[\"SubscriptionHistory\",\"get\"", "\"failed\":", "\"open\":[\"Activity\",\"save\"", "\"audits\":[\"ActivityContact\",\"get\"" }
            .Select(key => follow[0].ParamsJson!.IndexOf(key, StringComparison.Ordinal)).ToArray();
        order.Should().OnlyContain(at => at >= 0).And.BeInAscendingOrder("the audit records are read after the Scheduled records are written");
        calls.Should().NotContain(r => r.Entity == "SubscriptionHistory" || r.Entity == "UFMatch" || r.Entity == "ActivityContact", "every follow-up rides on the one request");
        AssertAuditedOnce(_h, ids.Where(id => id != ids[1]));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_stop_gives_back_the_Scheduled_records_of_the_pages_read_ahead()
    {
        // Pages of two, one worker: while the first page runs, the next two are read (their Scheduled records opened with
        // the read) and prepared. The first create stops the run.
        using var h = new CiviHarness(engine: o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
            o.Rules.Add(rule);
            o.PageSize = 2;
            o.MaxConcurrency = 1;
        }, cms: _cms);
        var members = h.Fake.AddGroup("members");
        h.Fake.AddGroup("members_done");
        AddMembers(h, members, 7);
        _cms.FailNext(new CmsProviderException("InMemory", CmsErrorReason.Authentication, "The application password was refused: create a new one.", statusCode: 401));

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopReason.Should().NotBeNull();
        summary.Total.Should().Be(1);
        h.Fake.Activities.Should().NotContain(a => a.Status == "Scheduled", "no contact of a page read or prepared ahead started");
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact]
    public void Pages_are_prepared_with_their_read_only_for_the_CiviCRM_recorder_of_the_same_site()
    {
        using var plain = new CiviHarness();
        var source = (IPreparingTriggerSource)plain.Services.GetRequiredService<ITriggerSourceFactory>().Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") });
        source.CanPrepareFor(plain.Services.GetRequiredService<IActivityRecorder>()).Should().BeTrue();
        source.CanPrepareFor(new FakeCiviCrm()).Should().BeFalse("a replaced recorder keeps receiving every call");
        using var other = new CiviHarness();
        source.CanPrepareFor(other.Services.GetRequiredService<IActivityRecorder>()).Should().BeFalse("another site's recorder");
    }

    [Fact]
    public void A_replaced_link_store_or_recorder_turns_the_chained_write_back_off()
    {
        using var plain = new CiviHarness();
        plain.Services.GetService<IPageWriteBackStore>().Should().NotBeNull();
        using var custom = new CiviHarness(more: s => s.AddSingleton<IAccountLinkStore>(sp => new FakeCiviCrm()));
        custom.Services.GetService<IPageWriteBackStore>().Should().BeNull("every link goes through the registered link store");
    }

    internal static CiviHarness Harness(FakeCmsAccountProvider cms, out long members, out long done, Func<HttpMessageHandler>? extraHandler = null, Action<IServiceCollection>? more = null)
    {
        var h = new CiviHarness(engine: o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
            rule.Roles.Add("subscriber");
            o.Rules.Add(rule);
            o.PageSize = 100;
        }, configure: o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(30), cms: cms, extraHandler: extraHandler, more: more);
        members = h.Fake.AddGroup("members");
        done = h.Fake.AddGroup("members_done");
        return h;
    }

    internal static long[] AddMembers(CiviHarness h, long group, int count, int from = 0)
    {
        var ids = Enumerable.Range(from, count).Select(i => h.Fake.AddContact("Member", "N" + i, $"member{i}@example.org")).ToArray();
        h.Fake.AddToGroup(group, ids);
        return ids;
    }

    /// <summary>Exactly one Completed creation record per contact and no Scheduled record left.</summary>
    internal static void AssertAuditedOnce(CiviHarness h, IEnumerable<long> ids)
    {
        var creation = h.Fake.Activities.Where(a => a.Type == "User Account Creation").ToArray();
        foreach (var id in ids)
        {
            creation.Count(a => a.Status == "Completed" && a.Targets.Contains(id)).Should().Be(1, $"contact {id} is audited exactly once");
        }

        creation.Should().NotContain(a => a.Status == "Scheduled");
    }

    private void AssertMovedToHistory(IEnumerable<long> ids) =>
        ids.Should().OnlyContain(id => _h.Fake.GroupStatus(_members, id) == "Removed" && _h.Fake.GroupStatus(_done, id) == "Added");

    private static bool IsChainedRead(FakeApi4Request r) => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"audits\":[\"ActivityContact\",\"get\"", StringComparison.Ordinal) && !r.ParamsJson.Contains("\"open\":", StringComparison.Ordinal);

    private static bool IsChainedWrite(FakeApi4Request r) => r.Entity == "Contact" && r.Action == "get" && IsWriteBody(r.ParamsJson!);

    internal static bool IsWriteBody(string body) => body.Contains("\"activities\":[\"Activity\",\"save\"", StringComparison.Ordinal);

    private static int ChainedReads(CiviHarness h) => h.Fake.Requests.Count(IsChainedRead);

    private static int ChainedOpens(CiviHarness h) => h.Fake.Requests.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"open\":[\"Activity\",\"save\"", StringComparison.Ordinal));

    /// <summary>The Activity.save that opens Scheduled records (not the write-back's).</summary>
    internal static bool IsOpen(FakeApi4Call call) => call.ParamsJson.Contains("\"status_id:name\":\"Scheduled\"", StringComparison.Ordinal);

    private static int ChainedWrites(CiviHarness h) => h.Fake.Requests.Count(IsChainedWrite);

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    /// <summary>Lets a matching request reach CiviCRM, then loses its answer (a proxy's 502): the write happened, the client cannot know.</summary>
    private sealed class LoseAnswer(Func<string, bool> match) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : Uri.UnescapeDataString((await request.Content.ReadAsStringAsync(cancellationToken)).Replace('+', ' '));
            var response = await base.SendAsync(request, cancellationToken);
            if (!match(body))
            {
                return response;
            }

            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html><head><title>502 Bad Gateway</title></head></html>", System.Text.Encoding.UTF8, "text/html") };
        }
    }
}
