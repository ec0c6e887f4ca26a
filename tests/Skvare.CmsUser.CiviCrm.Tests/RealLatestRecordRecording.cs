using System.Globalization;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The on-demand read with the contact's latest creation record chained on it, against a real CiviCRM, to record it
/// (tests/recordings/civicrm-6.17.2-latest-*; its <c>data.py setup</c> makes the data and prints the ids, which
/// <c>CMSUSER_LR_IDS</c> passes in: Ria, Sol, Tia, Uma, Vic): the SDK's on-demand read of each contact (the rule's pending
/// test on <c>lr_trigger</c>, the failed attempts, the latest record, the Scheduled record opened, the audit records), then
/// the recorder's own read of Ria's latest record (now the Scheduled record her read opened).
/// </summary>
public sealed class RealLatestRecordRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task The_latest_record_on_the_on_demand_read_of_a_real_CiviCRM()
    {
        var ids = (Environment.GetEnvironmentVariable("CMSUSER_LR_IDS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(i => long.Parse(i, CultureInfo.InvariantCulture)).ToArray();
        ids.Should().HaveCount(5, "CMSUSER_LR_IDS names Ria, Sol, Tia, Uma and Vic");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var ct = timeout.Token;
        using var civi = new RealCiviCrmConnection();
        var reader = civi.Triggers;
        var reads = new List<ProvisioningContactRead?>();
        foreach (var id in ids)
        {
            reads.Add(await reader.ReadAsync(new ProvisioningContactQuery
            {
                ContactId = id,
                Triggers = [new TriggerSourceContext { Trigger = TriggerDefinition.Group("lr_trigger"), History = null }],
                CountFailuresSince = at => at ?? DateTimeOffset.UtcNow.AddDays(-30),
                ReadAudits = true,
                Open = new ActivityEntry(id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : contact " + id.ToString(CultureInfo.InvariantCulture), "In progress. If this stays Scheduled, the run stopped; the next run completes it.", DateTimeOffset.UtcNow),
            }, ct));
        }

        var ria = await civi.Recorder.FindLatestRecordAsync(ids[0], ActivityKind.AccountCreation, ct);

        reads.Should().OnlyContain(r => r != null && r.OpenedRecord != null);
        reads[0]!.LatestRecord!.Details.Should().Be("invalid_email: The primary email address '花子@例え' is not a valid address. <b>שלום</b> 😀 & \"q\"  ");
        reads[1]!.LatestRecord!.Status.Should().Be(ActivityOutcomeStatus.Completed, "Sol's Completed record was written after the Failed one in the same second");
        reads[2]!.LatestRecord.Should().BeNull("Tia has no record but the one this read opened, after the latest record was read");
        reads[3]!.LatestRecord!.Status.Should().Be(ActivityOutcomeStatus.Failed, "Uma's later record is deleted");
        reads[4]!.LatestRecord!.Status.Should().Be(ActivityOutcomeStatus.Scheduled);
        ria!.Id.Should().Be(reads[0]!.OpenedRecord, "after the read, Ria's latest record is the Scheduled one it opened");
        ria.Status.Should().Be(ActivityOutcomeStatus.Scheduled);
    }
}
