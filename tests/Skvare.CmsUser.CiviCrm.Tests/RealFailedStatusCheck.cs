using Skvare.CmsUser.CiviCrm.Api;
using Xunit.Abstractions;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The activity status guard against a real CiviCRM (<see cref="RealCiviCrmFactAttribute"/>): the Failed status deleted
/// after the set-up, then a new Failed record and the update of an open record to Failed. Deletes the site's Failed status
/// for the time of two requests (the guard sets it up again; the finally block too). Leaves a contact
/// <c>failedstatus-check</c> with its activities, removed at the end.
/// </summary>
public sealed class RealFailedStatusCheck(ITestOutputHelper output)
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task A_Failed_status_deleted_after_the_set_up_on_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var ct = timeout.Token;
        using var civi = new RealCiviCrmConnection();
        var (client, recorder) = (civi.Client, civi.Recorder);
        await recorder.EnsureReadyAsync(ct);
        var values = client.ActivityStatuses.Values!;
        output.WriteLine("set-up values: " + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}")));
        var contact = new Api4Params();
        contact.Values["contact_type"] = "Individual";
        contact.Values["first_name"] = "Probe";
        contact.Values["last_name"] = "failedstatus-check";
        var id = (await client.CallAsync("Contact", "create", contact, ct)).Values[0].GetInt64("id")!.Value;
        var status = new Api4Params().WithWhere(Api4Condition.Eq("option_group_id:name", "activity_status"), Api4Condition.Eq("name", CiviCrmActivityTypes.FailedStatus));
        try
        {
            var opened = await recorder.OpenAsync([new ActivityEntry(id, ActivityKind.PasswordReset, ActivityOutcomeStatus.Scheduled, "check", null, DateTimeOffset.UtcNow)], ct);
            await client.CallAsync("OptionValue", "delete", status, ct);

            await recorder.RecordAsync(
            [
                new ActivityEntry(id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User", "no_email: check", DateTimeOffset.UtcNow),
                new ActivityEntry(id, ActivityKind.PasswordReset, ActivityOutcomeStatus.Failed, "Failed to send password reset email", "check", DateTimeOffset.UtcNow) { Id = opened![0] },
            ], ct);

            var read = new Api4Params().WithSelect("id", "status_id", "status_id:name").WithWhere(Api4Condition.Eq("target_contact_id", id));
            var rows = (await client.CallAsync("Activity", "get", read, ct)).Values;
            foreach (var row in rows)
            {
                output.WriteLine($"activity {row.GetInt64("id")}: status_id {row.GetInt64("status_id")} {row.GetString("status_id:name")}");
            }

            output.WriteLine("values after: " + string.Join(", ", client.ActivityStatuses.Values!.Select(v => $"{v.Key}={v.Value}")));
            rows.Should().HaveCount(2).And.OnlyContain(r => r.GetString("status_id:name") == CiviCrmActivityTypes.FailedStatus);
        }
        finally
        {
            await client.ActivityStatuses.SetUpAgainAsync(client, CancellationToken.None);
            await client.CallAsync("Activity", "delete", new Api4Params().WithWhere(Api4Condition.Eq("target_contact_id", id)), CancellationToken.None);
            await client.CallAsync("Contact", "delete", new Api4Params { }.WithWhere(Api4Condition.Eq("id", id)), CancellationToken.None);
        }
    }
}
