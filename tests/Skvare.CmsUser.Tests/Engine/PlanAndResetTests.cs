using CsCheck;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class PlanAndResetTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<List<PlanEntry>> PlanAsync()
    {
        var plan = new List<PlanEntry>();
        await foreach (var entry in _h.Provisioner.PlanAsync())
        {
            plan.Add(entry);
        }

        return plan;
    }

    [Fact]
    public async Task Dry_run_reports_what_each_contact_would_get_and_writes_nothing()
    {
        var linked = _h.Member("Lin", "Ked", "linked@example.org");
        _h.Civi.AddLink(new AccountLink(linked.Id, 5, "linked@example.org"));
        var noEmail = _h.Member("No", "Email", null);
        var fresh = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana.lima", "someone@example.org");
        var existing = _h.Cms.AddAccount("bea", "bea@example.org");
        var bea = _h.Member("Bea", "Costa", "bea@example.org");

        var plan = await PlanAsync();

        plan.Should().HaveCount(4);
        plan.Single(p => p.ContactId == linked.Id).Action.Should().Be(PlannedAction.AlreadyLinked);
        plan.Single(p => p.ContactId == noEmail.Id).Action.Should().Be(PlannedAction.GiveUp);
        var create = plan.Single(p => p.ContactId == fresh.Id);
        create.Action.Should().Be(PlannedAction.Create);
        create.Username.Should().Be("ana.lima2");
        create.Conflict.Should().Contain("ana.lima");
        plan.Single(p => p.ContactId == bea.Id).Should().Match<PlanEntry>(p => p.Action == PlannedAction.LinkExisting && p.CmsUserId == existing.Id);

        _h.Cms.Accounts.Should().HaveCount(2);
        _h.Cms.Calls.Keys.Should().NotContain(["Create", "AddRoles", "SendPasswordReset", "Block"]);
        _h.Civi.Activities.Should().BeEmpty();
        _h.Civi.Links.Should().ContainSingle();
        _h.Civi.Calls.Keys.Should().NotContain(["RecordActivities", "EnsureLinks", "Acknowledge"]);
        _h.Civi.GroupStatus(EngineHarness.Trigger, fresh.Id).Should().Be("Added");
    }

    [Theory]
    [InlineData("王", "芳")]
    [InlineData("محمد", "علي")]
    [InlineData("😀", "🎉")]
    public async Task Plan_says_why_a_name_without_latin_letters_gets_the_fallback_username(string first, string last)
    {
        // Regression (trial10, real CiviCRM 6.17.2): a contact named only in Chinese was planned as user4457 with no note.
        var contact = _h.Member(first, last, "someone@example.org");
        var latin = _h.Member("Ana", "Lima", "ana@example.org");

        var plan = await PlanAsync();

        var entry = plan.Single(p => p.ContactId == contact.Id);
        entry.Should().Match<PlanEntry>(p => p.Action == PlannedAction.Create && p.Username == $"user{contact.Id}");
        entry.Conflict.Should().Be(
            "The username pattern {contact.first_name}.{contact.last_name} gives this contact no characters a username can keep (letters outside the Latin alphabet, "
            + "and emoji, are left out), so the username comes from FallbackUsernamePattern (user{contact.contact_id}). To choose another, change UsernamePattern or FallbackUsernamePattern.");
        plan.Single(p => p.ContactId == latin.Id).Conflict.Should().BeNull("the pattern gave Ana her username");
    }

    [Theory]
    [InlineData("王")]
    [InlineData("علي")]
    [InlineData("כהן")]
    [InlineData("🎉")]
    public async Task A_pattern_whose_tokens_keep_nothing_gives_the_fallback_not_its_own_text(string last)
    {
        // Regression (trial17, real CiviCRM 6.17.2): with member-{contact.last_name}, contacts named in Chinese, Arabic and
        // Hebrew were planned and created as member, member2 and member3, with no note.
        _h.Configure = o => o.UsernamePattern = "member-{contact.last_name}";
        var contact = _h.Member("小明", last, "someone@example.org");
        var latin = _h.Member("Ana", "Lima", "ana@example.org");

        var plan = await PlanAsync();

        var entry = plan.Single(p => p.ContactId == contact.Id);
        entry.Should().Match<PlanEntry>(p => p.Action == PlannedAction.Create && p.Username == $"user{contact.Id}");
        entry.Conflict.Should().Be(
            "The username pattern member-{contact.last_name} gives this contact only its own text ('member'), the same for every such contact: its tokens keep "
            + "no character (letters outside the Latin alphabet, and emoji, are left out), so the username comes from FallbackUsernamePattern (user{contact.contact_id}). "
            + "To choose another, change UsernamePattern or FallbackUsernamePattern.");
        plan.Single(p => p.ContactId == latin.Id).Should().Match<PlanEntry>(p => p.Username == "member-lima" && p.Conflict == null);

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(2);
        _h.Cms.Accounts.Select(a => a.Username).Should().BeEquivalentTo([$"user{contact.Id}", "member-lima"]);
    }

    [Fact]
    public async Task A_pattern_without_tokens_keeps_its_text_for_every_contact()
    {
        // A pattern of text only is the site's own choice of one name (numbered): only tokens that keep nothing fall back.
        _h.Configure = o => o.UsernamePattern = "member";
        var first = _h.Member("王", "芳", "one@example.org");
        var second = _h.Member("Ana", "Lima", "two@example.org");

        var plan = await PlanAsync();

        plan.Single(p => p.ContactId == first.Id).Username.Should().Be("member");
        plan.Single(p => p.ContactId == second.Id).Username.Should().Be("member2");
    }

    [Fact]
    public async Task Plan_names_the_empty_token_the_rules_own_pattern_and_a_taken_fallback()
    {
        _h.Configure = o =>
        {
            o.Rules[0].UsernamePattern = "{contact.nick_name}";
            o.FallbackUsernamePattern = "member{contact.contact_id}";
        };
        var contact = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount($"member{contact.Id}", "other@example.org");

        var plan = await PlanAsync();

        plan.Should().ContainSingle().Which.Should().Match<PlanEntry>(p => p.Action == PlannedAction.Create && p.Username == $"member{contact.Id}2");
        plan[0].Conflict.Should().Be(
            "The username pattern {contact.nick_name} has no value for {contact.nick_name} for this contact, so the username comes from FallbackUsernamePattern "
            + $"(member{{contact.contact_id}}). To choose another, change the UsernamePattern of rule members or FallbackUsernamePattern. The username 'member{contact.Id}' is taken; using 'member{contact.Id}2'.");
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_notes_the_fallback_exactly_for_names_that_give_no_username()
    {
        // Names from scripts the built-in Latin table does not fold (CJK, Arabic, Cyrillic, Greek, kana) and emoji give nothing;
        // three ASCII letters or digits in either part give the pattern's username, with no note. An empty part sends the
        // contact to the fallback too (a token without a value).
        var foreign = Gen.OneOf("王", "芳", "李", "明", "م", "ح", "د", "ع", "ل", "ي", "Д", "м", "и", "т", "Α", "λ", "έ", "ξ", "あ", "い", "😀", "🎉", "🚀", " ");
        var run = Gen.Select(foreign.Array[0, 6], a => string.Concat(a));
        // Three Latin characters: a username's shortest length is met by either part alone.
        var part = Gen.Select(run, Gen.Bool, Gen.String[Gen.Char["abcXYZ019"], 3, 3], run, (before, mixed, latin, after) => mixed ? before + latin + after : before + after);
        // With text of its own in the pattern, tokens that keep nothing give the fallback too, not the bare text (trial17).
        var pattern = Gen.OneOf(Gen.Const("{contact.first_name}.{contact.last_name}"), Gen.Const("member-{contact.first_name}.{contact.last_name}"));
        await Gen.Select(part, part, pattern).SampleAsync(async (first, last, usernamePattern) =>
        {
            using var h = new EngineHarness { Configure = o => o.UsernamePattern = usernamePattern };
            var contact = h.Member(first, last, "someone@example.org");
            var plan = new List<PlanEntry>();
            await foreach (var entry in h.Provisioner.PlanAsync())
            {
                plan.Add(entry);
            }

            var planned = plan.Should().ContainSingle().Subject;
            var givesNothing = string.IsNullOrWhiteSpace(first) || string.IsNullOrWhiteSpace(last)
                || (!first.Any(char.IsAsciiLetterOrDigit) && !last.Any(char.IsAsciiLetterOrDigit));
            planned.Action.Should().Be(PlannedAction.Create);
            if (givesNothing)
            {
                planned.Username.Should().Be($"user{contact.Id}");
                planned.Conflict.Should().Contain("so the username comes from FallbackUsernamePattern (user{contact.contact_id})");
            }
            else
            {
                planned.Username.Should().NotStartWith("user", "the pattern gave a username").And.NotBeNullOrEmpty().And.NotBe("member");
                planned.Conflict.Should().BeNull();
            }
        }, iter: 60);
    }

    [Fact]
    public async Task Plan_of_an_already_linked_contact_names_the_roles_a_run_syncs_without_asking_the_cms()
    {
        // Regression (admin trial): the plan said only "Already linked" although the run would add the rule's roles.
        _h.Configure = o =>
        {
            o.Rules.Clear();
            var rule = EngineHarness.GroupRule("member");
            rule.SyncRolesOfExistingAccounts = true;
            o.Rules.Add(rule);
        };
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));

        var plan = await PlanAsync();

        var linked = plan.Should().ContainSingle().Subject;
        linked.Action.Should().Be(PlannedAction.AlreadyLinked);
        linked.Conflict.Should().Be($"Linked to CMS user {account.Id} (stored name ana@example.org). A run gives the account the rule's roles (SyncRolesOfExistingAccounts): member; roles it already has stay, and none are taken away.");
        _h.Cms.Calls.Keys.Should().NotContain(["AddRoles", "GetById", "FindByEmail", "FindByUsername"], "the plan reads no account per contact");
        account.Roles.Should().Equal("subscriber");

        await _h.Provisioner.RunOnceAsync();
        account.Roles.Should().BeEquivalentTo(["subscriber", "member"], "the run does what the plan said");
    }

    [Fact]
    public async Task Plan_of_an_already_linked_contact_says_nothing_of_roles_when_the_rule_does_not_sync_them()
    {
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));

        var plan = await PlanAsync();

        plan.Should().ContainSingle().Which.Conflict.Should().Be($"Linked to CMS user {account.Id} (stored name ana@example.org).");
    }

    [Fact]
    public async Task Reset_campaign_asks_the_cms_to_mail_linked_contacts_and_removes_them_from_the_reset_group()
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        var account = _h.Cms.AddAccount("ana", "ana@example.org");
        var ana = _h.Civi.AddContact("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        var bea = _h.Civi.AddContact("Bea", "Costa", "bea@example.org");
        _h.Civi.AddToGroup("reset", ana.Id, bea.Id);

        var summary = await _h.Provisioner.ResetPasswordsAsync();

        _h.Cms.Mails.Should().Equal("reset:ana@example.org");
        _h.Civi.GroupStatus("reset", ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus("reset", bea.Id).Should().Be("Added", "a failed reset stays for the next run");
        var activities = _h.Civi.Activities;
        activities.Should().HaveCount(2).And.OnlyContain(a => a.Kind == ActivityKind.PasswordReset);
        activities.Single(a => a.ContactId == ana.Id).Status.Should().Be(ActivityOutcomeStatus.Completed);
        activities.Single(a => a.ContactId == bea.Id).Details.Should().StartWith("no_linked_account");
        summary.Count(OutcomeKind.Failed).Should().Be(1);
    }

    [Fact]
    public async Task A_reset_reports_no_username_rather_than_the_email_its_link_stores()
    {
        // Found in trial13: the reset table's Username column showed the link's uf_name, the account's email.
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        var account = _h.Cms.AddAccount("ana.lima", "ana@example.org");
        var ana = _h.Civi.AddContact("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        _h.Civi.AddToGroup("reset", ana.Id);

        var outcomes = new List<ProvisioningOutcome>();
        await _h.Provisioner.ResetPasswordsAsync(new ResetProgress(p => outcomes.Add(p.Last)));

        var sent = outcomes.Should().ContainSingle().Subject;
        sent.Kind.Should().Be(OutcomeKind.Linked);
        sent.CmsUserId.Should().Be(account.Id);
        sent.Username.Should().BeNull("a reset reads no account: the link stores the email, which is not the username");
        _h.Civi.Activities.Should().ContainSingle().Which.Subject.Should().Contain("ana@example.org", "the audit subject still names the account by its stored name");
    }

    [Fact]
    public async Task Reset_failures_of_a_contact_do_not_count_against_account_creation()
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        for (var i = 0; i < 3; i++)
        {
            _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.PasswordReset, ActivityOutcomeStatus.Failed, "x", "y", _h.Time.GetUtcNow()));
        }

        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent());
        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Attempt.Should().Be(1);
    }
}

file sealed class ResetProgress(Action<ProvisioningProgress> report) : IProgress<ProvisioningProgress>
{
    public void Report(ProvisioningProgress value) => report(value);
}
