using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Through the CiviCRM write-back (<c>CiviCrmPageWriteBack</c>): a contact ends with a truthful audit. A Scheduled record a
/// lost create left open is closed once the account its email has turns out to be another contact's (seen on the real
/// CiviCRM 6.17.2: activity 2587 of contact 4420 stayed Scheduled beside the Failed record), and a link written before a
/// failed role change gets its Completed record while the failure is counted by its own Failed record.
/// </summary>
public sealed class SettledAuditTests
{
    private readonly FakeCmsAccountProvider _cms = new();

    [Fact(Timeout = 120_000)]
    public async Task A_lost_create_whose_account_another_contact_holds_leaves_one_Failed_record_and_nothing_Scheduled()
    {
        using var h = Harness(syncRoles: false, out var members, out _);
        var ana = h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var duplicate = h.Fake.AddContact("Ana", "Duplicate", "ana@example.org");
        h.Fake.AddToGroup(members, [ana]);
        _cms.FailCreateFor("ana@example.org", () => new CmsProviderException("InMemory", CmsErrorReason.UnknownOutcome, "No answer to the create."));

        var lost = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        lost.Failures.Should().ContainSingle().Which.Error!.Code.Should().Be(CmsUserErrorCodes.UnknownOutcome);
        h.Fake.Activities.Should().ContainSingle(a => a.Type == "User Account Creation").Which.Status.Should().Be("Scheduled");

        // The CMS had saved the account, and CiviCRM's plugin linked it to the duplicate contact.
        _cms.StopFailingCreateFor("ana@example.org");
        var account = _cms.AddAccount("ana.lima", "ana@example.org");
        h.Fake.AddLink(duplicate, account.Id, "ana@example.org");

        var next = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        var failure = next.Failures.Should().ContainSingle().Subject;
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.AccountLinkedToOtherContact);
        failure.Attempt.Should().Be(1);
        var records = h.Fake.Activities.Where(a => a.Type == "User Account Creation" && a.Targets.Contains(ana)).ToArray();
        records.Should().ContainSingle().Which.Should().Match<FakeActivity>(a => a.Status == "Failed" && a.Details!.Contains("An earlier attempt left open"));
        h.Fake.Links.Should().ContainSingle().Which.ContactId.Should().Be(duplicate);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_role_change_failing_after_the_link_completes_the_Linked_record_and_counts_the_failure_once()
    {
        using var h = Harness(syncRoles: true, out var members, out var done);
        var account = _cms.AddAccount("ana", "ana@example.org");
        var ana = h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        h.Fake.AddToGroup(members, [ana]);
        var fail = true;
        _cms.BeforeAddRoles = _ =>
        {
            if (fail)
            {
                throw FakeCmsAccountProvider.Permanent("The role could not be saved.");
            }
        };

        var first = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        first.Failures.Should().ContainSingle().Which.Attempt.Should().Be(1);
        h.Fake.Links.Should().ContainSingle().Which.ContactId.Should().Be(ana);
        var records = h.Fake.Activities.Where(a => a.Type == "User Account Creation").ToArray();
        records.Should().HaveCount(2).And.NotContain(a => a.Status == "Scheduled");
        records.Should().ContainSingle(a => a.Status == "Completed").Which.Subject.Should().Be($"Linked : ana ({account.Id})");
        records.Should().ContainSingle(a => a.Status == "Failed").Which.Details.Should().Contain("The role could not be saved.");
        h.Fake.GroupStatus(members, ana).Should().Be("Added");

        fail = false;
        var next = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        next.Failures.Should().BeEmpty();
        next.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        account.Roles.Should().Contain("subscriber");
        h.Fake.Activities.Where(a => a.Type == "User Account Creation").Should().HaveCount(2).And.ContainSingle(a => a.Status == "Completed");
        h.Fake.GroupStatus(done, ana).Should().Be("Added");
    }

    private CiviHarness Harness(bool syncRoles, out long members, out long done)
    {
        var h = new CiviHarness(engine: o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done"), SyncRolesOfExistingAccounts = syncRoles };
            rule.Roles.Add("subscriber");
            o.Rules.Add(rule);
        }, configure: o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(30), cms: _cms);
        members = h.Fake.AddGroup("members");
        done = h.Fake.AddGroup("members_done");
        return h;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(100)).Token;
}
