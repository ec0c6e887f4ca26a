using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class CreatingAccountsTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Member_of_trigger_group_gets_an_account_a_link_an_activity_and_moves_to_history()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(1);
        var account = _h.Cms.Accounts.Should().ContainSingle().Subject;
        account.Username.Should().Be("ana.lima");
        account.Email.Should().Be("ana@example.org");
        account.Roles.Should().Equal("subscriber");
        _h.Civi.Links.Should().ContainSingle().Which.Should().Be(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        var activity = _h.Civi.Activities.Should().ContainSingle().Subject;
        activity.Status.Should().Be(ActivityOutcomeStatus.Completed);
        activity.Kind.Should().Be(ActivityKind.AccountCreation);
        activity.Subject.Should().Be($"Created : ana.lima ({account.Id})");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task Already_linked_contact_makes_no_cms_call_and_leaves_the_trigger()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, 7, "ana@example.org"));

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        _h.Cms.Calls.Keys.Should().Equal(["CheckCredentials"], "no call for the contact; a run that needed the CMS for no contact checks the credentials");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task Contact_linked_only_in_another_domain_is_linked_in_this_domain_with_the_same_user()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, 42, "ana@example.org", IsCurrentDomain: false));

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Linked).Should().Be(1);
        _h.Cms.Calls.Should().NotContainKey("Create");
        _h.Civi.Links.Should().Contain(new AccountLink(ana.Id, 42, "ana@example.org", IsCurrentDomain: true));
    }

    [Theory]
    [InlineData(null, false, "no_email")]
    [InlineData("ana@example.org", true, "email_on_hold")]
    [InlineData("not an email", false, "invalid_email")]
    [InlineData("ana@localhost", false, "invalid_email")]
    public async Task Contact_without_usable_email_gives_up_at_once_with_a_failed_activity(string? email, bool onHold, string code)
    {
        var ana = _h.Member("Ana", "Lima", email, c => c with { EmailOnHold = onHold });

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.GaveUp).Should().Be(1);
        summary.Failures.Single().Error!.Code.Should().Be(code);
        _h.Cms.Accounts.Should().BeEmpty();
        var activity = _h.Civi.Activities.Should().ContainSingle().Subject;
        activity.Status.Should().Be(ActivityOutcomeStatus.Failed);
        activity.Subject.Should().Be("Failed to create User Ana Lima");
        activity.Details.Should().StartWith(code).And.EndWith("No more attempts (this was attempt 1): the contact leaves the trigger and is not tried again until it is added to it again.");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().BeNull("gave-up contacts get no history");
    }

    [Fact]
    public async Task Existing_account_with_the_same_email_is_linked_instead_of_created()
    {
        var existing = _h.Cms.AddAccount("ana", "ANA@example.org");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Linked).Should().Be(1);
        _h.Cms.Accounts.Should().ContainSingle();
        _h.Civi.Links.Should().ContainSingle().Which.CmsUserId.Should().Be(existing.Id);
        _h.Civi.Activities.Single().Subject.Should().Be($"Linked : ana ({existing.Id})");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task Existing_email_fails_when_linking_existing_accounts_is_off()
    {
        _h.Configure = o => o.LinkExistingAccounts = false;
        _h.Cms.AddAccount("ana", "ana@example.org");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Failed).Should().Be(1);
        summary.Failures.Single().Error!.Code.Should().Be(CmsUserErrorCodes.DuplicateEmail);
        _h.Civi.Links.Should().BeEmpty();
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added", "a failure below the attempt limit stays in the trigger");
    }

    [Fact]
    public async Task Taken_username_gets_a_numbered_suffix()
    {
        _h.Cms.AddAccount("ana.lima", "other@example.org");
        _h.Cms.AddAccount("ana.lima2", "other2@example.org");
        _h.Member("Ana", "Lima", "ana@example.org");

        await _h.Provisioner.RunOnceAsync();

        _h.Cms.Accounts.Should().Contain(a => a.Email == "ana@example.org").Which.Username.Should().Be("ana.lima3");
    }

    [Fact]
    public async Task Taken_username_fails_when_numbering_is_off()
    {
        _h.Configure = o => o.NumberTakenUsernames = false;
        _h.Cms.AddAccount("ana.lima", "other@example.org");
        _h.Member("Ana", "Lima", "ana@example.org");

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Error!.Code.Should().Be(CmsUserErrorCodes.DuplicateUsername);
        _h.Cms.Accounts.Should().HaveCount(1);
    }

    [Fact]
    public async Task Username_taken_between_check_and_create_moves_on_to_the_next_number()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        var first = true;
        _h.Cms.BeforeCreate = account =>
        {
            if (first)
            {
                first = false;
                _h.Cms.AddAccount(account.Username, "racer@example.org");
            }

            return Task.CompletedTask;
        };

        await _h.Provisioner.RunOnceAsync();

        _h.Cms.Accounts.Should().Contain(a => a.Email == "ana@example.org").Which.Username.Should().Be("ana.lima2");
    }

    [Fact]
    public async Task Accented_and_odd_names_become_valid_usernames_and_empty_names_use_the_fallback()
    {
        var joao = _h.Member("João", "Müller-Løvås", "joao@example.org");
        var nameless = _h.Member(null, null, "nameless@example.org");
        var symbols = _h.Member("!!!", "???", "symbols@example.org");

        await _h.Provisioner.RunOnceAsync();

        _h.Cms.Accounts.Single(a => a.Email == "joao@example.org").Username.Should().Be("joao.muller-lovas");
        _h.Cms.Accounts.Single(a => a.Email == "nameless@example.org").Username.Should().Be($"user{nameless.Id}");
        _h.Cms.Accounts.Single(a => a.Email == "symbols@example.org").Username.Should().Be($"user{symbols.Id}");
        _ = joao;
    }

    [Fact]
    public async Task Account_carries_names_mapped_language_fields_notify_and_no_password_when_the_cms_can_send_one()
    {
        _h.Configure = o =>
        {
            o.Notify = true;
            o.LanguageMap["pt_BR"] = "pt-br";
            o.FieldMappings["field_first_name"] = "{contact.first_name}";
            o.FieldMappings["civicrm_id"] = "{contact.contact_id}";
        };
        var ana = _h.Member("Ana", "Lima", "ana@example.org", c => c with { PreferredLanguage = "pt_BR" });

        await _h.Provisioner.RunOnceAsync();

        var account = _h.Cms.Accounts.Single();
        account.FirstName.Should().Be("Ana");
        account.LastName.Should().Be("Lima");
        account.Language.Should().Be("pt-br");
        account.Fields.Should().Contain("field_first_name", "Ana").And.Contain("civicrm_id", ana.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        account.HasPassword.Should().BeFalse();
        account.ContactId.Should().Be(ana.Id);
        _h.Cms.Mails.Should().Equal("notify:ana@example.org");
    }

    [Fact]
    public async Task A_strong_password_is_generated_when_the_cms_needs_one()
    {
        using var h = new EngineHarness(new FakeCmsAccountProvider(CmsCapabilities.None));
        h.Member("Ana", "Lima", "ana@example.org");
        NewCmsAccount? sent = null;
        h.Cms.BeforeCreate = a => { sent = a; return Task.CompletedTask; };

        await h.Provisioner.RunOnceAsync();

        sent!.Password.Should().NotBeNull().And.HaveLength(24);
        sent.Password.Should().MatchRegex("[a-z]").And.MatchRegex("[A-Z]").And.MatchRegex("[0-9]").And.NotContain("\\");
        sent.ToString().Should().NotContain(sent.Password!).And.Contain("Password = ***");
        h.Logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(sent.Password!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Roles_are_added_to_existing_accounts_only_when_the_rule_asks()
    {
        _h.Configure = o =>
        {
            o.Rules.Clear();
            var rule = EngineHarness.GroupRule("member");
            rule.SyncRolesOfExistingAccounts = true;
            o.Rules.Add(rule);
        };
        var existing = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        _h.Member("Ana", "Lima", "ana@example.org");

        await _h.Provisioner.RunOnceAsync();

        existing.Roles.Should().BeEquivalentTo("subscriber", "member");
    }

    [Fact]
    public async Task Tag_rule_removes_the_tag_and_adds_the_history_tag()
    {
        _h.Configure = o =>
        {
            o.Rules.Clear();
            o.Rules.Add(new ProvisioningRule { Name = "tagged", Trigger = TriggerDefinition.Tag("needs_login"), History = TriggerDefinition.Tag("has_login") });
        };
        var ana = _h.Civi.AddContact("Ana", "Lima", "ana@example.org");
        _h.Civi.AddTag("needs_login", ana.Id);

        await _h.Provisioner.RunOnceAsync();

        _h.Civi.HasTag("needs_login", ana.Id).Should().BeFalse();
        _h.Civi.HasTag("has_login", ana.Id).Should().BeTrue();
        _h.Cms.Accounts.Should().ContainSingle();
    }

    [Fact]
    public async Task Rule_username_pattern_overrides_the_default_pattern()
    {
        _h.Configure = o => o.Rules[0].UsernamePattern = "{contact.first_name}_{contact.contact_id}";
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        await _h.Provisioner.RunOnceAsync();

        _h.Cms.Accounts.Single().Username.Should().Be($"ana_{ana.Id}");
    }
}
