using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Testing.Tests.InMemory;

/// <summary>
/// The in-memory kit's look-ups go through indexes (by id, username, email, CMS user, per-contact chains):
/// they answer as the real systems do (case-insensitive usernames and emails), keep answering after the
/// indexes grow, and see updates and removals.
/// </summary>
public sealed class InMemoryKitIndexTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 30, 0, TimeSpan.FromHours(-5));

    [Fact]
    public async Task Cms_finds_accounts_by_email_and_username_ignoring_case()
    {
        var cms = new FakeCmsAccountProvider();
        var ana = cms.AddAccount("Ana.Lima", "Ana.Lima@Example.ORG", "subscriber");
        var created = await cms.CreateAsync(new NewCmsAccount { Username = "joao", Email = "joao@example.org" });

        (await cms.FindByEmailAsync("ana.lima@example.org"))!.UserId.Should().Be(ana.Id);
        (await cms.FindByEmailAsync("ANA.LIMA@EXAMPLE.ORG"))!.Username.Should().Be("Ana.Lima");
        (await cms.FindByUsernameAsync("ana.lima"))!.Email.Should().Be("Ana.Lima@Example.ORG");
        (await cms.FindByUsernameAsync("JOAO"))!.UserId.Should().Be(created.UserId);
        (await cms.FindByEmailAsync("Joao@Example.org"))!.UserId.Should().Be(created.UserId);
        (await cms.GetByIdAsync(created.UserId))!.Username.Should().Be("joao");
        (await cms.FindByEmailAsync("ana@example.org")).Should().BeNull();
        (await cms.FindByUsernameAsync("ana")).Should().BeNull();
        (await cms.GetByIdAsync(created.UserId + 1)).Should().BeNull();
        (await cms.GetByIdAsync(1)).Should().BeNull();
    }

    [Fact]
    public async Task Cms_refuses_a_create_whose_username_or_email_differs_only_in_case()
    {
        var cms = new FakeCmsAccountProvider();
        cms.AddAccount("ana", "ana@example.org");

        var byName = () => cms.CreateAsync(new NewCmsAccount { Username = "ANA", Email = "other@example.org" });
        var byEmail = () => cms.CreateAsync(new NewCmsAccount { Username = "other", Email = "Ana@Example.Org" });

        (await byName.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        (await byEmail.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
        cms.Accounts.Should().ContainSingle();
    }

    [Fact]
    public async Task Cms_keeps_the_first_account_of_a_duplicate_added_by_hand_for_look_ups()
    {
        var cms = new FakeCmsAccountProvider();
        var first = cms.AddAccount("ana", "ana@example.org");
        cms.AddAccount("Ana", "ANA@example.org");

        (await cms.FindByUsernameAsync("ana"))!.UserId.Should().Be(first.Id);
        (await cms.FindByEmailAsync("ana@example.org"))!.UserId.Should().Be(first.Id);
        cms.Accounts.Should().HaveCount(2);
    }

    [Fact]
    public async Task Cms_look_ups_see_blocks_and_roles_and_stay_right_while_the_indexes_grow()
    {
        var cms = new FakeCmsAccountProvider();
        var ids = new List<long>();
        for (var i = 0; i < 3_000; i++)
        {
            ids.Add((await cms.CreateAsync(new NewCmsAccount { Username = $"user{i}", Email = $"User{i}@Example.org" })).UserId);
        }

        var some = (await cms.FindByEmailAsync("user1234@example.org"))!;
        await cms.BlockAsync(some);
        await cms.AddRolesAsync(some, ["editor"]);

        (await cms.FindByUsernameAsync("USER1234"))!.Should().Match<CmsAccount>(a => a.IsActive == false && a.Roles.Contains("editor"));
        for (var i = 0; i < 3_000; i += 7)
        {
            (await cms.FindByEmailAsync($"user{i}@example.org"))!.UserId.Should().Be(ids[i]);
            (await cms.FindByUsernameAsync($"User{i}"))!.UserId.Should().Be(ids[i]);
            (await cms.GetByIdAsync(ids[i]))!.Username.Should().Be($"user{i}");
        }

        cms.Accounts.Select(a => a.Id).Should().Equal(ids);
    }

    [Fact]
    public async Task Civi_reads_pending_contacts_in_pages_by_id_once_each()
    {
        var civi = new FakeCiviCrm();
        var ids = Enumerable.Range(0, 2_500).Select(i => civi.AddContact("P", "N" + i, $"p{i}@example.org").Id).ToArray();
        civi.AddToGroup("members", ids.Where(id => id % 3 != 0).ToArray());
        var source = civi.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var read = new List<long>();
        await foreach (var page in source.ReadPendingAsync(100, timeout.Token))
        {
            page.Count.Should().BeLessThanOrEqualTo(100);
            read.AddRange(page.Select(c => c.Id));
        }

        read.Should().Equal(ids.Where(id => id % 3 != 0));
        await source.AcknowledgeAsync(read.Select(id => new TriggerAcknowledgement(id, TriggerDisposition.Completed)).ToArray(), timeout.Token);
        (await source.FindPendingAsync(ids[1], timeout.Token)).Should().BeNull();
        civi.GroupStatus("members", ids[1]).Should().Be("Removed");
        civi.GroupStatus("MEMBERS", ids[2]).Should().BeNull();
    }

    [Fact]
    public async Task Civi_contacts_come_back_as_added_with_their_links()
    {
        var civi = new FakeCiviCrm();
        var plain = civi.AddContact("Ana", "Lima", "ana@example.org");
        var onlyEmail = civi.AddContact(null, "", "x@example.org");
        var configured = civi.AddContact("Rui", null, "rui@example.org", c => c with { EmailOnHold = true, PreferredLanguage = "pt_PT" });
        civi.AddLink(new AccountLink(plain.Id, 77, "ana@example.org"));
        civi.AddLink(new AccountLink(plain.Id, 78, "ana@example.org", IsCurrentDomain: false));

        var found = await civi.GetContactsAsync([configured.Id, 999, plain.Id, plain.Id, onlyEmail.Id], []);

        found.Select(c => c.Id).Should().Equal(configured.Id, plain.Id, plain.Id, onlyEmail.Id);
        found[0].Should().BeEquivalentTo(configured);
        found[1].Should().BeEquivalentTo(plain with { Links = [new AccountLink(plain.Id, 77, "ana@example.org"), new AccountLink(plain.Id, 78, "ana@example.org", false)] });
        found[1].DisplayName.Should().Be("Ana Lima");
        found[3].DisplayName.Should().Be("x@example.org");
    }

    [Fact]
    public async Task Civi_keeps_a_contact_whose_id_the_configure_step_changed_under_that_id()
    {
        var civi = new FakeCiviCrm();
        var first = civi.AddContact("A", "One", "a@example.org");
        var moved = civi.AddContact("B", "Two", "b@example.org", c => c with { Id = 500 });
        var third = civi.AddContact("C", "Three", "c@example.org");
        civi.AddToGroup("g", first.Id, 2, moved.Id, third.Id);
        var source = civi.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("g") });

        (await civi.GetContactsAsync([2, 500], [])).Select(c => c.Email).Should().Equal("b@example.org");
        var read = new List<long>();
        await foreach (var page in source.ReadPendingAsync(2))
        {
            read.AddRange(page.Select(c => c.Id));
        }

        read.Should().Equal(first.Id, third.Id, 500);
    }

    [Fact]
    public async Task Civi_saved_searches_see_the_contact_as_added_and_skip_linked_contacts()
    {
        var civi = new FakeCiviCrm();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var rui = civi.AddContact("Rui", "Sá", "rui@example.org", c => c with { PreferredLanguage = "pt_PT" });
        var eva = civi.AddContact("Eva", "Ono", "eva@example.net");
        civi.AddLink(new AccountLink(ana.Id, 9, "ana@example.org"));
        var seen = new List<Contact>();
        civi.AddSavedSearch("org", c =>
        {
            seen.Add(c);
            return c.Email!.EndsWith("@example.org", StringComparison.Ordinal);
        });
        var source = civi.Create(new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch("org") });

        var read = new List<Contact>();
        await foreach (var page in source.ReadPendingAsync(10))
        {
            read.AddRange(page);
        }

        read.Select(c => c.Id).Should().Equal(rui.Id);
        read.Single().PreferredLanguage.Should().Be("pt_PT");
        seen.Select(c => c.Id).Should().Equal(ana.Id, rui.Id, eva.Id);
        seen.Should().OnlyContain(c => c.Links.Count == 0);
        (await source.FindPendingAsync(ana.Id)).Should().BeNull();
        (await source.FindPendingAsync(eva.Id)).Should().BeNull();
    }

    [Fact]
    public async Task Civi_link_look_ups_follow_a_repaired_link_to_its_new_contact()
    {
        var civi = new FakeCiviCrm();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var dup = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddLink(new AccountLink(dup.Id, 50, "ana@example.org"));

        var results = await civi.EnsureLinksAsync([new AccountLinkRequest(ana.Id, 50, "ana@example.org", AccountCreatedNow: true)]);

        results.Single().Kind.Should().Be(AccountLinkResultKind.Repaired);
        results.Single().PreviousContactId.Should().Be(dup.Id);
        (await civi.FindByContactsAsync([dup.Id])).Should().BeEmpty();
        (await civi.FindByContactsAsync([ana.Id, ana.Id])).Should().Equal(new AccountLink(ana.Id, 50, "ana@example.org"));
        civi.Links.Should().Equal(new AccountLink(ana.Id, 50, "ana@example.org"));
        (await civi.EnsureLinksAsync([new AccountLinkRequest(ana.Id, 50, "ana@example.org")])).Single().Kind.Should().Be(AccountLinkResultKind.AlreadyExisted);
        (await civi.EnsureLinksAsync([new AccountLinkRequest(dup.Id, 50, "ana@example.org")])).Single().Kind.Should().Be(AccountLinkResultKind.HeldByOtherContact);
    }

    [Fact]
    public async Task Civi_activity_look_ups_see_completions_and_discards()
    {
        var civi = new FakeCiviCrm();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User ana", "HTTP 503", At));
        var open = (await civi.OpenAsync([
            new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", "In progress.", At),
            new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana Lima", "In progress.", At),
        ]))!;

        await civi.RecordAsync([new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, "Created : a (7)", null, At) { Id = open[0] }]);
        await civi.DiscardAsync([open[1], open[0], 999]);

        var audits = await civi.FindAuditsAsync([ana.Id], ActivityKind.AccountCreation);
        audits.Should().Equal(new AuditRecord(open[0], ana.Id, ActivityOutcomeStatus.Completed, "Created : a (7)") { OccurredAt = At });
        (await civi.CountFailedAttemptsAsync([new AttemptCountRequest(ana.Id, At)], ActivityKind.AccountCreation))[ana.Id].Should().Be(1);
        (await civi.CountFailedAttemptsAsync([new AttemptCountRequest(ana.Id, At.AddTicks(1))], ActivityKind.AccountCreation))[ana.Id].Should().Be(0);
        civi.Activities.Select(a => (a.Id, a.Status)).Should().Equal((1L, ActivityOutcomeStatus.Failed), (open[0], ActivityOutcomeStatus.Completed));
        civi.Activities[0].OccurredAt.Offset.Should().Be(TimeSpan.FromHours(-5));

        // A discarded record is gone: completing it writes a new one.
        await civi.RecordAsync([new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, "Created : a (7)", null, At) { Id = open[1] }]);
        civi.Activities.Select(a => a.Id).Should().Equal(1L, open[0], open[1] + 1);
    }

    [Fact]
    public async Task Civi_refuses_an_activity_kind_it_cannot_store_and_keeps_what_it_has()
    {
        var civi = new FakeCiviCrm();
        var good = new ActivityEntry(1, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : Ana", null, At);
        var open = (await civi.OpenAsync([good]))!;

        civi.Invoking(c => c.AddActivity(good with { Kind = (ActivityKind)300 })).Should().Throw<ArgumentOutOfRangeException>();
        await civi.Invoking(c => c.RecordAsync([good with { Id = open[0], Status = (ActivityOutcomeStatus)(-1) }])).Should().ThrowAsync<ArgumentOutOfRangeException>();

        civi.Activities.Should().Equal(good with { Id = open[0] });
    }

    [Theory]
    [InlineData("Created : ana.lima (12)")]
    [InlineData("Créé : joão (5)")]
    [InlineData("Создан : иван (9)")]
    [InlineData("Created : 🙂 (3)")]
    [InlineData("")]
    public async Task Civi_keeps_any_subject_exactly_also_when_a_completion_rewrites_it(string subject)
    {
        var civi = new FakeCiviCrm();
        var longer = subject + " and more " + new string('x', 5_000);
        var open = (await civi.OpenAsync([new ActivityEntry(1, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, subject, null, At)]))!;
        civi.Activities.Single().Subject.Should().Be(subject);

        await civi.RecordAsync([new ActivityEntry(1, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, longer, null, At) { Id = open[0] }]);
        civi.Activities.Single().Subject.Should().Be(longer);

        await civi.RecordAsync([new ActivityEntry(1, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, subject, null, At) { Id = open[0] }]);
        (await civi.FindAuditsAsync([1], ActivityKind.AccountCreation)).Single().Subject.Should().Be(subject);
    }
}
