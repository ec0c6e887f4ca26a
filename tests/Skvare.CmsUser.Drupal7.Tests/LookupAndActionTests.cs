using System.Text.Json;
using Skvare.CmsUser.Testing.Drupal7;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class LookupAndActionTests : IDisposable
{
    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task FindByEmail_uses_the_index_parameters_and_matches_case_insensitively()
    {
        var seeded = _host.Server.AddUser("Jane.Doe", "Jane.Doe@Example.org", roles: 4);

        var found = await _host.Provider.FindByEmailAsync("jane.doe@example.ORG");

        found!.UserId.Should().Be(seeded.Id);
        found.Username.Should().Be("Jane.Doe");
        found.IsActive.Should().BeTrue();
        var request = _host.ApiRequests.Single();
        request.Path.Should().Be("/api/user.json");
        request.Query.Should().Be("parameters[mail]=jane.doe@example.ORG&fields=uid,name,mail,status,created");
    }

    [Fact]
    public async Task FindByUsername_returns_the_account_or_null()
    {
        var seeded = _host.Server.AddUser("jdoe", "jdoe@example.org", active: false);

        var found = await _host.Provider.FindByUsernameAsync("JDOE");
        var missing = await _host.Provider.FindByUsernameAsync("nobody");

        found!.UserId.Should().Be(seeded.Id);
        found.IsActive.Should().BeFalse();
        missing.Should().BeNull();
    }

    [Fact]
    public async Task GetById_reads_the_user_and_returns_null_for_404()
    {
        var seeded = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: 4);

        var found = await _host.Provider.GetByIdAsync(seeded.Id);
        var missing = await _host.Provider.GetByIdAsync(999);

        found.Should().BeEquivalentTo(new CmsAccount(seeded.Id, "jdoe", "jdoe@example.org") { IsActive = true, Roles = ["editor"], CreatedAt = found!.CreatedAt });
        found.CreatedAt.Should().NotBeNull("created");
        missing.Should().BeNull();
    }

    [Fact]
    public async Task AddRoles_puts_the_union_of_current_and_new_role_ids()
    {
        _host.Server.AddRole(5, "member");
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: 5);

        await _host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["editor"]);

        _host.Server.FindUser(user.Id)!.ExtrasOf<FakeDrupal7UserExtras>().RoleIds.Should().BeEquivalentTo([4, 5]);
        var put = _host.ApiRequests.Single(r => r.Method == "PUT");
        put.Path.Should().Be($"/api/user/{user.Id}.json");
        using var body = JsonDocument.Parse(put.Body!);
        body.RootElement.GetProperty("roles").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(["4", "5"]);
    }

    [Fact]
    public async Task AddRoles_sends_nothing_when_nothing_is_new()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: 4);

        await _host.Provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["4"]);

        _host.ApiRequests.Should().ContainSingle().Which.Method.Should().Be("GET");
    }

    [Fact]
    public async Task Block_puts_status_0_with_the_current_roles()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", roles: 4);

        await _host.Provider.BlockAsync(new CmsAccount(user.Id, null, null));

        var stored = _host.Server.FindUser(user.Id)!;
        stored.Active.Should().BeFalse();
        stored.ExtrasOf<FakeDrupal7UserExtras>().RoleIds.Should().Equal(4);
        using var body = JsonDocument.Parse(_host.ApiRequests.Single(r => r.Method == "PUT").Body!);
        body.RootElement.GetProperty("status").GetInt32().Should().Be(0);
        body.RootElement.GetProperty("roles").GetProperty("4").GetString().Should().Be("4");
        _host.Server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task Password_reset_uses_the_targeted_action_even_for_blocked_accounts()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org", active: false);

        await _host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, null, null));

        _host.Server.Mails.Should().Equal(new Testing.Drupal7.FakeDrupal7Mail(user.Id, "jdoe@example.org", "password_reset"));
        var request = _host.ApiRequests.Single();
        request.Path.Should().Be($"/api/user/{user.Id}/password_reset.json");
        request.CsrfToken.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Welcome_email_follows_the_site_registration_mode()
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");
        _host.Server.UserRegister = 0;

        await ((Drupal7AccountProvider)_host.Provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, null, null));

        _host.Server.Mails.Should().Equal(new Testing.Drupal7.FakeDrupal7Mail(user.Id, "jdoe@example.org", "register_admin_created"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Mail_failure_of_a_reset_or_a_welcome_email_is_MailFailed(bool reset)
    {
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");
        _host.Server.MailFails = true;
        var account = new CmsAccount(user.Id, null, null);

        var act = reset
            ? (Func<Task>)(() => _host.Provider.SendPasswordResetAsync(account))
            : () => ((Drupal7AccountProvider)_host.Provider).SendNewAccountNotificationAsync(account);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.MailFailed, "the action answered false: the site's mail failed, it is not down");
        ex.ErrorCode.Should().Be("mail_failed");
        _host.Server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task Login_links_are_not_offered()
    {
        var link = await _host.Provider.CreateOneTimeLoginLinkAsync(new CmsAccount(1, null, null));

        link.Should().BeNull();
        _host.Server.Requests.Should().BeEmpty();
        _host.Provider.Capabilities.Should().NotHaveFlag(CmsCapabilities.OneTimeLoginLink);
    }

    [Fact]
    public async Task Connectivity_check_reports_login_and_index()
    {
        var healthy = await _host.Provider.CheckConnectivityAsync();
        _host.Server.DisabledOperations.Add("index");
        var broken = await _host.Provider.CheckConnectivityAsync();

        healthy.Healthy.Should().BeTrue();
        healthy.Checks.Should().HaveCount(2);
        broken.Healthy.Should().BeFalse();
        broken.Checks.Single(c => !c.Passed).Name.Should().Be("User resource index");
    }
}
