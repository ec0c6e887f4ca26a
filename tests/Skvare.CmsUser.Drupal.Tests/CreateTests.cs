using System.Text.Json;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class CreateTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Create_posts_field_lists_to_entity_user_and_stores_an_active_account()
    {
        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = "S3cret-pass!", Roles = ["editor"] });

        var stored = _host.Server.FindUser(created.UserId);
        stored.Should().NotBeNull();
        stored!.Username.Should().Be("jdoe");
        stored.Email.Should().Be("jdoe@example.org");
        stored.Active.Should().BeTrue("the provider always sends status true; Drupal's default is blocked");
        stored.Roles.Should().Equal("editor");
        stored.PasswordMatches("S3cret-pass!").Should().BeTrue();
        created.Should().BeEquivalentTo(new CmsAccount(stored.Id, "jdoe", "jdoe@example.org") { IsActive = true, Roles = ["editor"], Notification = CmsNotification.NotRequested, CreatedAt = created.CreatedAt });
        created.CreatedAt.Should().NotBeNull("core REST answers the new user with its created");
        _host.Server.Mails.Should().BeEmpty();

        var request = _host.Server.Requests.Single(r => r.Method == "POST");
        request.Path.Should().Be("/entity/user");
        request.Query.Should().Be("_format=json");
        request.ContentType.Should().StartWith("application/json");
        using var body = JsonDocument.Parse(request.Body!);
        body.RootElement.GetProperty("name")[0].GetProperty("value").GetString().Should().Be("jdoe");
        body.RootElement.GetProperty("mail")[0].GetProperty("value").GetString().Should().Be("jdoe@example.org");
        body.RootElement.GetProperty("status")[0].GetProperty("value").GetBoolean().Should().BeTrue();
        body.RootElement.GetProperty("roles")[0].GetProperty("target_id").GetString().Should().Be("editor");
    }

    [Fact]
    public async Task Create_without_password_sends_no_pass_field()
    {
        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount());

        _host.Server.FindUser(created.UserId)!.HasPassword.Should().BeFalse();
        using var body = JsonDocument.Parse(_host.Server.Requests.Single(r => r.Method == "POST").Body!);
        body.RootElement.TryGetProperty("pass", out _).Should().BeFalse();
        body.RootElement.TryGetProperty("roles", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Inactive_account_is_created_blocked()
    {
        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Active = false });

        created.IsActive.Should().BeFalse();
        _host.Server.FindUser(created.UserId)!.Active.Should().BeFalse();
    }

    [Theory]
    [InlineData("de_DE", "de")]
    [InlineData("pt_BR", "pt-br")]
    [InlineData("zh_CN", "zh-hans")]
    [InlineData("fr", "fr")]
    public async Task CiviCRM_locale_becomes_the_preferred_langcode(string locale, string langcode)
    {
        _host.Server.AddLanguage(langcode);

        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Language = locale });

        _host.Server.FindUser(created.UserId)!.Language.Should().Be(langcode);
    }

    [Fact]
    public async Task Names_go_into_the_configured_fields_and_mapped_fields_are_sent_as_value_lists()
    {
        using var host = new DrupalTestHost(o => { o.FirstNameField = "field_first_name"; o.LastNameField = "field_last_name"; });
        host.Server.AddUserField("field_first_name");
        host.Server.AddUserField("field_last_name");
        host.Server.AddUserField("field_member_no");

        var created = await host.Provider.CreateAsync(DrupalTestHost.NewAccount() with
        {
            FirstName = "Jane",
            LastName = "Doe",
            Fields = new Dictionary<string, string> { ["field_member_no"] = "M-17" },
        });

        host.Server.FindUser(created.UserId)!.Fields.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["field_first_name"] = "Jane",
            ["field_last_name"] = "Doe",
            ["field_member_no"] = "M-17",
        });
    }

    [Fact]
    public async Task Parts_of_a_compound_field_are_sent_as_properties_of_its_items()
    {
        _host.Server.AddUserField("field_address", ["country_code", "locality", "address_line1", "postal_code"]);
        _host.Server.AddUserField("field_member_no");

        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with
        {
            Fields = new Dictionary<string, string>
            {
                ["field_address[0][locality]"] = "Porto",
                ["field_address[country_code]"] = "PT",
                ["field_address[1][locality]"] = "Braga",
                ["field_member_no"] = "M-17",
            },
        });

        using var body = JsonDocument.Parse(_host.Server.Requests.Single(r => r.Method == "POST").Body!);
        body.RootElement.GetProperty("field_address").GetRawText().Should().Be("""[{"locality":"Porto","country_code":"PT"},{"locality":"Braga"}]""");
        body.RootElement.GetProperty("field_member_no").GetRawText().Should().Be("""[{"value":"M-17"}]""");
        _host.Server.FindUser(created.UserId)!.Fields.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["field_address[0][locality]"] = "Porto",
            ["field_address[0][country_code]"] = "PT",
            ["field_address[1][locality]"] = "Braga",
            ["field_member_no"] = "M-17",
        });
        var read = await _host.Provider.GetByIdAsync(created.UserId);
        read.Should().NotBeNull();
    }

    [Fact]
    public async Task Names_are_not_sent_when_no_field_is_configured()
    {
        await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { FirstName = "Jane", LastName = "Doe" });

        var body = _host.Server.Requests.Single(r => r.Method == "POST").Body!;
        body.Should().NotContain("Jane").And.NotContain("Doe");
    }

    [Fact]
    public async Task Notify_without_the_companion_module_sends_the_password_reset_email()
    {
        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = true });

        _host.Server.Mails.Should().Equal(new Testing.Drupal.FakeDrupalMail(created.UserId, "jdoe@example.org", "password_reset"));
        var reset = _host.Server.Requests.Single(r => r.Path == "/user/password");
        reset.Query.Should().Be("_format=json");
        JsonDocument.Parse(reset.Body!).RootElement.GetProperty("mail").GetString().Should().Be("jdoe@example.org");
    }

    [Fact]
    public async Task Notify_with_the_companion_module_sends_the_admin_created_email()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;

        var created = await host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = true });

        host.Server.Mails.Should().Equal(new Testing.Drupal.FakeDrupalMail(created.UserId, "jdoe@example.org", "register_admin_created"));
        host.Server.Requests.Should().NotContain(r => r.Path.StartsWith("/cmsuser/", StringComparison.Ordinal), "the module sends it inside the create");
    }

    [Fact]
    public async Task A_notification_failure_does_not_fail_the_created_account()
    {
        _host.Server.MailFails = true;

        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = true });

        _host.Server.FindUser(created.UserId).Should().NotBeNull();
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 3102);
    }

    [Fact]
    public async Task Drupal_username_characters_are_accepted()
    {
        var created = await _host.Provider.CreateAsync(DrupalTestHost.NewAccount("o'brien+test@x.y-z"));

        _host.Server.FindUser(created.UserId)!.Username.Should().Be("o'brien+test@x.y-z");
    }
}
