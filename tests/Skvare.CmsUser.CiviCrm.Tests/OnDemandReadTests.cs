using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The on-demand read in one CiviCRM request (<see cref="IProvisioningContactReader"/> of the CiviCRM package) through
/// <see cref="IUserProvisioner.ProvisionAsync"/>: two rules (a group with a history group, a tag with a history tag),
/// contacts pending in one, both, none, linked, deleted, missing, and counted failures.
/// </summary>
public sealed class OnDemandReadTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    // CiviCRM's clock (activity and join dates); the engine keeps the system clock (the HTTP retries wait on it).
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-3));
    private readonly CiviHarness _h;
    private readonly long _members;
    private readonly long _membersDone;
    private readonly long _premium;
    private readonly long _premiumDone;

    public OnDemandReadTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") });
            o.Rules.Add(new ProvisioningRule { Name = "premium", Trigger = TriggerDefinition.Tag("premium"), History = TriggerDefinition.Tag("premium_done") });
        }, cms: _cms);
        _h.Fake.Clock = _clock;
        _members = _h.Fake.AddGroup("members");
        _membersDone = _h.Fake.AddGroup("members_done");
        _premium = _h.Fake.AddTag("premium");
        _premiumDone = _h.Fake.AddTag("premium_done");
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task A_contact_pending_in_the_second_rule_is_provisioned_by_it_with_one_read_before_the_create()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.TagContacts(_premium, [ana]);
        var before = _h.Fake.Requests.Count;
        var atCreate = -1;
        _cms.BeforeCreate = _ =>
        {
            atCreate = _h.Fake.Requests.Count - before;
            return Task.CompletedTask;
        };

        var outcome = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Rule.Should().Be("premium");
        atCreate.Should().Be(1, "the contact, both rules' pending tests, failures, audits and the Scheduled record come in one request");
        _h.Fake.HasTag(_premium, ana).Should().BeFalse();
        _h.Fake.HasTag(_premiumDone, ana).Should().BeTrue();
        _h.Fake.GroupStatus(_membersDone, ana).Should().BeNull();
        AuditOf(ana).Should().ContainSingle().Which.Status.Should().Be("Completed", "the Scheduled record the read opened is completed");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_contact_pending_in_both_rules_takes_the_first_unless_the_call_names_one()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        var bea = Contact("Bea", "bea@example.org");
        _h.Fake.AddToGroup(_members, [ana, bea]);
        _h.Fake.TagContacts(_premium, [ana, bea]);

        var first = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        var named = await _h.Provisioner.ProvisionAsync(bea, new OnDemandOptions { Rule = "premium" }, Timeout());

        first.Rule.Should().Be("members");
        _h.Fake.GroupStatus(_membersDone, ana).Should().Be("Added");
        _h.Fake.HasTag(_premium, ana).Should().BeTrue("the other rule's trigger is left as it is");
        named.Rule.Should().Be("premium");
        _h.Fake.HasTag(_premiumDone, bea).Should().BeTrue();
        _h.Fake.GroupStatus(_members, bea).Should().Be("Added", "the named rule's trigger only");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_named_rule_the_contact_is_not_pending_in_provisions_it_without_trigger_changes()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);

        var outcome = await _h.Provisioner.ProvisionAsync(ana, new OnDemandOptions { Rule = "premium" }, Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Rule.Should().Be("premium");
        _h.Fake.GroupStatus(_members, ana).Should().Be("Added");
        _h.Fake.HasTag(_premiumDone, ana).Should().BeFalse();
    }

    [Fact(Timeout = 30_000)]
    public async Task A_contact_pending_nowhere_is_provisioned_by_the_first_rule_and_no_trigger_changes()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.AddToGroup(_membersDone, [ana]);
        _h.Fake.AddToGroup(_members, [ana], "Removed");

        var outcome = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Rule.Should().Be("members");
        _h.Fake.CallCount("GroupContact", "save").Should().Be(0);
        _h.Fake.CallCount("EntityTag", "save").Should().Be(0);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_missing_or_deleted_contact_is_skipped_after_one_read_that_writes_nothing()
    {
        await WarmAsync();
        var gone = Contact("Gone", "gone@example.org", deleted: true);
        _h.Fake.AddToGroup(_members, [gone]);
        var before = _h.Fake.Requests.Count;

        var missing = await _h.Provisioner.ProvisionAsync(9_999_999, cancellationToken: Timeout());
        var deleted = await _h.Provisioner.ProvisionAsync(gone, cancellationToken: Timeout());

        missing.Kind.Should().Be(OutcomeKind.Skipped);
        missing.Error!.Code.Should().Be(CmsUserErrorCodes.ContactNotFound);
        deleted.Kind.Should().Be(OutcomeKind.Skipped);
        deleted.Error!.Code.Should().Be(CmsUserErrorCodes.ContactNotFound);
        _h.Fake.Requests.Count.Should().Be(before + 2, "one read each");
        AuditOf(gone).Should().BeEmpty("no Scheduled record is opened for a contact the read does not find");
        _cms.Accounts.Should().ContainSingle("only the first call's contact");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_contact_linked_here_opens_no_record_and_is_found_already_linked()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        var account = _cms.AddAccount("ana", "ana@example.org");
        _h.Fake.AddLink(ana, account.Id, "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        AuditOf(ana).Should().BeEmpty("the chained create runs only for a contact without a link in this domain");
        _h.Fake.GroupStatus(_members, ana).Should().Be("Removed");
        _h.Fake.GroupStatus(_membersDone, ana).Should().Be("Added");
        _cms.Accounts.Should().HaveCount(2, "the first call's contact and Ana's own; no second one for Ana");
    }

    [Fact(Timeout = 30_000)]
    public async Task Failures_since_the_join_count_and_the_fourth_gives_up_while_older_ones_do_not()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        var bea = Contact("Bea", "bea@example.org");
        await FailedAsync(bea, 3);
        _clock.Advance(TimeSpan.FromHours(1));
        _h.Fake.AddToGroup(_members, [ana, bea]);
        _clock.Advance(TimeSpan.FromHours(1));
        await FailedAsync(ana, 3);
        _cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("refused"));
        _cms.FailCreateFor("bea@example.org", () => FakeCmsAccountProvider.Permanent("refused"));

        var gaveUp = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        var first = await _h.Provisioner.ProvisionAsync(bea, cancellationToken: Timeout());

        gaveUp.Kind.Should().Be(OutcomeKind.GaveUp);
        gaveUp.Attempt.Should().Be(4);
        _h.Fake.GroupStatus(_members, ana).Should().Be("Removed", "a contact that gives up leaves the trigger");
        first.Kind.Should().Be(OutcomeKind.Failed);
        first.Attempt.Should().Be(1, "failures before the contact (re)joined the group do not count");
        _h.Fake.Activities.Where(a => a.Targets.Contains(bea)).Should().OnlyContain(a => a.Status == "Failed", "its own record became the Failed one");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_contact_that_gave_up_is_refused_with_attempts_used_up_and_nothing_is_tried_or_recorded()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        _cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("refused"));
        var spent = new List<ProvisioningOutcome>();
        for (var i = 0; i < 4; i++)
        {
            spent.Add(await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout()));
        }

        var before = _h.Fake.Requests.Count;
        var again = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        var requests = _h.Fake.Requests.Count - before;
        var named = await _h.Provisioner.ProvisionAsync(ana, new OnDemandOptions { Rule = "premium" }, Timeout());

        spent.Select(o => o.Kind).Should().Equal(OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.GaveUp);
        _h.Fake.GroupStatus(_members, ana).Should().Be("Removed", "the fourth failure takes the contact out of its trigger");
        foreach (var refused in new[] { again, named })
        {
            refused.Kind.Should().Be(OutcomeKind.Skipped);
            refused.Error!.Code.Should().Be(CmsUserErrorCodes.AttemptsUsedUp);
            refused.Error.Kind.Should().Be(FailureKind.Permanent);
            refused.Attempt.Should().Be(4);
        }

        named.Rule.Should().Be("premium");
        _cms.Calls.GetValueOrDefault("Create").Should().Be(5, "the warm-up's create and Ana's four; a contact whose attempts are used up gets no CMS call");
        AuditOf(ana).Should().HaveCount(4).And.OnlyContain(a => a.Status == "Failed", "no fifth Failed record, and the Scheduled record the read opened is gone");
        requests.Should().Be(2, "the read (which counts the failures) and the removal of the record it opened");
        _h.Fake.HasTag(_premium, ana).Should().BeFalse();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_burst_of_calls_for_a_contact_that_cannot_be_provisioned_spends_at_most_its_attempts()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        _cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("refused"));

        // Eight deliveries at once: the per-contact lock orders them, each reads what the one before it wrote.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout())));

        outcomes.Count(o => o.Kind == OutcomeKind.Failed).Should().Be(3);
        outcomes.Should().ContainSingle(o => o.Kind == OutcomeKind.GaveUp).Which.Attempt.Should().Be(4);
        outcomes.Where(o => o.Kind == OutcomeKind.Skipped).Should().HaveCount(4).And.OnlyContain(o => o.Error!.Code == CmsUserErrorCodes.AttemptsUsedUp);
        AuditOf(ana).Should().HaveCount(4).And.OnlyContain(a => a.Status == "Failed");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_linked_contact_whose_attempts_are_used_up_is_still_found_already_linked()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        await FailedAsync(ana, 4);
        var account = _cms.AddAccount("ana", "ana@example.org");
        _h.Fake.AddLink(ana, account.Id, "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.AlreadyLinked, "the limit guards new attempts, not an account that is there");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_call_that_dies_after_the_create_leaves_the_record_the_read_opened_and_the_next_call_completes_it_once()
    {
        await WarmAsync();
        var ana = Contact("Ana", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        // CiviCRM goes down once the create is sent: the write-back cannot happen (as if the process died there).
        _cms.BeforeCreate = _ =>
        {
            _h.Fake.FailWhere = (_, _) => 503;
            return Task.CompletedTask;
        };

        var died = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        _cms.BeforeCreate = null;
        _h.Fake.FailWhere = null;
        var open = AuditOf(ana).ToArray();
        var next = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        died.Kind.Should().Be(OutcomeKind.Failed);
        open.Should().ContainSingle().Which.Status.Should().Be("Scheduled", "the record opened by the read stays while the account is not linked");
        next.Kind.Should().Be(OutcomeKind.Linked, "the account the first call created is found by its email");
        _cms.Accounts.Where(a => a.Email == "ana@example.org").Should().ContainSingle();
        AuditOf(ana).Should().ContainSingle("one audit record per account: the oldest open record is completed, the second call's removed")
            .Which.Should().Match<FakeActivity>(a => a.Status == "Completed" && a.Id == open[0].Id);
        _h.Fake.GroupStatus(_membersDone, ana).Should().Be("Added");
    }

    [Fact]
    public void The_one_request_reader_stands_for_the_CiviCRM_stores_only()
    {
        using var custom = new CiviHarness(more: s => s.AddSingleton<IActivityRecorder>(new FakeCiviCrm()));

        _h.Services.GetRequiredService<IProvisioningContactReader>().Should().BeSameAs(_h.Triggers, "CiviCRM's trigger sources, directory and recorder: one request");
        custom.Services.GetService<IProvisioningContactReader>().Should().BeNull("another recorder counts the failures: the engine composes the stores (ComposedProvisioningContactReader)");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_saved_search_with_a_dollar_text_is_asked_on_its_own_after_the_read()
    {
        // CiviCRM reads a chained "$..." text as a field of the row, so such a rule cannot ride on the chain.
        using var h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.Rules.Add(new ProvisioningRule { Name = "dollars", Trigger = TriggerDefinition.SavedSearch("dollars") });
        }, cms: _cms);
        h.Fake.AddGroup("members");
        h.Fake.AddSavedSearch("dollars", """[["last_name","=","$mith"]]""");
        var warm = h.Fake.AddContact("Warm", "$mith", "warm@example.org");
        (await h.Provisioner.ProvisionAsync(warm, cancellationToken: Timeout())).Rule.Should().Be("dollars");
        var ana = h.Fake.AddContact("Ana", "$mith", "ana@example.org");
        var bea = h.Fake.AddContact("Bea", "Lima", "bea@example.org");
        var before = h.Fake.Requests.Count;

        var found = await h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        var requests = h.Fake.Requests.Skip(before).Select(r => r.ParamsJson ?? "").ToArray();
        var nowhere = await h.Provisioner.ProvisionAsync(bea, cancellationToken: Timeout());

        found.Kind.Should().Be(OutcomeKind.Created);
        found.Rule.Should().Be("dollars");
        requests.Should().Contain(r => r.Contains("\"pending_0\"", StringComparison.Ordinal) && !r.Contains("\"pending_1\"", StringComparison.Ordinal), "the group rule rides on the read, the saved search does not");
        requests.Should().ContainSingle(r => r.Contains("$mith", StringComparison.Ordinal)).Which.Should().NotContain("pending_", "the saved search is its own read");
        nowhere.Rule.Should().Be("members", "pending nowhere: the first rule, without trigger changes");
    }

    private async Task WarmAsync()
    {
        // A first call sets the process up (activity types, identity, triggers) on a contact of its own.
        var warm = Contact("Warm", "warm@example.org");
        (await _h.Provisioner.ProvisionAsync(warm, cancellationToken: Timeout())).Kind.Should().Be(OutcomeKind.Created);
    }

    private long Contact(string first, string email, bool deleted = false) =>
        _h.Fake.AddContact(first, "Lima", email, deleted ? r => r["is_deleted"] = true : null);

    private async Task FailedAsync(long contact, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _h.Recorder.RecordAsync([new ActivityEntry(contact, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User x", "refused", _clock.GetUtcNow())]);
        }
    }

    private IEnumerable<FakeActivity> AuditOf(long contact) => _h.Fake.Activities.Where(a => a.Targets.Contains(contact) && a.Type == "User Account Creation");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token;
}
