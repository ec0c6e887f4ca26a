using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class RealTimeTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task On_demand_provisioning_returns_the_outcome_and_does_the_bookkeeping()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, new OnDemandOptions { IncludeLoginLink = true });

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Username.Should().Be("ana.lima");
        outcome.CmsUserId.Should().Be(_h.Cms.Accounts.Single().Id);
        outcome.LoginLink.Should().NotBeNull();
        _h.Civi.Links.Should().ContainSingle();
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task On_demand_contact_outside_every_trigger_uses_the_first_rule_without_trigger_changes()
    {
        var bea = _h.Civi.AddContact("Bea", "Costa", "bea@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(bea.Id);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        _h.Cms.Accounts.Single().Roles.Should().Equal("subscriber");
        _h.Civi.GroupStatus(EngineHarness.History, bea.Id).Should().BeNull();
    }

    [Fact]
    public async Task On_demand_unknown_contact_is_skipped_with_a_clear_error()
    {
        var outcome = await _h.Provisioner.ProvisionAsync(12345);

        outcome.Kind.Should().Be(OutcomeKind.Skipped);
        outcome.Error!.Code.Should().Be("contact_not_found");
    }

    [Fact]
    public async Task On_demand_unknown_rule_name_is_an_argument_error()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var act = () => _h.Provisioner.ProvisionAsync(ana.Id, new OnDemandOptions { Rule = "nope" });

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("members");
    }

    [Fact]
    public async Task On_demand_rejects_a_non_positive_contact_id()
    {
        var act = () => _h.Provisioner.ProvisionAsync(0);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task The_same_contact_handled_twice_at_once_gets_one_account_and_one_link()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Cms.BeforeCreate = async _ =>
        {
            inside.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };

        var first = _h.Provisioner.ProvisionAsync(ana.Id);
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = _h.Provisioner.ProvisionAsync(ana.Id);
        release.SetResult();
        var outcomes = await Task.WhenAll(first, second);

        _h.Cms.Accounts.Should().ContainSingle();
        _h.Civi.Links.Should().ContainSingle();
        outcomes.Select(o => o.Kind).Should().BeEquivalentTo([OutcomeKind.Created, OutcomeKind.AlreadyLinked]);
        _h.Cms.Calls["Create"].Should().Be(1);
    }

    [Fact]
    public async Task A_webhook_racing_a_batch_gives_one_account()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Cms.BeforeCreate = async _ =>
        {
            inside.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };

        var batch = _h.Provisioner.RunOnceAsync();
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var webhook = _h.Provisioner.ProvisionAsync(ana.Id);
        release.SetResult();
        await Task.WhenAll(batch, webhook);

        _h.Cms.Accounts.Should().ContainSingle();
        _h.Civi.Links.Should().ContainSingle();
        (await webhook).Kind.Should().BeOneOf(OutcomeKind.AlreadyLinked, OutcomeKind.Skipped);
    }
}
