using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class CreateTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Create_writes_names_locale_roles_and_registered_meta()
    {
        _server.RegisterMeta("civicrm_contact_id");
        using var host = WordPressTestHost.For(_server);

        var account = await host.Provider.CreateAsync(new NewCmsAccount
        {
            Username = "jane.doe",
            Email = "jane@example.org",
            Password = "S3cret-Pass!",
            FirstName = "Jane",
            LastName = "Doe",
            DisplayName = "Jane Doe",
            Language = "de_DE",
            Roles = ["editor"],
            Fields = new Dictionary<string, string> { ["civicrm_contact_id"] = "42", ["nickname"] = "JD" },
        });

        var user = _server.FindUser("jane.doe")!;
        account.UserId.Should().Be(user.Id);
        account.Email.Should().Be("jane@example.org");
        account.Roles.Should().Equal("editor");
        user.ExtrasOf<FakeWordPressUserExtras>().FirstName.Should().Be("Jane");
        user.ExtrasOf<FakeWordPressUserExtras>().LastName.Should().Be("Doe");
        user.ExtrasOf<FakeWordPressUserExtras>().DisplayName.Should().Be("Jane Doe");
        user.ExtrasOf<FakeWordPressUserExtras>().Nickname.Should().Be("JD");
        user.Language.Should().Be("de_DE");
        user.Roles.Should().Equal("editor");
        user.Fields.Should().ContainKey("civicrm_contact_id").WhoseValue.Should().Be("42");
        _server.Mails.Should().BeEmpty("a given password needs no email");
    }

    [Fact]
    public async Task Create_without_roles_lets_the_site_apply_its_default_role()
    {
        using var host = WordPressTestHost.For(_server);

        await host.Provider.CreateAsync(new NewCmsAccount { Username = "plain", Email = "plain@example.org", Password = "pw-123456" });

        _server.FindUser("plain")!.Roles.Should().Equal("subscriber");
        _server.Requests.Single(r => r.Method == "POST").Body.Should().NotContain("\"roles\"");
    }

    [Fact]
    public async Task Create_without_password_generates_one_and_notify_sends_a_reset_email_through_the_login_form()
    {
        using var host = WordPressTestHost.For(_server);

        var account = await host.Provider.CreateAsync(new NewCmsAccount { Username = "nopass", Email = "nopass@example.org", Notify = true });

        var user = _server.FindUser("nopass")!;
        user.HasPassword.Should().BeTrue();
        _server.Mails.Should().ContainSingle().Which.Should().Be(new FakeWordPressMail("nopass@example.org", "password-reset", account.UserId));
        _server.Requests.Should().Contain(r => r.Path == "/wp-login.php" && r.StatusCode == 302);
    }

    [Fact]
    public async Task Create_without_password_with_the_companion_sends_the_new_account_email()
    {
        using var host = WordPressTestHost.For(_server, companion: true);

        var account = await host.Provider.CreateAsync(new NewCmsAccount { Username = "withplugin", Email = "withplugin@example.org", Notify = true });

        _server.Mails.Should().ContainSingle().Which.Should().Be(new FakeWordPressMail("withplugin@example.org", "new-account", account.UserId));
        _server.Requests.Should().NotContain(r => r.Path == "/wp-login.php");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_without_notify_sends_no_email_even_without_a_password(bool companion)
    {
        using var host = WordPressTestHost.For(_server, companion);

        await host.Provider.CreateAsync(new NewCmsAccount { Username = "silent", Email = "silent@example.org", Notify = false });

        _server.FindUser("silent")!.HasPassword.Should().BeTrue();
        _server.Mails.Should().BeEmpty("the rule turned notifications off");
    }

    [Fact]
    public async Task Create_when_the_email_cannot_be_sent_still_returns_the_account()
    {
        _server.MailFails = true;
        using var host = WordPressTestHost.For(_server);

        var account = await host.Provider.CreateAsync(new NewCmsAccount { Username = "mailless", Email = "mailless@example.org", Notify = true });

        account.UserId.Should().Be(_server.FindUser("mailless")!.Id);
        host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 3004);
        account.Notification.Should().Be(CmsNotification.Failed, "wp-login.php answered 200 (its error page) instead of redirecting");
        account.NotificationFailure.Should().Contain("did not confirm the password reset email");
        account.NotificationFailureReason.Should().Be(CmsNotificationFailure.MailRefused, "the site answered: its mail is what failed");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_create_without_notification_reports_NotRequested()
    {
        using var host = WordPressTestHost.For(_server);

        var account = await host.Provider.CreateAsync(new NewCmsAccount { Username = "unasked", Email = "unasked@example.org", Notify = false });

        account.Notification.Should().Be(CmsNotification.NotRequested);
        account.NotificationFailure.Should().BeNull();
    }

    [Fact]
    public async Task Create_of_an_inactive_account_removes_its_roles()
    {
        using var host = WordPressTestHost.For(_server);

        var account = await host.Provider.CreateAsync(new NewCmsAccount { Username = "inactive", Email = "inactive@example.org", Password = "pw-123456", Active = false });

        account.IsActive.Should().BeFalse();
        _server.FindUser("inactive")!.Roles.Should().BeEmpty();
    }

    [Fact]
    public async Task Create_runs_the_OnUserCreated_hook_of_the_fake()
    {
        var seen = new List<long>();
        _server.OnUserCreated(u => seen.Add(u.Id));
        using var host = WordPressTestHost.For(_server);

        var account = await host.Provider.CreateAsync(new NewCmsAccount { Username = "hooked", Email = "hooked@example.org", Password = "pw-123456" });

        seen.Should().Equal(account.UserId);
    }

    [Fact]
    public async Task Duplicate_username_is_reported_as_DuplicateUsername()
    {
        _server.AddUser("Taken", "first@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "taken", Email = "second@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        ex.StatusCode.Should().Be(500);
        ex.ErrorCode.Should().Be("existing_user_login");
        ex.Kind.Should().Be(FailureKind.Permanent);
        _server.Users.Should().HaveCount(2);
    }

    [Fact]
    public async Task Duplicate_email_is_reported_as_DuplicateEmail()
    {
        _server.AddUser("someone", "Same@Example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "other", Email = "same@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
        ex.ErrorCode.Should().Be("existing_user_email");
        _server.FindUser("other").Should().BeNull();
    }

    [Theory]
    [InlineData("a+b", "rest_invalid_param")]
    [InlineData("o'brien", "rest_invalid_param")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "user_login_too_long")]
    public async Task Refused_username_is_reported_as_InvalidUsername(string username, string code)
    {
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = username, Email = "x@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        ex.ErrorCode.Should().Be(code);
    }

    [Fact]
    public async Task Invalid_email_is_reported_as_InvalidEmail()
    {
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "bademail", Email = "not-an-email", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidEmail);
        ex.StatusCode.Should().Be(400);
    }

    [Fact]
    public async Task Unknown_role_is_reported_as_UnknownRole()
    {
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "roleless", Email = "roleless@example.org", Password = "pw-123456", Roles = ["nosuchrole"] });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.ErrorCode.Should().Be("rest_user_invalid_role");
        ex.Message.Should().Contain("nosuchrole");
    }

    [Fact]
    public async Task Language_the_site_does_not_have_is_reported_as_UnknownLanguage()
    {
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "klingon", Email = "k@example.org", Password = "pw-123456", Language = "tlh_QO" });

        // The engine then creates the account without a locale (LanguageTests).
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnknownLanguage);
    }

    [Fact]
    public async Task Password_with_a_backslash_is_reported_as_InvalidData()
    {
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "slash", Email = "slash@example.org", Password = "a\\b" });

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidData);
    }

    [Fact]
    public async Task Html_500_after_the_create_reached_the_site_is_UnknownOutcome_and_not_retried()
    {
        _server.FailNextAfterProcessing(1, 500);
        using var host = WordPressTestHost.For(_server);

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "lost", Email = "lost@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        ex.Kind.Should().Be(FailureKind.Transient);
        _server.FindUser("lost").Should().NotBeNull("the site created it before failing");
        _server.Requests.Count(r => r.Method == "POST" && r.Path == "/wp-json/wp/v2/users").Should().Be(1);
    }

    [Fact]
    public async Task Companion_busy_answer_is_Unavailable_creates_nothing_and_the_next_attempt_creates()
    {
        // What companion plugin 0.2.1 on WordPress 6.1 answered while another session held the email's create lock.
        const string Busy = """{"code":"skvare_cmsuser_busy","message":"Another request is creating an account with this email; nothing was created. Retry later.","data":{"status":503}}""";
        _server.FailNext(1, 503, Busy, "application/json; charset=UTF-8");
        using var host = WordPressTestHost.For(_server, companion: true);
        var account = new NewCmsAccount { Username = "busy", Email = "busy@example.org", Password = "pw-123456" };

        var act = () => host.Provider.CreateAsync(account);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable, "the lock was not taken, so nothing can have been created");
        ex.Kind.Should().Be(FailureKind.Transient);
        ex.ErrorCode.Should().Be("skvare_cmsuser_busy");
        ex.StatusCode.Should().Be(503);
        _server.FindUser("busy").Should().BeNull();
        (await host.Provider.CreateAsync(account)).Username.Should().Be("busy");
    }

    [Fact]
    public async Task Create_that_times_out_is_UnknownOutcome()
    {
        // Never answered: a hang that ends could end before a late timeout on a loaded machine.
        _server.HangNext(1, Timeout.InfiniteTimeSpan);
        using var host = new WordPressTestHost(o =>
        {
            o.BaseUrl = _server.BaseUrl;
            o.Username = _server.AdminUsername;
            o.ApplicationPassword = _server.ApplicationPassword;
            o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        });

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "slow", Email = "slow@example.org", Password = "pw-123456" });

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
    }

    [Fact]
    public async Task Create_against_a_refused_connection_is_Unavailable_because_nothing_reached_the_site()
    {
        // A port that refuses connections: the create certainly did not happen.
        using var refused = new Skvare.CmsUser.Tests.Shared.RefusedPort();
        using var host = new WordPressTestHost(o =>
        {
            o.BaseUrl = refused.Url;
            o.Username = _server.AdminUsername;
            o.ApplicationPassword = _server.ApplicationPassword;
            o.Http.AllowInsecureHttp = true;
            o.Http.MaxRetries = 0;
        });

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "nobody", Email = "nobody@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable);
        ex.Message.Should().Contain("could not be reached").And.NotContain(_server.ApplicationPassword);
    }

    [Fact]
    public async Task Wrong_application_password_is_Authentication_with_a_fix()
    {
        using var host = WordPressTestHost.For(_server, configure: o => o.ApplicationPassword = "wrongwrongwrong-secret");

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "x1", Email = "x1@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.StatusCode.Should().Be(401);
        ex.ErrorCode.Should().Be("rest_cannot_create_user");
        ex.Message.Should().Contain("WP_ENVIRONMENT_TYPE").And.Contain("Authorization").And.NotContain("wrongwrongwrong-secret");
        ex.Kind.Should().Be(FailureKind.Configuration);
    }

    [Fact]
    public async Task Invalid_data_is_reported_before_the_credentials_are_checked_as_WordPress_does()
    {
        using var host = WordPressTestHost.For(_server, configure: o => o.ApplicationPassword = "wrong wrong wrong wrong");

        var ex = (await host.Invoking(h => h.Provider.CreateAsync(new NewCmsAccount { Username = "ok", Email = "broken", Password = "pw-123456" })).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.InvalidEmail);
    }

    [Fact]
    public async Task Account_without_create_users_is_Permission_with_a_fix()
    {
        _server.AddUser("writer", "writer@example.org", "editor");
        _server.SetApplicationPassword("writer", "wxyz wxyz wxyz wxyz");
        using var host = WordPressTestHost.For(_server, configure: o =>
        {
            o.Username = "writer";
            o.ApplicationPassword = "wxyz wxyz wxyz wxyz";
        });

        var act = () => host.Provider.CreateAsync(new NewCmsAccount { Username = "x2", Email = "x2@example.org", Password = "pw-123456" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.StatusCode.Should().Be(403);
        ex.Message.Should().Contain("create_users");
    }

    [Fact]
    public async Task Create_rejects_missing_arguments()
    {
        using var host = WordPressTestHost.For(_server);

        await host.Invoking(h => h.Provider.CreateAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await host.Invoking(h => h.Provider.CreateAsync(new NewCmsAccount { Username = " ", Email = "a@example.org" })).Should().ThrowAsync<ArgumentException>();
        await host.Invoking(h => h.Provider.CreateAsync(new NewCmsAccount { Username = "a", Email = "" })).Should().ThrowAsync<ArgumentException>();
        _server.Requests.Should().BeEmpty();
    }
}
