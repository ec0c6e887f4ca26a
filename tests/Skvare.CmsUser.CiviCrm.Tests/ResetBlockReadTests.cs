using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A reset campaign skips an account deprovisioning blocked; that evidence (the "User Account Blocked" records) is read once
/// per campaign page, not once per contact. Requests are counted in the fake's log.
/// </summary>
public sealed class ResetBlockReadTests
{
    private const string BlockedType = "User Account Blocked";
    private const string RestoredType = "User Account Restored";

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static CiviHarness Harness(FakeCmsAccountProvider cms, int pageSize) => new(engine: o =>
    {
        o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
        o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Group("reset") });
        o.PageSize = pageSize;
        o.MaxConcurrency = 3;
    }, cms: cms);

    /// <summary>The <c>ActivityContact.get</c> requests that read records of <paramref name="type"/> (the audit reads).</summary>
    private static int Reads(FakeCiviCrmServer fake, string type) =>
        fake.Requests.Count(r => r.Entity == "ActivityContact" && r.Action == "get" && r.ParamsJson?.Contains($"\"{type}\"", StringComparison.Ordinal) == true);

    [Fact(Timeout = 60_000)]
    public async Task A_reset_campaign_reads_block_records_once_per_page_not_once_per_contact()
    {
        var cms = new FakeCmsAccountProvider();
        using var h = Harness(cms, pageSize: 4);
        var (reset, ids) = h.AddLinkedResetContacts(cms, 10);

        var summary = await h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        summary.Count(OutcomeKind.Linked).Should().Be(10);
        cms.Calls["SendPasswordReset"].Should().Be(10);
        Reads(h.Fake, BlockedType).Should().Be(3, "one read per page of 4, 4 and 2 contacts (it was one per contact: 10)");
        Reads(h.Fake, RestoredType).Should().Be(0, "no contact has a block record, so no restore record is read");
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(reset, id) == "Removed");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_blocked_account_in_a_page_costs_one_restore_read_for_that_page_and_gets_no_email()
    {
        var cms = new FakeCmsAccountProvider();
        using var h = Harness(cms, pageSize: 4);
        var (reset, ids) = h.AddLinkedResetContacts(cms, 8);
        await h.Recorder.EnsureReadyAsync(Timeout());
        var blockedUid = h.Fake.Links.Single(l => l.ContactId == ids[5]).UfId;
        var restoredUid = h.Fake.Links.Single(l => l.ContactId == ids[6]).UfId;
        var at = DateTimeOffset.UtcNow;
        await h.Recorder.RecordAsync(
        [
            new ActivityEntry(ids[5], ActivityKind.AccountBlocked, ActivityOutcomeStatus.Completed, $"Blocked : reset5 ({blockedUid})", null, at),
            new ActivityEntry(ids[6], ActivityKind.AccountBlocked, ActivityOutcomeStatus.Completed, $"Blocked : reset6 ({restoredUid})", null, at),
        ], Timeout());
        await h.Recorder.RecordAsync([new ActivityEntry(ids[6], ActivityKind.AccessRestored, ActivityOutcomeStatus.Completed, $"Unblocked : reset6 ({restoredUid})", null, at)], Timeout());
        var before = h.Fake.Requests.Count;

        var outcomes = new Outcomes();
        var summary = await h.Provisioner.ResetPasswordsAsync(outcomes, Timeout());

        var skipped = outcomes.All.Should().ContainSingle(o => o.Kind == OutcomeKind.Skipped).Subject;
        skipped.ContactId.Should().Be(ids[5]);
        skipped.Error!.Code.Should().Be(CmsUserErrorCodes.AccountBlocked);
        summary.Count(OutcomeKind.Linked).Should().Be(7, "the account whose access was restored gets its email too");
        cms.Calls["SendPasswordReset"].Should().Be(7);
        h.Fake.Requests.Skip(before).Count(r => r.Entity == "ActivityContact" && r.ParamsJson?.Contains($"\"{BlockedType}\"", StringComparison.Ordinal) == true)
            .Should().Be(2, "one per page");
        h.Fake.Requests.Skip(before).Count(r => r.Entity == "ActivityContact" && r.ParamsJson?.Contains($"\"{RestoredType}\"", StringComparison.Ordinal) == true)
            .Should().Be(1, "only the second page has block records");
        h.Fake.GroupStatus(reset, ids[5]).Should().Be("Added", "the blocked contact stays in the campaign");
    }

    /// <summary>Every outcome a run reports, kept in the reporting thread's order.</summary>
    private sealed class Outcomes : IProgress<ProvisioningProgress>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<ProvisioningOutcome> _all = new();

        public IReadOnlyCollection<ProvisioningOutcome> All => _all;

        public void Report(ProvisioningProgress value) => _all.Enqueue(value.Last);
    }
}
