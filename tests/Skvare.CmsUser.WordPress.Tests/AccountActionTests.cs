using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class AccountActionTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Add_roles_sends_the_union_because_WordPress_replaces_the_list()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["editor", "subscriber"]);

        _server.FindUser("member")!.Roles.Should().Equal("subscriber", "editor");
        _server.Requests[^1].Body.Should().Contain("\"roles\":[\"subscriber\",\"editor\"]");
    }

    [Fact]
    public async Task Add_roles_that_are_already_there_sends_no_update()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["subscriber"]);

        _server.Requests.Should().ContainSingle().Which.Method.Should().Be("GET");
    }

    [Fact]
    public async Task Add_unknown_role_is_UnknownRole_and_keeps_the_roles()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => h.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["ghost"])).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        _server.FindUser("member")!.Roles.Should().Equal("subscriber");
    }

    [Fact]
    public async Task Add_roles_by_an_account_that_may_not_promote_is_Permission()
    {
        var user = _server.AddUser("member", "member@example.org", "subscriber");
        _server.SetApplicationPassword("member", "mmmm mmmm mmmm mmmm");
        using var host = WordPressTestHost.For(_server, configure: o =>
        {
            o.Username = "member";
            o.ApplicationPassword = "mmmm mmmm mmmm mmmm";
        });

        var ex = (await host.Invoking(h => h.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["administrator"])).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.ErrorCode.Should().Be("rest_cannot_edit_roles");
        _server.FindUser("member")!.Roles.Should().Equal("subscriber");
    }

    [Fact]
    public async Task Add_roles_to_a_missing_account_is_NotFound()
    {
        using var host = WordPressTestHost.For(_server);

        (await host.Invoking(h => h.Provider.AddRolesAsync(new CmsAccount(404, null, null), ["editor"])).Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Password_reset_posts_the_lost_password_form_and_the_site_sends_the_mail()
    {
        var user = _server.AddUser("forgetful", "forgetful@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, "forgetful", null));

        _server.Mails.Should().ContainSingle().Which.Should().Be(new FakeWordPressMail("forgetful@example.org", "password-reset", user.Id));
        var post = _server.Requests.Single();
        post.Query.Should().Be("action=lostpassword");
        post.Body.Should().Contain("user_login=forgetful");
        post.AuthenticatedAs.Should().BeNull("the login form needs no credentials");
    }

    [Fact]
    public async Task Password_reset_looks_up_the_login_when_only_the_id_is_known()
    {
        var user = _server.AddUser("idonly", "idonly@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, null, null));

        _server.Mails.Should().ContainSingle().Which.UserId.Should().Be(user.Id);
    }

    [Fact]
    public async Task Password_reset_for_an_account_that_is_gone_is_NotFound()
    {
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => h.Provider.SendPasswordResetAsync(new CmsAccount(77, "ghost", "ghost@example.org"))).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.NotFound);
        _server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task Password_reset_when_the_site_cannot_send_mail_is_MailFailed()
    {
        var user = _server.AddUser("nomail", "nomail@example.org", "subscriber");
        _server.MailFails = true;
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => h.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, "nomail", null))).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.MailFailed);
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.Message.Should().Contain("mail");
    }

    [Fact]
    public async Task Password_reset_through_the_companion_when_the_site_cannot_send_mail_is_MailFailed_and_sent_once()
    {
        var user = _server.AddUser("nomail2", "nomail2@example.org", "subscriber");
        _server.MailFails = true;
        using var host = WordPressTestHost.For(_server, companion: true);

        var ex = (await host.Invoking(h => h.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, null, null))).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.MailFailed, "503 skvare_cmsuser_reset_failed: the site answered, its mail failed");
        ex.StatusCode.Should().Be(503);
        _server.Requests.Should().ContainSingle("a reset is not sent twice");
    }

    [Fact]
    public async Task Password_reset_through_the_companion_uses_its_route()
    {
        var user = _server.AddUser("viaplugin", "viaplugin@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);

        await host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, null, null));

        _server.Mails.Should().ContainSingle().Which.Kind.Should().Be("password-reset");
        _server.Requests.Single().Path.Should().Be($"/wp-json/skvare-cmsuser/v1/users/{user.Id}/reset");
    }

    [Fact]
    public async Task New_account_notification_goes_through_the_companion()
    {
        var user = _server.AddUser("welcome", "welcome@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);

        await ((WordPressAccountProvider)host.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, null, null));

        _server.Mails.Should().ContainSingle().Which.Should().Be(new FakeWordPressMail("welcome@example.org", "new-account", user.Id));
    }

    [Fact]
    public async Task New_account_notification_without_the_companion_is_Permission_naming_the_plugin()
    {
        using var host = WordPressTestHost.For(_server);

        var ex = (await host.Invoking(h => ((WordPressAccountProvider)h.Provider).SendNewAccountNotificationAsync(new CmsAccount(1, null, null))).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("companion plugin");
        _server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Companion_configured_but_not_installed_is_Permission()
    {
        _server.CompanionPlugin = false;
        var user = _server.AddUser("lonely", "lonely@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);

        var ex = (await host.Invoking(h => ((WordPressAccountProvider)h.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, null, null))).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.ErrorCode.Should().Be("rest_no_route");
    }

    [Fact]
    public async Task Block_without_the_companion_removes_every_role()
    {
        var user = _server.AddUser("leaver", "leaver@example.org", "subscriber", "editor");
        using var host = WordPressTestHost.For(_server);

        await host.Provider.BlockAsync(new CmsAccount(user.Id, null, null));

        _server.FindUser("leaver")!.Roles.Should().BeEmpty();
        _server.FindUser("leaver")!.Active.Should().BeTrue();
        _server.Requests.Single().Body.Should().Be("{\"roles\":[]}");
    }

    [Fact]
    public async Task Block_with_the_companion_marks_the_account_blocked()
    {
        var user = _server.AddUser("leaver", "leaver@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);

        await host.Provider.BlockAsync(new CmsAccount(user.Id, null, null));

        _server.FindUser("leaver")!.Active.Should().BeFalse();
        _server.FindUser("leaver")!.Roles.Should().BeEmpty();
    }

    [Fact]
    public async Task One_time_link_comes_from_the_companion()
    {
        var user = _server.AddUser("linked", "linked@example.org", "subscriber");
        using var host = WordPressTestHost.For(_server, companion: true);

        var link = await host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(user.Id, null, null));

        link!.AbsoluteUri.Should().StartWith(_server.BaseUrl + "wp-login.php?action=rp&key=").And.EndWith("&login=linked");
        link.Query.Should().Contain(_server.FindUser("linked")!.ExtrasOf<FakeWordPressUserExtras>().ResetKey!);
    }

    [Fact]
    public async Task One_time_link_without_the_companion_is_null()
    {
        using var host = WordPressTestHost.For(_server);

        (await host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(1, null, null))).Should().BeNull();
        _server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Account_actions_reject_missing_arguments()
    {
        using var host = WordPressTestHost.For(_server, companion: true);
        var none = new CmsAccount(0, null, null);

        await host.Invoking(h => h.Provider.AddRolesAsync(null!, ["x"])).Should().ThrowAsync<ArgumentNullException>();
        await host.Invoking(h => h.Provider.AddRolesAsync(new CmsAccount(1, null, null), null!)).Should().ThrowAsync<ArgumentNullException>();
        await host.Invoking(h => h.Provider.SendPasswordResetAsync(none)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await host.Invoking(h => ((WordPressAccountProvider)h.Provider).SendNewAccountNotificationAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await host.Invoking(h => h.Provider.BlockAsync(none)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await host.Invoking(h => h.Provider.CreateOneTimeLoginLinkAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        _server.Requests.Should().BeEmpty();
    }
}
