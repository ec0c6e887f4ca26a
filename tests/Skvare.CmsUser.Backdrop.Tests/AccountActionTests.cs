using System.Text.Json;

namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class AccountActionTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private CmsAccount Seed(bool active = true, params string[] roles)
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", active, roles);
        return new CmsAccount(user.Id, user.Username, user.Email);
    }

    [Fact]
    public async Task AddRoles_adds_to_the_existing_roles_and_never_replaces_them()
    {
        _host.Server.AddRole("member");
        var account = Seed(true, "editor");

        await _host.Provider.AddRolesAsync(account, ["member", "editor"]);

        _host.Server.FindUser(account.UserId)!.Roles.Should().Equal("editor", "member");
        using var body = JsonDocument.Parse(_host.Server.Requests.Single().Body!);
        body.RootElement.GetProperty("add").EnumerateArray().Select(e => e.GetString()).Should().Equal("member", "editor");
    }

    [Fact]
    public async Task AddRoles_with_no_roles_sends_nothing()
    {
        var account = Seed();

        await _host.Provider.AddRolesAsync(account, []);

        _host.Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task AddRoles_with_an_unknown_role_is_UnknownRole_and_changes_nothing()
    {
        var account = Seed(true, "editor");

        var act = () => _host.Provider.AddRolesAsync(account, ["administrator", "ghost"]);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.ErrorCode.Should().Be("unknown_role");
        _host.Server.FindUser(account.UserId)!.Roles.Should().Equal("editor");
    }

    [Fact]
    public async Task AddRoles_is_retried_because_a_union_is_idempotent()
    {
        var account = Seed();
        _host.Server.FailNext(1, 502);

        await _host.Provider.AddRolesAsync(account, ["editor"]);

        _host.Server.Requests.Should().HaveCount(2);
        _host.Server.FindUser(account.UserId)!.Roles.Should().Equal("editor");
    }

    [Fact]
    public async Task SendPasswordReset_sends_the_core_password_reset_mail()
    {
        var account = Seed();

        await _host.Provider.SendPasswordResetAsync(account);

        _host.Server.Mails.Should().Equal(new Testing.Backdrop.FakeBackdropMail(account.UserId, "jdoe@example.org", "password_reset"));
    }

    [Fact]
    public async Task SendNewAccountNotification_sends_the_admin_created_mail()
    {
        var account = Seed();

        await ((BackdropAccountProvider)_host.Provider).SendNewAccountNotificationAsync(account);

        _host.Server.Mails.Should().Equal(new Testing.Backdrop.FakeBackdropMail(account.UserId, "jdoe@example.org", "register_admin_created"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Mail_failure_of_a_reset_or_a_new_account_email_is_MailFailed_and_not_retried(bool reset)
    {
        var account = Seed();
        _host.Server.MailFails = true;

        var act = reset
            ? (Func<Task>)(() => _host.Provider.SendPasswordResetAsync(account))
            : () => ((BackdropAccountProvider)_host.Provider).SendNewAccountNotificationAsync(account);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.MailFailed, "the site answered: its mail failed, it is not down");
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.ErrorCode.Should().Be("mail_failed");
        ex.StatusCode.Should().Be(503);
        _host.Server.Requests.Should().ContainSingle("a mail is not safe to send twice");
    }

    [Fact]
    public async Task Block_sets_status_0_and_can_be_repeated()
    {
        var account = Seed();

        await _host.Provider.BlockAsync(account);
        await _host.Provider.BlockAsync(account);

        _host.Server.FindUser(account.UserId)!.Active.Should().BeFalse();
        _host.Server.Requests.Should().OnlyContain(r => r.StatusCode == 200);
    }

    [Fact]
    public async Task Actions_on_a_missing_account_are_NotFound()
    {
        var ghost = new CmsAccount(4242, "ghost", null);

        var block = () => _host.Provider.BlockAsync(ghost);
        var roles = () => _host.Provider.AddRolesAsync(ghost, ["editor"]);
        var mail = () => _host.Provider.SendPasswordResetAsync(ghost);

        (await block.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
        (await roles.Should().ThrowAsync<CmsProviderException>()).Which.ErrorCode.Should().Be("not_found");
        (await mail.Should().ThrowAsync<CmsProviderException>()).Which.StatusCode.Should().Be(404);
        _host.Server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task One_time_login_link_points_at_the_site_reset_page()
    {
        var account = Seed();

        var link = await _host.Provider.CreateOneTimeLoginLinkAsync(account);

        link.Should().NotBeNull();
        link!.AbsoluteUri.Should().StartWith(new Uri(_host.Server.BaseUrl, $"user/reset/{account.UserId}/").AbsoluteUri);
        _host.Logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(link.AbsoluteUri, StringComparison.Ordinal), "a login link is a credential");
    }

    [Fact]
    public async Task One_time_login_link_for_a_blocked_account_is_InvalidData()
    {
        var account = Seed(active: false);

        var act = () => _host.Provider.CreateOneTimeLoginLinkAsync(account);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidData);
        ex.ErrorCode.Should().Be("account_blocked");
    }
}
