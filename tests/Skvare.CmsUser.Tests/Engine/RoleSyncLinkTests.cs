using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// Role sync of an existing account (<see cref="ProvisioningRule.SyncRolesOfExistingAccounts"/>) gives the rule's roles only
/// to an account linked to the contact: the link is written before the roles, so an account linked to another contact
/// meanwhile (CiviCRM's own CMS plugin, another process) gets no role, and the plugin's own link on the role save finds
/// ours (trial8: the roles were given first, then the link failed and the account kept them).
/// </summary>
public sealed class RoleSyncLinkTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public RoleSyncLinkTests()
    {
        _h.Configure = o =>
        {
            o.Rules.Clear();
            var rule = EngineHarness.GroupRule("member");
            rule.SyncRolesOfExistingAccounts = true;
            o.Rules.Add(rule);
        };
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task An_existing_account_linked_to_another_contact_after_the_read_gets_no_role()
    {
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var other = _h.Civi.AddContact("Ana", "Duplicate", "ana@example.org");
        // Between the page read (no link) and the role write, someone links the account to the other contact.
        _h.Cms.AfterFindByEmail = found => _h.Civi.AddLink(new AccountLink(other.Id, found.UserId, "ana@example.org"));

        var summary = await _h.Provisioner.RunOnceAsync();

        var failure = summary.Failures.Should().ContainSingle().Subject;
        failure.ContactId.Should().Be(ana.Id);
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.AccountLinkedToOtherContact);
        account.Roles.Should().Equal(["subscriber"], "the account belongs to another contact: the rule's role is not given");
        _h.Cms.Calls.Should().NotContainKey("AddRoles");
        _h.Civi.Links.Should().ContainSingle().Which.ContactId.Should().Be(other.Id, "the other contact keeps its account");
        var activity = _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccountCreation).Subject;
        activity.Status.Should().Be(ActivityOutcomeStatus.Failed);
        activity.Details.Should().Contain(CmsUserErrorCodes.AccountLinkedToOtherContact).And.Contain($"contact {other.Id}").And.Contain("That account, the other contact's, was not given this rule's roles.")
            .And.NotContain("roles were not given to the account", "the contact has no account of its own");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_plugin_linking_the_account_on_the_role_save_finds_our_link_and_the_roles_are_given()
    {
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        var duplicate = _h.Civi.AddContact("Ana", "Duplicate", "ana@example.org");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var linkedOnSave = new List<long>();
        // CiviCRM's WordPress plugin on profile_update: a user without a link in this domain is linked to a contact with its
        // email (here the duplicate, the first it finds); a user with a link is left alone.
        _h.Cms.BeforeAddRoles = saved =>
        {
            if (!_h.Civi.Links.Any(l => l.IsCurrentDomain && l.CmsUserId == saved.UserId))
            {
                linkedOnSave.Add(saved.UserId);
                _h.Civi.AddLink(new AccountLink(duplicate.Id, saved.UserId, "ana@example.org"));
            }
        };

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        linkedOnSave.Should().BeEmpty("the link was written before the roles");
        account.Roles.Should().BeEquivalentTo("subscriber", "member");
        _h.Civi.Links.Should().ContainSingle().Which.Should().Be(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        var activity = _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccountCreation).Subject;
        activity.Status.Should().Be(ActivityOutcomeStatus.Completed);
        activity.Subject.Should().Be($"Linked : ana ({account.Id})");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_role_write_that_fails_after_the_link_completes_the_link_record_fails_the_contact_and_the_next_run_gives_the_roles()
    {
        var (account, ana, roles) = AnaWithFailingRoles(() => FakeCmsAccountProvider.Permanent("The role could not be saved."));

        var first = await _h.Provisioner.RunOnceAsync();

        var failure = first.Failures.Should().ContainSingle().Subject;
        failure.Error!.Kind.Should().Be(FailureKind.Permanent);
        failure.Attempt.Should().Be(1);
        _h.Civi.Links.Should().ContainSingle().Which.ContactId.Should().Be(ana.Id, "the link was written before the roles");
        var records = _h.Civi.Activities.Where(a => a.Kind == ActivityKind.AccountCreation).ToArray();
        records.Should().HaveCount(2).And.NotContain(a => a.Status == ActivityOutcomeStatus.Scheduled);
        var linked = records.Should().ContainSingle(a => a.Status == ActivityOutcomeStatus.Completed, "the link this run wrote is audited once").Subject;
        linked.Subject.Should().Be($"Linked : ana ({account.Id})");
        linked.Details.Should().Contain("roles could not be given yet").And.Contain("(invalid_data: The role could not be saved); a later run gives them.");
        var failed = records.Should().ContainSingle(a => a.Status == ActivityOutcomeStatus.Failed, "the failed role change counts, as a linked contact's does").Subject;
        failed.Details.Should().Contain("The role could not be saved.").And.Contain($"CMS account {account.Id} is linked to this contact now");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added", "the roles are still to give");

        roles.Fail = false;
        var next = await _h.Provisioner.RunOnceAsync();

        next.Failures.Should().BeEmpty();
        next.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        account.Roles.Should().BeEquivalentTo("subscriber", "member");
        _h.Civi.Activities.Where(a => a.Kind == ActivityKind.AccountCreation).Should().HaveCount(2, "the link has its Completed record: nothing more")
            .And.ContainSingle(a => a.Status == ActivityOutcomeStatus.Completed);
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_transient_role_failure_after_the_link_completes_the_link_record_and_counts_nothing()
    {
        var (account, ana, roles) = AnaWithFailingRoles(() => FakeCmsAccountProvider.Transient());

        var first = await _h.Provisioner.RunOnceAsync();

        first.Failures.Should().ContainSingle().Which.Error!.Kind.Should().Be(FailureKind.Transient);
        var record = _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccountCreation, "a transient failure records nothing of its own").Subject;
        record.Status.Should().Be(ActivityOutcomeStatus.Completed);
        record.Subject.Should().Be($"Linked : ana ({account.Id})");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added");

        roles.Fail = false;
        var next = await _h.Provisioner.RunOnceAsync();

        next.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        account.Roles.Should().BeEquivalentTo("subscriber", "member");
        _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccountCreation).Which.Id.Should().Be(record.Id);
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_configuration_failure_of_the_role_change_after_the_link_stops_the_run_with_the_link_audited()
    {
        var (account, ana, _) = AnaWithFailingRoles(() => new CmsProviderException("InMemory", CmsErrorReason.Authentication, "The application password was refused.", statusCode: 401));

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        _h.Civi.Links.Should().ContainSingle().Which.ContactId.Should().Be(ana.Id);
        var record = _h.Civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccountCreation, "a configuration failure is nobody's attempt: no Failed record").Subject;
        record.Status.Should().Be(ActivityOutcomeStatus.Completed);
        record.Subject.Should().Be($"Linked : ana ({account.Id})");
        record.Details.Should().Contain("(The application password was refused); a later run gives them.");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added");
    }

    /// <summary>An existing account with Ana's email (not linked) and Ana in the trigger; role changes fail while <see cref="FailingRoles.Fail"/>.</summary>
    private (FakeProviderAccount Account, Contact Ana, FailingRoles Roles) AnaWithFailingRoles(Func<Exception> failure)
    {
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var roles = new FailingRoles();
        _h.Cms.BeforeAddRoles = _ =>
        {
            if (roles.Fail)
            {
                throw failure();
            }
        };
        return (account, ana, roles);
    }

    /// <summary>Whether role changes fail.</summary>
    private sealed class FailingRoles
    {
        public bool Fail { get; set; } = true;
    }

    [Fact(Timeout = 120_000)]
    public async Task A_role_change_that_always_fails_after_the_link_gives_up_at_the_fourth_failure_with_one_Completed_record()
    {
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.BeforeAddRoles = _ => throw FakeCmsAccountProvider.Permanent("The role could not be saved.");

        var attempts = new List<int?>();
        for (var run = 0; run < 4; run++)
        {
            var summary = await _h.Provisioner.RunOnceAsync();
            attempts.Add(summary.Failures.Should().ContainSingle().Subject.Attempt);
            _h.Time.Advance(TimeSpan.FromMinutes(10));
        }

        attempts.Should().Equal([1, 2, 3, 4], "each failed role change counts once: the link's Completed record is not an attempt");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed", "the fourth failure gives up");
        var records = _h.Civi.Activities.Where(a => a.Kind == ActivityKind.AccountCreation).ToArray();
        records.Should().ContainSingle(a => a.Status == ActivityOutcomeStatus.Completed).Which.Subject.Should().Be($"Linked : ana ({account.Id})");
        records.Count(a => a.Status == ActivityOutcomeStatus.Failed).Should().Be(4);
        records.Should().NotContain(a => a.Status == ActivityOutcomeStatus.Scheduled);
    }
}
