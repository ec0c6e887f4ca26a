namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class ErrorClassificationTests : IDisposable
{
    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    private async Task<CmsProviderException> CreateFails(NewCmsAccount account)
    {
        var act = () => _host.Provider.CreateAsync(account);
        return (await act.Should().ThrowAsync<CmsProviderException>()).Which;
    }

    [Fact]
    public async Task Taken_username_and_email_together_report_the_email()
    {
        _host.Server.AddUser("jdoe", "jdoe@example.org");

        (await CreateFails(Drupal7TestHost.NewAccount())).Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Fact]
    public async Task Anonymous_wording_of_a_taken_email_is_a_duplicate_too()
    {
        _host.Server.FailNext(1, 406, "{\"form_errors\":{\"mail\":\"The e-mail address <em class=\\\"placeholder\\\">x@y.org</em> is already registered. <a href=\\\"/user/password\\\">Have you forgotten your password?</a>\"}}", "application/json");

        (await CreateFails(Drupal7TestHost.NewAccount())).Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Fact]
    public async Task Invalid_email_is_InvalidEmail()
    {
        (await CreateFails(Drupal7TestHost.NewAccount(email: "not-an-email"))).Reason.Should().Be(CmsErrorReason.InvalidEmail);
    }

    [Theory]
    [InlineData("jane+test")]
    [InlineData("bad/name")]
    [InlineData("two  spaces")]
    [InlineData("0")] // PHP: !"0" is true, so user_validate_name says "You must enter a username."
    public async Task Invalid_username_is_InvalidUsername(string name)
    {
        (await CreateFails(Drupal7TestHost.NewAccount(name))).Reason.Should().Be(CmsErrorReason.InvalidUsername);
    }

    [Fact]
    public async Task Unknown_role_id_is_UnknownRole()
    {
        (await CreateFails(Drupal7TestHost.NewAccount() with { Roles = ["77"] })).Reason.Should().Be(CmsErrorReason.UnknownRole);
    }

    [Fact]
    public async Task Password_form_error_is_InvalidData()
    {
        _host.Server.FailNext(1, 406, "{\"form_errors\":{\"pass\":\"Password field is required.\"}}", "application/json");

        (await CreateFails(Drupal7TestHost.NewAccount())).Reason.Should().Be(CmsErrorReason.InvalidData);
    }

    [Fact]
    public async Task Missing_administer_users_is_Permission()
    {
        _host.Server.ApiUserCanAdministerUsers = false;

        var ex = await CreateFails(Drupal7TestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.StatusCode.Should().Be(403);
        ex.Message.Should().Contain("administer users").And.Contain("Access denied for user cmsuser_api");
        _host.Server.Logins.Should().Be(1, "a refusal of a logged-in user is not a session problem");
    }

    [Fact]
    public async Task Disabled_operation_is_a_configuration_error_naming_the_resource_settings()
    {
        _host.Server.DisabledOperations.Add("create");

        var ex = await CreateFails(Drupal7TestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.Message.Should().Contain("admin/structure/services");
    }

    [Fact]
    public async Task Wrong_endpoint_is_a_configuration_error()
    {
        using var host = new Drupal7TestHost(o => o.Endpoint = "rest");

        var act = () => host.Provider.FindByEmailAsync("a@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Message.Should().Contain("CmsUser:Drupal7:Endpoint");
    }

    [Fact]
    public async Task Missing_json_formatter_is_UnexpectedResponse()
    {
        _host.Server.FailNext(1, 406, "[\"Unknown or unsupported response format.\"]", "application/json");

        var act = () => _host.Provider.FindByEmailAsync("a@example.org");

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
    }

    [Fact]
    public async Task Server_error_after_create_was_processed_is_UnknownOutcome_and_not_retried()
    {
        await _host.Provider.FindByEmailAsync("a@example.org");
        _host.Server.FailNextAfterProcessing(1, 500);

        var ex = await CreateFails(Drupal7TestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        _host.ApiRequests.Count(r => r.Method == "POST").Should().Be(1);
        _host.Server.FindUserByMail("jdoe@example.org").Should().NotBeNull();
    }

    [Fact]
    public async Task Html_page_with_status_200_does_not_crash_the_parser()
    {
        await _host.Provider.FindByEmailAsync("a@example.org");
        _host.Server.FailNext(1, 200, "<html><body>Welcome</body></html>");

        var act = () => _host.Provider.GetByIdAsync(1);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
    }

    [Fact]
    public async Task Throttling_is_Throttled()
    {
        await _host.Provider.FindByEmailAsync("a@example.org");
        _host.Server.FailNext(3, 429, "[\"Too many requests\"]", "application/json");

        var act = () => _host.Provider.GetByIdAsync(1);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Throttled);
    }

    [Fact]
    public async Task Actions_on_a_missing_account_are_NotFound()
    {
        var act = () => _host.Provider.SendPasswordResetAsync(new CmsAccount(999, null, null));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.NotFound);
        ex.Message.Should().Contain("There is no user with ID 999.");
    }
}
