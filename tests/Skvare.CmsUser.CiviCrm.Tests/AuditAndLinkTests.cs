namespace Skvare.CmsUser.CiviCrm.Tests;

public sealed class AuditAndLinkTests : IDisposable
{
    private readonly CiviHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Activity_types_and_the_Failed_status_are_ensured_idempotently()
    {
        var saves = 0;
        _h.Fake.RefuseWhere = call =>
        {
            saves += call.Entity == "OptionValue" && call.Action == "save" ? 1 : 0;
            return null;
        };
        await _h.Recorder.EnsureReadyAsync();
        var first = saves;
        await _h.Recorder.EnsureReadyAsync();

        var options = _h.Fake.Store.Rows("OptionValue");
        options.Count(o => (string?)o["name"] == "User Account Creation").Should().Be(1);
        options.Count(o => (string?)o["name"] == "User Account Password Reset").Should().Be(1);
        options.Count(o => (string?)o["name"] == "Failed" && Equals(o["option_group_id"], 2L)).Should().Be(1);
        first.Should().Be(6, "a new site gets each missing type and the status, chained in the set-up's one request");
        saves.Should().Be(6, "the second set-up finds everything and writes nothing");
        _h.Fake.CallCount("Contact", "get").Should().Be(3, "the identity once (cached), and each set-up one request for the types");
    }

    [Fact]
    public async Task An_activity_type_switched_off_on_the_site_is_switched_on_again()
    {
        await _h.Recorder.EnsureReadyAsync();
        var off = new Skvare.CmsUser.CiviCrm.Api.Api4Params().WithWhere(Skvare.CmsUser.CiviCrm.Api.Api4Condition.Eq("name", "User Account Blocked"));
        off.Values["is_active"] = false;
        await _h.Client.CallAsync("OptionValue", "update", off);
        var saved = new List<string>();
        _h.Fake.RefuseWhere = call =>
        {
            if (call.Entity == "OptionValue" && call.Action == "save")
            {
                saved.Add(call.ParamsJson);
            }

            return null;
        };

        await _h.Recorder.EnsureReadyAsync();

        _h.Fake.Store.Rows("OptionValue").Where(o => (string?)o["name"] == "User Account Blocked").Should().ContainSingle().Which["is_active"].Should().Be(true);
        saved.Should().ContainSingle("only the switched-off type is written").Which.Should().Contain("User Account Blocked");
    }

    [Fact]
    public async Task A_page_of_activities_is_written_in_one_call_and_counted_per_contact_in_one_call()
    {
        await _h.Recorder.EnsureReadyAsync();
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var bea = _h.Fake.AddContact("Bea", "Costa", "bea@example.org");
        var now = DateTimeOffset.UtcNow;
        await _h.Recorder.RecordAsync(
        [
            new ActivityEntry(ana, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User ana.lima", "duplicate_username: taken", now),
            new ActivityEntry(ana, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User ana.lima", "again", now),
            new ActivityEntry(bea, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, "Created : bea.costa (5)", null, now),
            new ActivityEntry(bea, ActivityKind.PasswordReset, ActivityOutcomeStatus.Failed, "Failed to send password reset email to bea", "x", now),
        ]);

        _h.Fake.CallCount("Activity", "save").Should().Be(1);
        var activities = _h.Fake.Activities;
        activities.Should().HaveCount(4);
        activities[0].Should().Match<Skvare.CmsUser.Testing.CiviCrm.FakeActivity>(a => a.Type == "User Account Creation" && a.Status == "Failed" && a.Subject == "Failed to create User ana.lima" && a.Details == "duplicate_username: taken" && a.Targets.Single() == ana);
        activities[2].Status.Should().Be("Completed");

        var counts = await _h.Recorder.CountFailedAttemptsAsync([new AttemptCountRequest(ana, now.AddDays(-30)), new AttemptCountRequest(bea, now.AddDays(-30))], ActivityKind.AccountCreation);
        counts.Should().Equal(new Dictionary<long, int> { [ana] = 2 });
        _h.Fake.CallCount("ActivityContact", "get").Should().Be(1);

        var later = await _h.Recorder.CountFailedAttemptsAsync([new AttemptCountRequest(ana, now.AddMinutes(5))], ActivityKind.AccountCreation);
        later.Should().BeEmpty("failures before 'since' do not count");
    }

    [Fact]
    public async Task Links_are_created_accepted_repaired_or_refused_in_bulk()
    {
        var created = _h.Fake.AddContact("New", "Link", "new@example.org");
        var autoLinked = _h.Fake.AddContact("Auto", "Linked", "auto@example.org");
        var intended = _h.Fake.AddContact("Dupe", "Target", "dupe@example.org");
        var taken = _h.Fake.AddContact("Taken", "Contact", "taken@example.org");
        _h.Fake.LinkNewCmsUser(11, "auto@example.org").Should().Be(autoLinked, "the plugin links the contact with that email");
        _h.Fake.AddContact("Other", "Person", "other@example.org");
        _h.Fake.AddLink(taken, 40, "taken-old@example.org");
        // The CMS plugin made a duplicate contact for this user because the email was not found.
        var duplicate = _h.Fake.LinkNewCmsUser(12, "dupe-cms@example.org");
        duplicate.Should().NotBe(intended);

        var results = await _h.Links.EnsureLinksAsync(
        [
            new AccountLinkRequest(created, 10, "new@example.org"),
            new AccountLinkRequest(autoLinked, 11, "auto@example.org"),
            new AccountLinkRequest(intended, 12, "dupe-cms@example.org", AccountCreatedNow: true),
            new AccountLinkRequest(taken, 13, "taken@example.org"),
        ]);

        results.Select(r => r.Kind).Should().Equal(AccountLinkResultKind.Created, AccountLinkResultKind.AlreadyExisted, AccountLinkResultKind.Repaired, AccountLinkResultKind.Failed);
        results[2].PreviousContactId.Should().Be(duplicate);
        results[3].Error.Should().Contain("already linked to CMS user 40");
        _h.Fake.Links.Should().Contain((created, 10, "new@example.org", 1)).And.Contain((intended, 12, "dupe-cms@example.org", 1)).And.Contain((autoLinked, 11, "auto@example.org", 1));
        _h.Fake.Links.Should().NotContain(l => l.ContactId == duplicate);
        _h.Fake.CallCount("UFMatch", "save").Should().Be(1);
        _h.Fake.CallCount("UFMatch", "get").Should().Be(1);
    }

    [Fact]
    public async Task One_conflicting_link_does_not_lose_the_others()
    {
        var a = _h.Fake.AddContact("A", "A", "a@example.org");
        var b = _h.Fake.AddContact("B", "B", "b@example.org");
        var c = _h.Fake.AddContact("C", "C", "c@example.org");
        _h.Fake.AddLink(c, 99, "shared@example.org");

        var results = await _h.Links.EnsureLinksAsync(
        [
            new AccountLinkRequest(a, 1, "a@example.org"),
            new AccountLinkRequest(b, 2, "shared@example.org"),
        ]);

        results[0].Kind.Should().Be(AccountLinkResultKind.Created);
        results[1].Kind.Should().Be(AccountLinkResultKind.Failed);
        results[1].Error.Should().Contain("already exists");
        _h.Fake.Links.Should().Contain(l => l.ContactId == a && l.UfId == 1);
    }

    [Fact]
    public async Task Links_of_contacts_are_found_in_every_domain()
    {
        var a = _h.Fake.AddContact("A", "A", "a@example.org");
        _h.Fake.AddLink(a, 1, "a@example.org");
        _h.Fake.AddLink(a, 7, "a@example.org", domainId: 2);

        var links = await _h.Links.FindByContactsAsync([a]);

        links.Should().BeEquivalentTo([new AccountLink(a, 1, "a@example.org", true), new AccountLink(a, 7, "a@example.org", false)]);
    }
}
