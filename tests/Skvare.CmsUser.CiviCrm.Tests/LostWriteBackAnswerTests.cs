using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;
using static Skvare.CmsUser.CiviCrm.Tests.WriteBackTests;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A page write-back CiviCRM carried out (all of it, or the calls before one that failed) whose answer was lost (the
/// connection dropped after the request was sent): what CiviCRM kept is read back, each contact is reported as it really
/// is, and only what is missing is written again (trial8: the page was reported <c>write_back_failed</c> though CiviCRM
/// had applied it). docs/architecture.md, "The write-back".
/// </summary>
public sealed class LostWriteBackAnswerTests
{
    private readonly FakeCmsAccountProvider _cms = new();

    [Fact(Timeout = 60_000)]
    public async Task A_write_back_applied_whose_answer_is_lost_reports_every_contact_as_written_and_writes_nothing_again()
    {
        var dropped = 0;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1));
        var ids = AddMembers(h, members, 4);
        _cms.AddAccount("taken", "member3@example.org");

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        dropped.Should().BeGreaterThanOrEqualTo(1);
        summary.Failures.Should().BeEmpty();
        summary.StopReason.Should().BeNull();
        summary.Count(OutcomeKind.Created).Should().Be(3);
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        var afterWrite = h.Fake.Requests.SkipWhile(r => !DroppedAnswers.IsPageWrite(r.ParamsJson ?? "")).Skip(1).ToArray();
        afterWrite.Should().NotContain(r => r.Entity == "UFMatch" && r.Action == "save", "the links were found written");
        afterWrite.Should().NotContain(r => r.Entity == "Activity", "the audit records were found written: none is written again");
        h.Fake.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids);
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_lost_answer_while_writes_stay_cut_reports_what_CiviCRM_kept_not_write_back_failed()
    {
        // The trial's proxy cut: the write reaches CiviCRM, the connection drops, and writes stay cut; reads get through.
        var dropped = 0;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(
            b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1,
            (path, body) => Volatile.Read(ref dropped) > 0 && DroppedAnswers.Writes(path, body)));
        var ids = AddMembers(h, members, 3);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().BeEmpty("CiviCRM applied the whole write-back");
        summary.Count(OutcomeKind.Created).Should().Be(3);
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task Only_the_parts_a_lost_write_did_not_keep_are_written_again()
    {
        // CiviCRM wrote the links, then the audit records failed (the calls after them did not run), and the answer was lost.
        var dropped = 0;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1));
        h.Fake.RefuseWhere = c => c.Chained && c.Entity == "Activity" && c.Action == "save" && !IsOpen(c) ? "DB Error: deadlock found" : null;
        var ids = AddMembers(h, members, 3);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(3);
        h.Fake.CallCount("UFMatch", "save").Should().Be(0, "the links were found written");
        h.Fake.CallCount("Activity", "save").Should().Be(1, "the audit records were missing: written again once, by id");
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_missing_part_that_cannot_be_written_again_fails_only_its_contacts()
    {
        // The audit records failed on CiviCRM, the answer was lost, and writes stay cut: the contacts are linked but not
        // audited, so they fail and stay in the trigger; the next run completes their open records.
        var dropped = 0;
        using var h = Harness(_cms, out var members, out _, () => new DroppedAnswers(
            b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1,
            (path, body) => Volatile.Read(ref dropped) > 0 && DroppedAnswers.Writes(path, body)));
        h.Fake.RefuseWhere = c => c.Chained && c.Entity == "Activity" && c.Action == "save" && !IsOpen(c) ? "DB Error: deadlock found" : null;
        var ids = AddMembers(h, members, 2);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().HaveCount(2);
        summary.Failures.Should().OnlyContain(f => f.Error!.Code == CmsUserErrorCodes.WriteBackFailed && f.Error.Message.Contains("this contact's part of it is missing", StringComparison.Ordinal));
        summary.StopReason.Should().NotBeNull("a write that fails stops the run, as before");
        h.Fake.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids, "the links CiviCRM kept stay");
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Added", "the contacts stay in the trigger for the next run");
        h.Fake.Activities.Where(a => a.Type == "User Account Creation").Should().OnlyContain(a => a.Status == "Scheduled", "their attempts stay open for the run that finds them linked");
    }

    [Fact(Timeout = 60_000)]
    public async Task When_CiviCRM_cannot_be_asked_what_it_kept_the_page_fails_saying_it_may_be_written()
    {
        var dropped = 0;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(
            b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1,
            (_, _) => Volatile.Read(ref dropped) > 0), ShortReadBackWait);
        var ids = AddMembers(h, members, 2);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().HaveCount(2);
        summary.Failures.Should().OnlyContain(f => f.Error!.Code == CmsUserErrorCodes.WriteBackFailed && f.Error.Message.Contains("CiviCRM may have applied it", StringComparison.Ordinal));
        summary.Failures.Should().OnlyContain(f => f.Error!.Message.Contains("asked 3 times", StringComparison.Ordinal), "the read-back is asked again after each of the two pauses");
        ReadBackPauses(h).Should().Be(2);
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(done, id) == "Added", "CiviCRM did apply it: the next failures list shows the truth");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_read_back_that_fails_is_asked_again_after_a_pause_and_reports_what_CiviCRM_applied()
    {
        // trial19: the write-back timed out, and CiviCRM answered the read-back with an error for a moment; the 100 contacts
        // were reported write_back_failed though CiviCRM had applied 82 of them. Now the read-back is asked again.
        var dropped = 0;
        CiviHarness? holder = null;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(
            b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1,
            (_, _) => Volatile.Read(ref dropped) > 0 && ReadBackPauses(holder!) == 0), ShortReadBackWait);
        holder = h;
        var ids = AddMembers(h, members, 3);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        ReadBackPauses(h).Should().Be(1, "the first read-back failed, the second answered");
        summary.Failures.Should().BeEmpty("CiviCRM applied the whole write-back, and the second read-back says so");
        summary.StopReason.Should().BeNull();
        summary.Count(OutcomeKind.Created).Should().Be(3);
        h.Fake.CallCount("UFMatch", "save").Should().Be(0, "the links were found written");
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_back_lost_before_CiviCRM_applied_any_of_it_is_written_again_once_in_order()
    {
        // The connection dropped before the request reached CiviCRM: the read-back finds nothing of it, and everything is
        // written again, links first, then the audit records (by id), then the trigger changes.
        var lost = 0;
        using var h = Harness(_cms, out var members, out var done, () => new NotSent(b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref lost) == 1));
        var ids = AddMembers(h, members, 4);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        lost.Should().BeGreaterThanOrEqualTo(1);
        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(4);
        h.Fake.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids, "each link written once");
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added");
        h.Fake.Requests.SelectMany(Parts).Distinct().Should().Equal(["links", "records", "trigger"], "written again in the write-back's order");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_back_that_stopped_midway_through_the_records_completes_only_the_records_missing()
    {
        // A failure on CiviCRM after the third audit record (API v4 runs no transaction: the records before it stay, the
        // ones after it and the trigger changes do not run), and the answer lost: the read-back finds the links and two
        // Completed records; the three others are completed by id, then the trigger changes are sent.
        var dropped = 0;
        var records = 0;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1));
        h.Fake.RefuseRecordWhere = r => r.Chained && r.Entity == "Activity" && !r.RecordJson.Contains("\"Scheduled\"", StringComparison.Ordinal)
            && Interlocked.Increment(ref records) == 3 ? "PHP Fatal error: Allowed memory size exhausted" : null;
        var ids = AddMembers(h, members, 5);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        records.Should().BeGreaterThanOrEqualTo(3);
        summary.Failures.Should().BeEmpty();
        summary.StopReason.Should().BeNull();
        summary.Count(OutcomeKind.Created).Should().Be(5, "each contact is reported by what CiviCRM holds once the missing records are written");
        h.Fake.CallCount("UFMatch", "save").Should().Be(0, "the links were found written");
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_back_that_stopped_in_the_trigger_changes_sends_them_again_and_nothing_else()
    {
        var dropped = 0;
        var moves = 0;
        using var h = Harness(_cms, out var members, out var done, () => new DroppedAnswers(b => DroppedAnswers.IsPageWrite(b) && Interlocked.Increment(ref dropped) == 1));
        h.Fake.RefuseWhere = c => c.Chained && c.Entity == "GroupContact" && c.Action == "save" && Interlocked.Increment(ref moves) == 1 ? "DB Error: deadlock found" : null;
        var ids = AddMembers(h, members, 3);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(3);
        var afterWrite = h.Fake.Requests.SkipWhile(r => !DroppedAnswers.IsPageWrite(r.ParamsJson ?? "")).Skip(1).ToArray();
        afterWrite.Should().NotContain(r => (r.Entity == "UFMatch" || r.Entity == "Activity") && r.Action != "get", "the links and records were found written");
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed" && h.Fake.GroupStatus(done, id) == "Added", "the trigger changes were sent again");
    }

    /// <summary>The parts of a page's write-back a request writes: links, audit records (not the Scheduled ones), trigger changes.</summary>
    private static IEnumerable<string> Parts(Skvare.CmsUser.Testing.CiviCrm.FakeApi4Request r)
    {
        var body = r.ParamsJson ?? "";
        bool Has(string entity) => (r.Entity == entity && r.Action == "save") || body.Contains($"[\"{entity}\",\"save\"", StringComparison.Ordinal);
        if (Has("UFMatch"))
        {
            yield return "links";
        }

        if (Has("Activity") && !body.Contains("\"Scheduled\"", StringComparison.Ordinal))
        {
            yield return "records";
        }

        if (Has("GroupContact"))
        {
            yield return "trigger";
        }
    }

    /// <summary>The read-back's pauses as short as they go in a test: it is asked again at once, up to twice.</summary>
    private static void ShortReadBackWait(IServiceCollection services) =>
        services.PostConfigure<CmsUserOptions>(o => o.Retry.WriteBackReadBackWait = TimeSpan.FromMilliseconds(60));

    /// <summary>How often the read-back was asked again after a pause (event 1063).</summary>
    private static int ReadBackPauses(CiviHarness h) => h.Logs.GetSnapshot().Count(r => r.Id.Id == 1063);

    /// <summary>Loses a matching request before it reaches CiviCRM, as a connection that dropped while sending it: nothing applied.</summary>
    private sealed class NotSent(Func<string, bool> match) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : Uri.UnescapeDataString((await request.Content.ReadAsStringAsync(cancellationToken)).Replace('+', ' '));
            return match(body)
                ? throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely. (ResponseEnded)")
                : await base.SendAsync(request, cancellationToken);
        }
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;
}
