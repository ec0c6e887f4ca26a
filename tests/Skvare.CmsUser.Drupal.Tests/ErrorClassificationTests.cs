using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class ErrorClassificationTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private async Task<CmsProviderException> CreateFails(NewCmsAccount account, DrupalTestHost? host = null)
    {
        var target = host ?? _host;
        var act = () => target.Provider.CreateAsync(account);
        return (await act.Should().ThrowAsync<CmsProviderException>()).Which;
    }

    [Fact]
    public async Task Taken_username_and_email_together_report_the_email()
    {
        _host.Server.AddUser("jdoe", "jdoe@example.org");

        var ex = await CreateFails(DrupalTestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
        ex.Message.Should().Contain("name: The username jdoe is already taken.");
    }

    [Fact]
    public async Task Invalid_email_is_InvalidEmail()
    {
        (await CreateFails(DrupalTestHost.NewAccount(email: "not-an-email"))).Reason.Should().Be(CmsErrorReason.InvalidEmail);
    }

    [Theory]
    [InlineData("bad/name")]
    [InlineData(" leading")]
    [InlineData("two  spaces")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Invalid_username_is_InvalidUsername(string name)
    {
        (await CreateFails(DrupalTestHost.NewAccount(name))).Reason.Should().Be(CmsErrorReason.InvalidUsername);
    }

    [Fact]
    public async Task Unknown_role_is_UnknownRole()
    {
        var ex = await CreateFails(DrupalTestHost.NewAccount() with { Roles = ["no_such_role"] });

        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.Message.Should().Contain("roles.0.target_id");
    }

    [Fact]
    public async Task Disabled_language_alone_is_UnknownLanguage_so_the_engine_creates_without_it()
    {
        var ex = await CreateFails(DrupalTestHost.NewAccount() with { Language = "de_DE" });

        ex.Reason.Should().Be(CmsErrorReason.UnknownLanguage);
        ex.Kind.Should().Be(FailureKind.Permanent);
        _host.Server.Users.Should().NotContain(u => u.Email == "jdoe@example.org", "a refused create saves nothing, so it can be sent again without the language");
    }

    [Fact]
    public async Task Disabled_language_beside_another_refused_value_is_InvalidData()
    {
        var ex = await CreateFails(DrupalTestHost.NewAccount() with { Language = "de_DE", Fields = new Dictionary<string, string> { ["field_nope"] = "x" } });

        ex.Reason.Should().Be(CmsErrorReason.InvalidData, "without the language the create would still be refused");
    }

    [Fact]
    public async Task Unknown_mapped_field_is_InvalidData()
    {
        (await CreateFails(DrupalTestHost.NewAccount() with { Fields = new Dictionary<string, string> { ["field_nope"] = "x" } })).Reason.Should().Be(CmsErrorReason.InvalidData);
    }

    [Fact]
    public async Task JSON_API_error_documents_are_classified_by_their_detail()
    {
        _host.Server.FailNext(1, 422, "{\"jsonapi\":{\"version\":\"1.0\"},\"errors\":[{\"title\":\"Unprocessable Content\",\"status\":\"422\",\"detail\":\"mail: The email address jdoe@example.org is already taken.\",\"source\":{\"pointer\":\"/data/attributes/mail\"}}]}", "application/vnd.api+json");

        (await CreateFails(DrupalTestHost.NewAccount())).Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Fact]
    public async Task Missing_administer_users_is_Permission_naming_the_permission_and_the_resource()
    {
        _host.Server.ApiUserCanAdministerUsers = false;

        var ex = await CreateFails(DrupalTestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.StatusCode.Should().Be(403);
        ex.Message.Should().Contain("administer users").And.Contain("rest.resource.entity.user");
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Fact]
    public async Task Field_access_denied_is_Permission()
    {
        _host.Server.ApiUserCanAdministerUsers = false;

        var act = () => _host.Provider.BlockAsync(new CmsAccount(_host.Server.ApiUserId, null, null));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("Access denied on updating field 'status'").And.Contain("administer users");
    }

    [Fact]
    public async Task Wrong_basic_credentials_arrive_as_403_and_the_message_says_so()
    {
        using var host = new DrupalTestHost(o => o.Password = "wrong-password-123");

        var ex = await CreateFails(DrupalTestHost.NewAccount(), host);

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.StatusCode.Should().Be(403);
        ex.Message.Should().Contain("CmsUser:Drupal:Username or Password").And.Contain("anonymous").And.NotContain("wrong-password-123");
        host.Server.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Wrong_credentials_on_the_JSON_API_lookup_are_Permission()
    {
        using var host = new DrupalTestHost(o => o.Password = "wrong-password-123");

        var act = () => host.Provider.FindByEmailAsync("jdoe@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("filter users by mail");
    }

    [Fact]
    public async Task Authentication_provider_not_on_the_resource_is_Permission_naming_it()
    {
        _host.Server.ResourceAuthenticationProviders.Remove("basic_auth");

        var ex = await CreateFails(DrupalTestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("\"basic_auth\"").And.Contain("rest.resource.entity.user");
    }

    [Fact]
    public async Task No_credentials_answer_is_Authentication()
    {
        _host.Server.FailNext(1, 401, "{\"message\":\"No authentication credentials provided.\"}", "application/json");

        var act = () => _host.Provider.GetByIdAsync(1);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.Message.Should().Contain("basic_auth");
    }

    [Fact]
    public async Task JSON_API_read_only_answer_is_Permission_naming_the_setting()
    {
        _host.Server.FailNext(1, 405, "{\"jsonapi\":{\"version\":\"1.0\"},\"errors\":[{\"title\":\"Method Not Allowed\",\"status\":\"405\",\"detail\":\"JSON:API is configured to accept only read operations. Site administrators can configure this at https://site/admin/config/services/jsonapi.\"}]}", "application/vnd.api+json");

        var act = () => _host.Provider.FindByEmailAsync("jdoe@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("jsonapi.settings:read_only");
    }

    [Fact]
    public async Task Bad_request_body_is_InvalidData()
    {
        _host.Server.FailNext(1, 400, "{\"message\":\"No entity content received.\"}", "application/json");

        (await CreateFails(DrupalTestHost.NewAccount())).Reason.Should().Be(CmsErrorReason.InvalidData);
    }

    [Fact]
    public async Task Mail_failure_on_reset_is_MailFailed()
    {
        _host.Server.MailFails = true;
        var user = _host.Server.AddUser("jdoe", "jdoe@example.org");

        var act = () => _host.Provider.SendPasswordResetAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.MailFailed);
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.StatusCode.Should().Be(400);
    }

    [Fact]
    public async Task Disabled_REST_resource_is_a_configuration_error()
    {
        _host.Server.RestResourceEnabled = false;

        var read = () => _host.Provider.GetByIdAsync(1);
        var create = () => _host.Provider.CreateAsync(DrupalTestHost.NewAccount());

        var readError = (await read.Should().ThrowAsync<CmsProviderException>()).Which;
        readError.StatusCode.Should().Be(406);
        readError.Kind.Should().Be(FailureKind.Configuration);
        var createError = (await create.Should().ThrowAsync<CmsProviderException>()).Which;
        createError.StatusCode.Should().Be(404);
        createError.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        createError.Message.Should().Contain("rest.resource.entity.user");
    }

    [Fact]
    public async Task Missing_JSON_API_is_a_configuration_error_naming_the_module()
    {
        _host.Server.JsonApiEnabled = false;

        var act = () => _host.Provider.FindByUsernameAsync("jdoe");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Message.Should().Contain("jsonapi");
    }

    [Fact]
    public async Task Html_page_with_status_200_does_not_crash_the_parser()
    {
        _host.Server.FailNext(1, 200, "<html><body>Welcome to Drupal</body></html>");

        var act = () => _host.Provider.GetByIdAsync(1);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
    }

    [Fact]
    public async Task Json_cut_short_is_Unavailable_so_only_that_contact_fails()
    {
        // Cut on every try (the first and Http:MaxRetries more): a read cut once is asked again (CutAnswerTests).
        _host.Server.FailNext(3, 200, "{\"uid\": [", "application/json");

        var act = () => _host.Provider.GetByIdAsync(1);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Unavailable, "a 2xx JSON answer cut short is one request's damage, not the site's set-up");
    }

    [Fact]
    public async Task Server_error_after_create_was_processed_is_UnknownOutcome_and_not_retried()
    {
        _host.Server.FailNextAfterProcessing(1, 500);

        var ex = await CreateFails(DrupalTestHost.NewAccount());

        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        _host.Server.Requests.Should().ContainSingle();
        _host.Server.FindUserByMail("jdoe@example.org").Should().NotBeNull("the account exists although the answer failed");
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_timeout_is_UnknownOutcome()
    {
        // On a fake HTTP clock: the attempt times out only once the fake holds the create.
        var clock = new FakeTimeProvider();
        using var host = new DrupalTestHost(o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(1), httpClock: clock);
        var ex = await HungCreate.TimesOutAsync(host.Server, clock, TimeSpan.FromSeconds(1), () => host.Provider.CreateAsync(DrupalTestHost.NewAccount()));

        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        host.Server.Requests.Where(r => r.Method == "POST").Should().ContainSingle("the create was not sent again");
    }

    [Fact]
    public async Task Throttling_is_Throttled()
    {
        _host.Server.FailNext(3, 429, "{\"message\":\"Too many requests\"}", "application/json");

        var act = () => _host.Provider.GetByIdAsync(1);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Throttled);
    }

}
