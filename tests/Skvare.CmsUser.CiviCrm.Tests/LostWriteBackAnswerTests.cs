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
            (_, _) => Volatile.Read(ref dropped) > 0));
        var ids = AddMembers(h, members, 2);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().HaveCount(2);
        summary.Failures.Should().OnlyContain(f => f.Error!.Code == CmsUserErrorCodes.WriteBackFailed && f.Error.Message.Contains("CiviCRM may have applied it", StringComparison.Ordinal));
        AssertAuditedOnce(h, ids);
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(done, id) == "Added", "CiviCRM did apply it: the next failures list shows the truth");
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;
}
