using Skvare.CmsUser.Tests.Engine;

namespace Skvare.CmsUser.Tests.Hosting;

/// <summary>
/// <see cref="UserProvisionerExtensions.RunScheduledCycleAsync"/>: the batch then its reset campaigns as one cycle, which
/// checks the CMS credentials at most once; what every scheduler (the hosted service, the Quartz jobs, a host's own) runs.
/// </summary>
public sealed class ScheduledCycleTests : IDisposable
{
    private const string CheckCall = "CheckCredentials";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly EngineHarness _h = new() { Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") }) };

    public void Dispose() => _h.Dispose();

    private int Checks => _h.Cms.Calls.GetValueOrDefault(CheckCall);

    /// <summary>The rules and campaigns the engine started, in order (event 1002).</summary>
    private List<string> Passes => _h.Logs.GetSnapshot().Where(r => r.Id.Id == 1002).Select(r => r.StructuredState!.Single(kv => kv.Key == "Rule").Value!).ToList();

    [Fact]
    public async Task An_idle_cycle_checks_the_credentials_once_and_returns_the_batch_and_the_campaigns()
    {
        var cycle = await _h.Provisioner.RunScheduledCycleAsync(includePasswordResets: true).WaitAsync(Bound);

        Checks.Should().Be(1);
        Passes.Should().Equal(["members", "migration"]);
        cycle.Provisioning.CmsCredentialsCheck!.Passed.Should().BeTrue();
        cycle.PasswordResets.Should().NotBeNull();
        cycle.PasswordResets!.CmsCredentialsCheck.Should().BeSameAs(cycle.Provisioning.CmsCredentialsCheck, "the campaigns carry the batch's check");
        cycle.PasswordResets.StopKind.Should().Be(RunStopKind.None);

        await _h.Provisioner.RunScheduledCycleAsync(includePasswordResets: true).WaitAsync(Bound);
        Checks.Should().Be(2, "one check per cycle");
    }

    [Fact]
    public async Task A_cycle_that_creates_an_account_makes_no_check_at_all()
    {
        _h.Member("Ana", "Lima", "ana@example.org");

        var cycle = await _h.Provisioner.RunScheduledCycleAsync(includePasswordResets: true).WaitAsync(Bound);

        cycle.Provisioning.Count(OutcomeKind.Created).Should().Be(1);
        _h.Cms.Accounts.Should().ContainSingle(a => a.Email == "ana@example.org");
        cycle.PasswordResets!.CmsCredentialsCheck.Should().BeNull();
        Checks.Should().Be(0, "the create proved the credentials for the whole cycle");
    }

    [Fact]
    public async Task Without_resets_the_cycle_is_the_batch_alone()
    {
        var cycle = await _h.Provisioner.RunScheduledCycleAsync(includePasswordResets: false).WaitAsync(Bound);

        cycle.PasswordResets.Should().BeNull();
        Passes.Should().Equal(["members"]);
        Checks.Should().Be(1);
    }

    [Fact]
    public async Task A_cancelled_cycle_does_not_start_the_campaigns()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var cycle = await _h.Provisioner.RunScheduledCycleAsync(includePasswordResets: true, cancelled.Token).WaitAsync(Bound);

        cycle.Provisioning.Cancelled.Should().BeTrue();
        cycle.PasswordResets.Should().BeNull();
        Passes.Should().NotContain("migration");
        Checks.Should().Be(0);
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        var noProvisioner = () => UserProvisionerExtensions.RunScheduledCycleAsync(null!, includePasswordResets: true);
        var noSummary = () => new ScheduledCycleSummary(null!, null);

        (await noProvisioner.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("provisioner");
        noSummary.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("provisioning");
    }
}
