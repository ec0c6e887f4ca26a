using System.Text.Json;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class AccountActionTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task AddRoles_patches_the_union_of_current_and_new_roles()
    {
        _host.Server.AddRole("member");
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: "editor");

        await _host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["member", "editor"]);

        _host.Server.FindUser(user.Id)!.Roles.Should().Equal("editor", "member");
        var patch = _host.Server.Requests.Single(r => r.Method == "PATCH");
        patch.Path.Should().Be($"/user/{user.Id}");
        patch.Query.Should().Be("_format=json");
        using var body = JsonDocument.Parse(patch.Body!);
        body.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("target_id").GetString()).Should().Equal("editor", "member");
        body.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("roles");
    }

    [Fact]
    public async Task AddRoles_sends_nothing_when_the_account_has_them_all()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: "editor");

        await _host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["editor"]);
        await _host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), []);

        _host.Server.Requests.Should().ContainSingle().Which.Method.Should().Be("GET");
    }

    [Fact]
    public async Task AddRoles_to_a_missing_account_is_NotFound()
    {
        var act = () => _host.Provider.AddRolesAsync(new CmsAccount(404, null, null), ["editor"]);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Block_patches_status_false_and_sends_no_mail_by_default()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");

        await _host.Provider.BlockAsync(new CmsAccount(user.Id, null, null));

        _host.Server.FindUser(user.Id)!.Active.Should().BeFalse();
        _host.Server.Mails.Should().BeEmpty("status_blocked notification is off by default");
        using var body = JsonDocument.Parse(_host.Server.Requests.Single(r => r.Method == "PATCH").Body!);
        body.RootElement.GetProperty("status")[0].GetProperty("value").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Password_reset_posts_the_mail_and_Drupal_sends_the_email()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");

        await _host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));

        _host.Server.Mails.Should().Equal(new Testing.Drupal.FakeDrupalMail(user.Id, "jdoe@example.org", "password_reset"));
    }

    [Fact]
    public async Task Password_reset_reads_the_email_when_the_account_has_none()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");

        await _host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, null, null));

        _host.Server.Requests.Select(r => r.Method + " " + r.Path).Should().Equal($"GET /user/{user.Id}", "POST /user/password");
        _host.Server.Mails.Should().ContainSingle();
    }

    [Fact]
    public async Task Password_reset_for_a_blocked_account_succeeds_but_Drupal_sends_nothing()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", active: false);

        await _host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));

        _host.Server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task New_account_notification_falls_back_to_the_reset_email_without_the_companion()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");

        await ((DrupalAccountProvider)_host.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));

        _host.Server.Mails.Should().Equal(new Testing.Drupal.FakeDrupalMail(user.Id, "jdoe@example.org", "password_reset"));
        _host.Server.Requests.Should().NotContain(r => r.Path.StartsWith("/cmsuser", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_link_is_unavailable_without_the_companion_module()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");

        var link = await _host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(user.Id, null, null));

        link.Should().BeNull();
        _host.Server.Requests.Should().BeEmpty();
        _host.Provider.Capabilities.Should().NotHaveFlag(CmsCapabilities.OneTimeLoginLink);
    }

    [Fact]
    public async Task Companion_module_sends_the_welcome_email_and_issues_login_links()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;
        var user = host.Server.AddUser("jdoe", "jdoe@example.org");

        await ((DrupalAccountProvider)host.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, null, null));
        var link = await host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(user.Id, null, null));

        host.Server.Mails.Should().Equal(new Testing.Drupal.FakeDrupalMail(user.Id, "jdoe@example.org", "register_admin_created"));
        link!.AbsoluteUri.Should().StartWith($"{host.Server.BaseUrl}user/reset/{user.Id}/");
        host.Provider.Capabilities.Should().HaveFlag(CmsCapabilities.OneTimeLoginLink);
        host.Server.Requests.Should().OnlyContain(r => r.Query == "_format=json");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_welcome_email_the_site_cannot_send_is_MailFailed_after_one_request(bool companion)
    {
        // The module's notify route answers {"sent": false}; without it core's user/password answers 400 "Unable to send email".
        using var host = new DrupalTestHost(o => o.UseCompanionModule = companion);
        host.Server.CompanionModuleEnabled = companion;
        host.Server.MailFails = true;
        var user = host.Server.AddUser("jdoe", "jdoe@example.org");

        var act = () => ((DrupalAccountProvider)host.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.MailFailed, "the site answered that its mail failed: it is not down");
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.ErrorCode.Should().Be("mail_failed");
        host.Server.Mails.Should().BeEmpty();
        host.ApiRequests.Select(r => r.Method + " " + r.Path).Should().Equal([companion ? $"POST /cmsuser/user/{user.Id}/notify" : "POST /user/password"], "an email is not sent twice");
    }

    [Fact]
    public async Task Companion_configured_but_not_installed_is_a_configuration_error()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        var user = host.Server.AddUser("jdoe", "jdoe@example.org");

        var act = () => host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(user.Id, null, null));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Message.Should().Contain("cmsuser_companion").And.Contain("UseCompanionModule");
    }

    [Fact]
    public async Task Companion_login_link_for_a_blocked_account_is_InvalidData()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;
        var user = host.Server.AddUser("jdoe", "jdoe@example.org", active: false);

        var act = () => host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(user.Id, null, null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidData);
    }

    [Fact]
    public async Task Companion_notification_for_a_missing_account_is_NotFound()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;

        var act = () => ((DrupalAccountProvider)host.Provider).SendNewAccountNotificationAsync(new CmsAccount(999, null, null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Connectivity_check_passes_on_a_configured_site_and_names_the_failing_part()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;

        var healthy = await host.Provider.CheckConnectivityAsync();
        host.Server.JsonApiEnabled = false;
        var broken = await host.Provider.CheckConnectivityAsync();

        healthy.Healthy.Should().BeTrue();
        healthy.Checks.Should().HaveCount(3).And.OnlyContain(c => c.Passed);
        broken.Healthy.Should().BeFalse();
        broken.Checks.Single(c => !c.Passed).Detail.Should().Contain("jsonapi");
    }
}
