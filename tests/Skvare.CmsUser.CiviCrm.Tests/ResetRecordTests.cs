using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared;
using Xunit.Abstractions;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A password reset campaign against the fake CiviCRM over HTTP (the CiviCRM package's trigger source prepares each page):
/// the page's "User Account Password Reset" records are opened as Scheduled in the page's preparation request, before any
/// reset email, and completed by id in the page's one write-back request, with no read of its own.
/// </summary>
public sealed class ResetRecordTests(ITestOutputHelper output)
{
    private const string ResetType = "User Account Password Reset";

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static CiviHarness Harness(ICmsAccountProvider cms, int pageSize) => new(engine: o =>
    {
        o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
        o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Group("reset") });
        o.PageSize = pageSize;
        o.MaxConcurrency = 3;
    }, more: s => s.Replace(ServiceDescriptor.Singleton(cms)));

    [Fact(Timeout = 60_000)]
    public async Task A_reset_pages_records_are_opened_with_its_preparation_and_completed_by_id_in_its_write_back()
    {
        var cms = new WatchingResets(new FakeCmsAccountProvider());
        using var h = Harness(cms, pageSize: 4);
        var (reset, ids) = h.AddLinkedResetContacts(cms.Inner, 8);
        var open = new System.Collections.Concurrent.ConcurrentDictionary<long, FakeActivity>();
        cms.BeforeReset = uid =>
        {
            var contact = h.Fake.Links.Single(l => l.UfId == uid).ContactId;
            var record = h.Fake.Activities.Single(a => a.Type == ResetType && a.Targets.Contains(contact));
            open[contact] = record;
        };
        var before = h.Fake.Requests.Count;

        var summary = await h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        summary.Count(OutcomeKind.Linked).Should().Be(8);
        open.Keys.Should().BeEquivalentTo(ids, "every email was asked for with its contact's record already written");
        open.Values.Should().OnlyContain(a => a.Status == "Scheduled" && a.Subject!.StartsWith("Sending password reset email : r", StringComparison.Ordinal));
        var records = h.Fake.Activities.Where(a => a.Type == ResetType).ToArray();
        records.Should().HaveCount(8, "one record per contact");
        foreach (var id in ids)
        {
            var record = records.Single(a => a.Targets.Contains(id));
            record.Id.Should().Be(open[id].Id, "the write-back completes the open record by id");
            record.Status.Should().Be("Completed");
            record.Subject.Should().MatchRegex(@"^Password reset email sent : r\d@example\.org \(\d+\)$");
            h.Fake.GroupStatus(reset, id).Should().Be("Removed");
        }

        var requests = h.Fake.Requests.Skip(before).ToArray();
        foreach (var r in requests)
        {
            output.WriteLine($"{r.Entity}.{r.Action} {r.ParamsJson?[..Math.Min(160, r.ParamsJson.Length)]}");
        }

        h.Fake.CallCount("Activity", "save").Should().Be(0, "no record is written in a request of its own");
        h.Fake.CallsIncludingChained("Activity", "save").Should().Be(4, "each page's open (chained onto its preparation) and its completion (chained into its write-back)");
        requests.Length.Should().Be(ExpectedRequests, "per page: its read, its preparation (failures, Scheduled records, audit records), its block read and its write-back, and no write-back read");
    }

    /// <summary>
    /// The run's requests (measured): the set-up's 5 (identity, activity types, site time, the campaign's first page read
    /// with its group, the groups), then per page of 4 its preparation, its block read and its write-back, and the reads
    /// of the second page and of the empty one after it. Before reset19 the write-back of new records read first (the records' watermark): one request more per page.
    /// </summary>
    private const int ExpectedRequests = 13;

    [Fact(Timeout = 60_000)]
    public async Task A_record_a_stopped_run_left_open_is_completed_by_the_next_reset_and_counts_no_attempt()
    {
        var cms = new WatchingResets(new FakeCmsAccountProvider());
        using var h = Harness(cms, pageSize: 10);
        var (reset, ids) = h.AddLinkedResetContacts(cms.Inner, 3);
        await h.Recorder.EnsureReadyAsync(Timeout());
        var left = (await h.Recorder.OpenAsync(
            [new ActivityEntry(ids[0], ActivityKind.PasswordReset, ActivityOutcomeStatus.Scheduled, "Sending password reset email : r0@example.org", "In progress.", DateTimeOffset.UtcNow)],
            Timeout()))!.Single();

        var summary = await h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Linked).Should().Be(3, summary.StopReason);
        var records = h.Fake.Activities.Where(a => a.Type == ResetType).ToArray();
        records.Should().HaveCount(3).And.OnlyContain(a => a.Status == "Completed", "no record is left open");
        records.Single(a => a.Targets.Contains(ids[0])).Id.Should().Be(left, "the record left open is the one completed; the run's own is removed");
        ids.Should().OnlyContain(id => h.Fake.GroupStatus(reset, id) == "Removed");
    }
}
