using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The "Failed" activity status deleted or switched off while a host runs. The fake answers as CiviCRM 6.17.2 did
/// (probed 2026-12-03): a <c>status_id:name</c> that names no status gives a new record Completed and an update no status,
/// without an error; a switched-off status is still written by name.
/// </summary>
public sealed class ActivityStatusGuardTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public ActivityStatusGuardTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            var members = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
            members.Roles.Add("subscriber");
            o.Rules.Add(members);
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddGroup("members_done");
        _cms.AfterCreate = account => _h.Fake.LinkNewCmsUser(account.Id, account.Email);
    }

    public void Dispose() => _h.Dispose();

    private async Task DeleteStatusAsync(string name)
    {
        var delete = new Api4Params().WithWhere(Api4Condition.Eq("option_group_id:name", "activity_status"), Api4Condition.Eq("name", name));
        await _h.Client.CallAsync("OptionValue", "delete", delete);
        _h.Fake.Store.Rows("OptionValue").Should().NotContain(o => (string?)o["name"] == name);
    }

    private int Requests => _h.Fake.Requests.Count;

    [Fact]
    public async Task A_Failed_status_deleted_after_the_set_up_is_set_up_again_and_the_failure_is_stored_Failed()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        (await _h.Provisioner.RunOnceAsync()).StopReason.Should().BeNull();
        await DeleteStatusAsync(CiviCrmActivityTypes.FailedStatus);
        var noEmail = _h.Fake.AddContact("Bo", "NoMail", null);
        _h.Fake.AddToGroup(_members, [noEmail]);

        var second = await _h.Provisioner.RunOnceAsync();

        second.StopReason.Should().BeNull();
        _h.Fake.Activities.Where(a => a.Targets.Contains(noEmail)).Should().ContainSingle()
            .Which.Status.Should().Be(CiviCrmActivityTypes.FailedStatus, "never Completed, never without a status");
        _h.Fake.Store.Rows("OptionValue").Should().ContainSingle(o => (string?)o["name"] == CiviCrmActivityTypes.FailedStatus && Equals(o["is_active"], true));
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 2014);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_on_demand_failure_after_the_Failed_status_was_deleted_is_stored_Failed()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        (await _h.Provisioner.ProvisionAsync(ana)).Kind.Should().Be(OutcomeKind.Created);
        await DeleteStatusAsync(CiviCrmActivityTypes.FailedStatus);
        var bo = _h.Fake.AddContact("Bo", "NoMail", null);
        _h.Fake.AddToGroup(_members, [bo]);

        var outcome = await _h.Provisioner.ProvisionAsync(bo);

        outcome.Error.Should().NotBeNull();
        _h.Fake.Activities.Where(a => a.Targets.Contains(bo)).Should().ContainSingle()
            .Which.Status.Should().Be(CiviCrmActivityTypes.FailedStatus, "never Completed, never without a status");
    }

    [Fact]
    public async Task A_Failed_status_switched_off_still_records_Failed_and_costs_no_request()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        (await _h.Provisioner.RunOnceAsync()).StopReason.Should().BeNull();
        var off = new Api4Params().WithWhere(Api4Condition.Eq("option_group_id:name", "activity_status"), Api4Condition.Eq("name", CiviCrmActivityTypes.FailedStatus));
        off.Values["is_active"] = false;
        await _h.Client.CallAsync("OptionValue", "update", off);
        var noEmail = _h.Fake.AddContact("Bo", "NoMail", null);
        _h.Fake.AddToGroup(_members, [noEmail]);

        await _h.Provisioner.RunOnceAsync();

        _h.Fake.Activities.Where(a => a.Targets.Contains(noEmail)).Should().ContainSingle().Which.Status.Should().Be(CiviCrmActivityTypes.FailedStatus);
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 2014, "a switched-off status is still written by name");
    }

    [Fact]
    public async Task A_failure_recorded_on_its_own_is_corrected_from_Completed_and_an_update_from_no_status()
    {
        await _h.Recorder.EnsureReadyAsync();
        var bo = _h.Fake.AddContact("Bo", "NoMail", null);
        var cy = _h.Fake.AddContact("Cy", "Open", "cy@example.org");
        var opened = await _h.Recorder.OpenAsync([new ActivityEntry(cy, ActivityKind.PasswordReset, ActivityOutcomeStatus.Scheduled, "Sending", null, DateTimeOffset.UtcNow)]);
        await DeleteStatusAsync(CiviCrmActivityTypes.FailedStatus);
        var before = Requests;

        await _h.Recorder.RecordAsync(
        [
            new ActivityEntry(bo, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User", "no_email", DateTimeOffset.UtcNow),
            new ActivityEntry(cy, ActivityKind.PasswordReset, ActivityOutcomeStatus.Failed, "Failed to send password reset email", "down", DateTimeOffset.UtcNow) { Id = opened![0] },
        ]);

        _h.Fake.Activities.Should().OnlyContain(a => a.Status == CiviCrmActivityTypes.FailedStatus);
        Requests.Should().Be(before + 3, "the save, then (only because the status went) the set-up of the status and the correction");
    }

    [Fact]
    public async Task Writes_agreeing_with_the_set_up_cost_no_request_beyond_the_save()
    {
        await _h.Recorder.EnsureReadyAsync();
        var bo = _h.Fake.AddContact("Bo", "NoMail", null);
        var before = Requests;

        await _h.Recorder.RecordAsync([new ActivityEntry(bo, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User", "no_email", DateTimeOffset.UtcNow)]);

        Requests.Should().Be(before + 1);
        _h.Fake.Activities.Should().ContainSingle().Which.Status.Should().Be(CiviCrmActivityTypes.FailedStatus);
    }

    [Fact]
    public async Task A_status_that_cannot_be_set_up_again_leaves_no_false_Completed_and_stops_the_work_with_a_configuration_error()
    {
        await _h.Recorder.EnsureReadyAsync();
        var bo = _h.Fake.AddContact("Bo", "NoMail", null);
        await DeleteStatusAsync(CiviCrmActivityTypes.FailedStatus);
        _h.Fake.RefuseWhere = call => call.Entity == "OptionValue" && call.Action == "save" ? "Authorization failed" : null;
        var entry = new ActivityEntry(bo, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User", "no_email", DateTimeOffset.UtcNow);

        var first = await FluentActions.Awaiting(() => _h.Recorder.RecordAsync([entry])).Should().ThrowAsync<CiviCrmApiException>();

        first.Which.Kind.Should().Be(FailureKind.Configuration);
        first.Which.Message.Should().Contain("Activity Status");
        _h.Fake.Activities.Should().BeEmpty("the record CiviCRM stored Completed is removed");
        var next = await FluentActions.Awaiting(() => _h.Recorder.RecordAsync([entry])).Should().ThrowAsync<CiviCrmApiException>();
        next.Which.Kind.Should().Be(FailureKind.Configuration);
        _h.Fake.CallCount("Activity", "save").Should().Be(1, "the next write is not sent while the status cannot be set up");

        _h.Fake.RefuseWhere = null;
        await _h.Recorder.RecordAsync([entry]);
        _h.Fake.Activities.Should().ContainSingle().Which.Status.Should().Be(CiviCrmActivityTypes.FailedStatus, "once the status can be set up, writes go on");
    }

    [Fact]
    public async Task A_page_write_after_a_status_that_cannot_be_set_up_stops_the_next_run_with_a_configuration_error()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        (await _h.Provisioner.RunOnceAsync()).StopReason.Should().BeNull();
        await DeleteStatusAsync(CiviCrmActivityTypes.FailedStatus);
        _h.Fake.RefuseWhere = call => call.Entity == "OptionValue" && call.Action == "save" ? "Authorization failed" : null;
        var noEmail = _h.Fake.AddContact("Bo", "NoMail", null);
        _h.Fake.AddToGroup(_members, [noEmail]);

        await _h.Provisioner.RunOnceAsync();
        var cy = _h.Fake.AddContact("Cy", "Next", "cy@example.org");
        _h.Fake.AddToGroup(_members, [cy]);
        var after = await _h.Provisioner.RunOnceAsync();

        _h.Fake.Activities.Where(a => a.Targets.Contains(noEmail)).Should().BeEmpty("the record CiviCRM stored Completed is removed, never left");
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2019);
        after.StopReason.Should().Contain("Activity Status");
        _cms.Accounts.Should().NotContain(a => a.Email == "cy@example.org", "the run stops before any attempt while the status cannot be set up");
        _h.Fake.Activities.Should().NotContain(a => a.Targets.Contains(cy));
    }

    [Fact]
    public async Task The_set_up_refuses_a_site_without_a_core_status()
    {
        await DeleteStatusAsync("Scheduled");

        var error = await FluentActions.Awaiting(() => _h.Recorder.EnsureReadyAsync()).Should().ThrowAsync<CiviCrmApiException>();

        error.Which.Kind.Should().Be(FailureKind.Configuration);
        error.Which.Message.Should().Contain("\"Scheduled\"");
    }

    private static JsonElement Row(long id, long? status, bool hasStatus = true) =>
        JsonSerializer.SerializeToElement(hasStatus ? new Dictionary<string, object?> { ["id"] = id, ["status_id"] = status } : new Dictionary<string, object?> { ["id"] = id });

    [Fact]
    public void Mismatches_are_the_records_stored_in_another_status_or_none()
    {
        var values = new Dictionary<string, long> { ["Scheduled"] = 1, ["Completed"] = 2, ["Failed"] = 9 };
        var sent = new List<IDictionary<string, object?>>
        {
            new Dictionary<string, object?> { ["status_id:name"] = "Failed" },
            new Dictionary<string, object?> { ["status_id:name"] = "Failed", ["id"] = 7L },
            new Dictionary<string, object?> { ["status_id:name"] = "Completed" },
            new Dictionary<string, object?> { ["status_id:name"] = "Failed" },
        };

        var found = ActivityStatusGuard.Mismatches(sent, [Row(10, 2), Row(7, null), Row(11, 2), Row(12, 9, hasStatus: false)], values);

        found.Should().Equal((10L, "Failed", true), (7L, "Failed", false));
    }

    [Fact]
    public void Mismatches_property_a_record_is_one_exactly_when_its_stored_status_is_not_the_value_of_the_status_sent() =>
        Gen.Select(Gen.Int[1, 12].Array[0, 20], Gen.Int[1, 12].Array[0, 20]).Sample((wanted, stored) =>
        {
            var names = new[] { "Scheduled", "Completed", "Failed" };
            var values = new Dictionary<string, long> { ["Scheduled"] = 1, ["Completed"] = 2, ["Failed"] = 9 };
            var n = Math.Min(wanted.Length, stored.Length);
            var sent = wanted.Take(n).Select(w => (IDictionary<string, object?>)new Dictionary<string, object?> { ["status_id:name"] = names[w % 3] }).ToList();
            var rows = stored.Take(n).Select((s, i) => Row(100 + i, s == 12 ? null : s)).ToList();

            var found = ActivityStatusGuard.Mismatches(sent, rows, values).Select(m => m.Id).ToArray();

            var expected = Enumerable.Range(0, n).Where(i => stored[i] == 12 || values[names[wanted[i] % 3]] != stored[i]).Select(i => 100L + i).ToArray();
            found.Should().Equal(expected);
        });
}
