using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A rule whose history group or tag does not exist (misspelled, deleted) stops before any account is created: found in
/// a trial on the real CiviCRM, where the run created the accounts (and sent their emails) and only then failed to write
/// back, leaving the contacts in the trigger without a record.
/// </summary>
public sealed class MissingHistoryTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;
    private readonly long[] _contacts;

    public MissingHistoryTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_dnoe") });
            o.Rules.Add(new ProvisioningRule { Name = "volunteers", Trigger = TriggerDefinition.Tag("volunteer"), History = TriggerDefinition.Tag("volunteer_gone") });
            o.PageSize = 10;
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddGroup("members_done");
        var tag = _h.Fake.AddTag("volunteer");
        _contacts = Enumerable.Range(0, 15).Select(i => _h.Fake.AddContact("Member", $"M{i:D2}", $"m{i}@example.org")).ToArray();
        _h.Fake.AddToGroup(_members, _contacts);
        _h.Fake.TagContacts(tag, Enumerable.Range(0, 3).Select(i => _h.Fake.AddContact("Vol", $"V{i}", $"v{i}@example.org")).ToArray());
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_run_creates_no_account_and_stops_as_a_configuration_error()
    {
        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().Contain("members_dnoe");
        _cms.Accounts.Should().BeEmpty("nothing may be created while the history it would be moved to does not exist");
        _h.Fake.Links.Should().BeEmpty();
        _h.Fake.Activities.Where(a => a.Status is "Completed" or "Failed").Should().BeEmpty();
        _contacts.Select(c => _h.Fake.GroupStatus(_members, c)).Should().AllBe("Added", "every contact stays in the trigger for the next run");
    }

    [Fact]
    public async Task A_plan_reports_the_missing_history_instead_of_planning_creates()
    {
        var plan = async () =>
        {
            await foreach (var _ in _h.Provisioner.PlanAsync())
            {
            }
        };

        (await plan.Should().ThrowAsync<CmsUserException>()).Which.Message.Should().Contain("members_dnoe");
    }
}
