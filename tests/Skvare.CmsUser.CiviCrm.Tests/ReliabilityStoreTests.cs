namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>The CiviCRM side of "never steal a link" and "audit exactly once", over HTTP to the fake.</summary>
public sealed class ReliabilityStoreTests : IDisposable
{
    private readonly CiviHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task The_failed_status_is_a_closed_status()
    {
        await _h.Recorder.EnsureReadyAsync();

        var failed = _h.Fake.Store.Rows("OptionValue").Single(r => Equals(r["name"], "Failed"));
        Convert.ToInt64(failed["filter"], System.Globalization.CultureInfo.InvariantCulture).Should().Be(1, "CiviCRM lists filter-0 statuses as open, like Scheduled");
    }

    [Fact]
    public async Task An_existing_account_linked_to_another_contact_is_never_repointed()
    {
        var holder = _h.Fake.AddContact("Old", "Holder", "shared@example.org");
        var other = _h.Fake.AddContact("New", "Comer", "shared@example.org");
        var third = _h.Fake.AddContact("Third", "Person", "third@example.org");
        var fourth = _h.Fake.AddContact("Fourth", "Person", "third@example.org");
        _h.Fake.AddLink(holder, 50, "shared@example.org");

        var results = await _h.Links.EnsureLinksAsync(
        [
            new AccountLinkRequest(other, 50, "shared@example.org"),
            new AccountLinkRequest(third, 60, "third@example.org"),
            new AccountLinkRequest(fourth, 60, "third@example.org", AccountCreatedNow: true),
        ]);

        results[0].Kind.Should().Be(AccountLinkResultKind.HeldByOtherContact);
        results[0].PreviousContactId.Should().Be(holder);
        results[1].Kind.Should().Be(AccountLinkResultKind.HeldByOtherContact, "in one batch the contact whose account was just created wins");
        results[1].PreviousContactId.Should().Be(fourth);
        results[2].Kind.Should().Be(AccountLinkResultKind.Created);
        _h.Fake.Links.Where(l => l.UfId == 50).Should().ContainSingle().Which.ContactId.Should().Be(holder);
        _h.Fake.Links.Where(l => l.UfId == 60).Should().ContainSingle().Which.ContactId.Should().Be(fourth);
    }

    [Fact]
    public async Task Scheduled_records_are_opened_completed_in_place_and_discarded_only_while_scheduled()
    {
        await _h.Recorder.EnsureReadyAsync();
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var bea = _h.Fake.AddContact("Bea", "Lima", "bea@example.org");
        var now = DateTimeOffset.UtcNow;

        var ids = await _h.Recorder.OpenAsync(
        [
            new ActivityEntry(ana, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana", null, now),
            new ActivityEntry(bea, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Bea", null, now),
        ]);
        ids.Should().HaveCount(2);
        await _h.Recorder.RecordAsync([new ActivityEntry(ana, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, "Created : ana (7)", null, now) { Id = ids![0] }]);
        await _h.Recorder.DiscardAsync(ids);

        var audits = await _h.Recorder.FindAuditsAsync([ana, bea], ActivityKind.AccountCreation);
        audits.Should().ContainSingle().Which.Should().Be(new AuditRecord(ids[0], ana, ActivityOutcomeStatus.Completed, "Created : ana (7)"));
        _h.Fake.Activities.Should().ContainSingle().Which.Targets.Should().Equal(ana);
    }
}
