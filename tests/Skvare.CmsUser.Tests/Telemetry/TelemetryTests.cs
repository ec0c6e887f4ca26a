using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Skvare.CmsUser.Telemetry;
using Skvare.CmsUser.Tests.Engine;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Telemetry;

/// <summary>The meter and source are process-wide: these tests run alone so other tests do not add to what they observe.</summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryTestGroup;

[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Processed_contacts_are_counted_per_outcome_and_the_run_duration_is_recorded()
    {
        using var processed = new MetricCollector<long>(null, CmsUserTelemetry.Name, CmsUserTelemetry.ContactsProcessed);
        using var duration = new MetricCollector<double>(null, CmsUserTelemetry.Name, CmsUserTelemetry.RunDuration);
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Member("No", "Email", null);

        await _h.Provisioner.RunOnceAsync();

        var measurements = processed.GetMeasurementSnapshot();
        measurements.Where(m => m.Tags["rule"] as string == "members").Select(m => m.Tags["outcome"]).Should().BeEquivalentTo(["Created", "GaveUp"]);
        duration.GetMeasurementSnapshot().Should().Contain(m => (string?)m.Tags["kind"] == "Provisioning");
    }

    [Fact]
    public async Task Runs_and_on_demand_calls_emit_spans_on_the_Skvare_CmsUser_source()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == CmsUserTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        await _h.Provisioner.RunOnceAsync();
        await _h.Provisioner.ProvisionAsync(ana.Id);

        spans.Select(s => s.OperationName).Should().Contain(["cmsuser.run", "cmsuser.provision"]);
        spans.Single(s => s.OperationName == "cmsuser.provision").GetTagItem("cmsuser.outcome").Should().Be("AlreadyLinked");
    }

    [Fact]
    public async Task Failures_are_logged_with_their_event_id_and_without_secrets()
    {
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("refused"));
        _h.Member("Ana", "Lima", "ana@example.org");

        await _h.Provisioner.RunOnceAsync();

        var failed = _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1004).Subject;
        failed.Message.Should().Contain(CmsUserErrorCodes.InvalidData).And.Contain("refused").And.Contain("attempt 1");
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1001);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_failure_that_used_no_attempt_is_logged_without_an_empty_attempt_number()
    {
        _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(987654);

        outcome.Attempt.Should().BeNull();
        var logged = _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1020).Subject;
        logged.Message.Should().Contain("contact_not_found").And.Contain("no attempt counted").And.NotContain("attempt )");
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1004);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_reset_campaign_run_is_logged_as_a_password_reset_run_from_its_start_to_its_end()
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        _h.Member("Ana", "Lima", "ana@example.org");

        await _h.Provisioner.RunOnceAsync();
        await _h.Provisioner.ResetPasswordsAsync();

        var starts = _h.Logs.GetSnapshot().Where(r => r.Id.Id == 1000).Select(r => r.Message).ToArray();
        starts.Should().HaveCount(2);
        starts[0].Should().StartWith("Provisioning run started: 1 pass(es)");
        starts[1].Should().StartWith("Password reset run started: 1 pass(es)", "a campaign run said it was a provisioning run");
        _h.Logs.GetSnapshot().Where(r => r.Id.Id == 1001).Select(r => r.Message).Last().Should().StartWith("Password reset run finished");
    }
}
