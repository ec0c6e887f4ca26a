using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>The set-up (activity types, trigger references) is done once per process, and again after a configuration error.</summary>
public sealed class SetUpTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task Runs_and_on_demand_calls_share_one_set_up()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var bea = _h.Member("Bea", "Costa", "bea@example.org");

        await _h.Provisioner.ProvisionAsync(ana.Id);
        await _h.Provisioner.RunOnceAsync();
        await _h.Provisioner.RunOnceAsync();
        await _h.Provisioner.ProvisionAsync(bea.Id);

        _h.Civi.Calls["EnsureReady"].Should().Be(1);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_run_stopped_by_a_configuration_error_makes_the_next_one_set_up_again()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailNext(new CmsProviderException("InMemory", CmsErrorReason.Permission, "The API user may not create users."));

        var stopped = await _h.Provisioner.RunOnceAsync();
        var next = await _h.Provisioner.RunOnceAsync();

        stopped.StopReason.Should().NotBeNull();
        next.Count(OutcomeKind.Created).Should().Be(1);
        _h.Civi.Calls["EnsureReady"].Should().Be(2);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_quarantined_run_keeps_the_set_up()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Member("Bea", "Costa", "bea@example.org");
        _h.Member("Cid", "Moraes", "cid@example.org");
        for (var i = 0; i < 3; i++)
        {
            _h.Cms.FailNext(FakeCmsAccountProvider.Transient());
        }

        _h.Configure = o => o.MaxConcurrency = 1;
        var quarantined = await _h.Provisioner.RunOnceAsync();
        await _h.Provisioner.RunOnceAsync();

        quarantined.Quarantined.Should().BeTrue();
        _h.Civi.Calls["EnsureReady"].Should().Be(1);
    }
}
