using System.Text.Json;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class CreateTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Create_with_password_stores_the_account_and_sends_no_mail()
    {
        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Password = "S3cret-pass!", Roles = ["editor"] });

        var stored = _host.Server.FindUser(created.UserId);
        stored.Should().NotBeNull();
        stored!.Username.Should().Be("jdoe");
        stored.Email.Should().Be("jdoe@example.org");
        stored.Active.Should().BeTrue();
        stored.Roles.Should().Equal("editor");
        stored.PasswordMatches("S3cret-pass!").Should().BeTrue();
        _host.Server.Mails.Should().BeEmpty();
        created.Should().BeEquivalentTo(new CmsAccount(stored.Id, "jdoe", "jdoe@example.org") { IsActive = true, Roles = ["editor"], Notification = CmsNotification.NotRequested });

        using var body = JsonDocument.Parse(_host.Server.Requests.Single(r => r.Method == "POST").Body!);
        body.RootElement.GetProperty("notify").GetString().Should().Be("none");
        body.RootElement.GetProperty("status").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Create_without_password_and_with_notify_sends_the_admin_created_mail()
    {
        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Notify = true });

        _host.Server.FindUser(created.UserId)!.HasPassword.Should().BeFalse();
        _host.Server.Mails.Should().Equal(new Testing.Backdrop.FakeBackdropMail(created.UserId, "jdoe@example.org", "register_admin_created"));
        using var body = JsonDocument.Parse(_host.Server.Requests.Single(r => r.Method == "POST").Body!);
        body.RootElement.TryGetProperty("pass", out _).Should().BeFalse();
        body.RootElement.GetProperty("notify").GetString().Should().Be("register_admin_created");
    }

    [Fact]
    public async Task Inactive_account_is_created_blocked()
    {
        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Active = false });

        created.IsActive.Should().BeFalse();
        _host.Server.FindUser(created.UserId)!.Active.Should().BeFalse();
    }

    [Fact]
    public async Task Backdrop_username_characters_are_accepted()
    {
        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount("o'brien+test.x-y"));

        _host.Server.FindUser(created.UserId)!.Username.Should().Be("o'brien+test.x-y");
    }

    [Theory]
    [InlineData("de_DE", "de")]
    [InlineData("pt_BR", "pt-br")]
    [InlineData("zh_TW", "zh-hant")]
    [InlineData("fr", "fr")]
    public async Task CiviCRM_locale_is_sent_as_Backdrop_language(string locale, string expected)
    {
        _host.Server.AddLanguage(expected);

        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Language = locale });

        _host.Server.FindUser(created.UserId)!.Language.Should().Be(expected);
    }

    [Fact]
    public async Task Added_but_disabled_language_is_UnknownLanguage_as_module_1_1_refuses_it()
    {
        _host.Server.AddLanguage("fr", enabled: false);

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Language = "fr_FR" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.ErrorCode.Should().Be("invalid_field");
        ex.Reason.Should().Be(CmsErrorReason.UnknownLanguage, "the engine creates the account again without the language");
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Fact]
    public async Task Missing_language_is_UnknownLanguage_and_creates_nothing()
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Language = "de_DE" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownLanguage);
        ex.ErrorCode.Should().Be("invalid_field");
        ex.Message.Should().Contain("language");
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Fact]
    public async Task Extra_fields_are_stored_on_the_account()
    {
        _host.Server.AddUserField("field_first_name");

        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with
        {
            Fields = new Dictionary<string, string> { ["field_first_name"] = "Jane" },
        });

        _host.Server.FindUser(created.UserId)!.Fields.Should().Equal(new Dictionary<string, string> { ["field_first_name"] = "Jane" });
    }

    [Fact]
    public async Task Unknown_field_is_InvalidData_naming_the_field()
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with
        {
            Fields = new Dictionary<string, string> { ["field_nope"] = "x" },
        });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidData);
        ex.StatusCode.Should().Be(422);
        ex.Message.Should().Contain("field_nope");
    }

    [Fact]
    public async Task Duplicate_username_is_reported_as_DuplicateUsername_ignoring_case()
    {
        _host.Server.AddUser("JDoe", "other@example.org");

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount());

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        ex.ErrorCode.Should().Be("duplicate_name");
        ex.StatusCode.Should().Be(409);
        ex.Kind.Should().Be(FailureKind.Permanent);
        _host.Server.Users.Should().HaveCount(2);
    }

    [Fact]
    public async Task Duplicate_email_is_reported_as_DuplicateEmail_ignoring_case()
    {
        _host.Server.AddUser("someone", "JDOE@example.org");

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount());

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
        ex.ErrorCode.Should().Be("duplicate_mail");
    }

    [Fact]
    public async Task When_both_are_taken_the_email_wins_so_the_account_can_be_linked()
    {
        _host.Server.AddUser("jdoe", "jdoe@example.org");

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount());

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Theory]
    [InlineData(" jdoe")]
    [InlineData("jdoe ")]
    [InlineData("j  doe")]
    [InlineData("j/doe")]
    [InlineData("j<doe>")]
    [InlineData("j\u200Fdoe")]
    [InlineData("j\u00A0doe")]
    [InlineData("\uFF4Adoe")]
    [InlineData("0")]
    public async Task Username_Backdrop_refuses_is_InvalidUsername(string username)
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount(username));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        ex.ErrorCode.Should().Be("invalid_name");
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Theory]
    [InlineData("jos\u00E9")]
    [InlineData("\u5F20\u4F1F")]
    [InlineData("emoji\U0001F600")]
    public async Task Non_ASCII_letters_Backdrop_accepts_are_accepted(string username)
    {
        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount(username));

        _host.Server.FindUser(created.UserId)!.Username.Should().Be(username);
    }

    [Fact]
    public async Task Username_longer_than_60_is_InvalidUsername()
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount(new string('a', 61)));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        (await _host.Provider.CreateAsync(BackdropTestHost.NewAccount(new string('a', 60)))).Username.Should().HaveLength(60);
        var sixtyCharacters = string.Concat(Enumerable.Repeat("\U0001F600", 60));
        (await _host.Provider.CreateAsync(BackdropTestHost.NewAccount(sixtyCharacters, "e@example.org"))).UserId.Should().BePositive("Backdrop counts characters, not UTF-16 units");
    }

    [Fact]
    public async Task Email_shaped_username_must_match_the_mail_when_user_email_match_is_on()
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount("other@example.org"));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        ex.Message.Should().Contain("does not match the account email");

        (await _host.Provider.CreateAsync(BackdropTestHost.NewAccount("jdoe@example.org"))).UserId.Should().BePositive();
    }

    [Fact]
    public async Task Email_shaped_username_differing_only_in_case_is_refused_as_core_compares_exactly()
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount("JDoe@example.org"));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidUsername);
    }

    [Theory]
    [InlineData("zq")]
    [InlineData("qwertzui")]
    [InlineData("jdoe")]
    [InlineData("JDOE@example.org")]
    public async Task Password_against_the_site_policy_is_InvalidData_without_echoing_it(string password)
    {
        _host.Server.RejectWeakPasswords = true;

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Password = password });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidData);
        ex.Message.Should().Contain("'pass'").And.NotContain(password);
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Theory]
    [InlineData("a", false)]
    [InlineData("jdoe", false)]
    [InlineData("Tr0ub4dour&3xyz", true)]
    public async Task A_password_the_site_policy_allows_is_kept(string password, bool rejectWeak)
    {
        _host.Server.RejectWeakPasswords = rejectWeak;

        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Password = password });

        _host.Server.FindUser(created.UserId)!.PasswordMatches(password).Should().BeTrue();
    }

    [Fact]
    public async Task Email_shaped_username_is_accepted_when_user_email_match_is_off()
    {
        _host.Server.UserEmailMatch = false;

        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount("other@example.org"));

        _host.Server.FindUser(created.UserId)!.Username.Should().Be("other@example.org");
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("a@@example.org")]
    public async Task Invalid_email_is_InvalidEmail(string email)
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount(email: email));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidEmail);
        ex.ErrorCode.Should().Be("invalid_mail");
    }

    [Fact]
    public async Task Unknown_role_is_UnknownRole_and_creates_nothing()
    {
        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Roles = ["Editor"] });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.Message.Should().Contain("machine name");
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Fact]
    public async Task Failed_notification_still_returns_the_created_account_and_warns()
    {
        _host.Server.MailFails = true;

        var created = await _host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Notify = true });

        _host.Server.FindUser(created.UserId).Should().NotBeNull();
        _host.Server.Mails.Should().BeEmpty();
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 3302 && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Server_error_after_saving_is_UnknownOutcome_and_not_retried()
    {
        _host.Server.FailNextAfterProcessing(1, 500);

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount());

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        ex.Kind.Should().Be(FailureKind.Transient);
        _host.Server.Requests.Should().ContainSingle(r => r.Method == "POST");
        _host.Server.FindUserByMail("jdoe@example.org").Should().NotBeNull("the module saved the account before the page failed");
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_timeout_is_UnknownOutcome_and_not_retried()
    {
        // On a fake HTTP clock: the attempt times out only once the fake holds the create.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var host = new BackdropTestHost(o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(1), httpClock: clock);
        var ex = await HungCreate.TimesOutAsync(host.Server, clock, TimeSpan.FromSeconds(1), () => host.Provider.CreateAsync(BackdropTestHost.NewAccount()));

        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        host.Server.Requests.Should().ContainSingle(r => r.Method == "POST", "the create was not sent again");
        host.Server.Requests.Single(r => r.Method == "POST").StatusCode.Should().Be(0, "the client gave up before the fake answered");
    }
}
