using System.Text.Json;
using Skvare.CmsUser.Testing.Drupal7;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class CreateTests : IDisposable
{
    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    private JsonElement CreateBody() =>
        JsonDocument.Parse(_host.Server.Requests.Single(r => r.Method == "POST" && r.Path == "/api/user.json").Body!).RootElement;

    [Fact]
    public async Task Create_posts_the_register_form_values_and_reads_the_string_uid()
    {
        _host.Server.AddRole(5, "member");

        var created = await _host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Password = "S3cret-pass!", Roles = ["editor", "5"] });

        var stored = _host.Server.FindUser(created.UserId);
        stored.Should().NotBeNull();
        stored!.Username.Should().Be("jdoe");
        stored.Email.Should().Be("jdoe@example.org");
        stored.Active.Should().BeTrue();
        stored.ExtrasOf<FakeDrupal7UserExtras>().RoleIds.Should().BeEquivalentTo([4, 5]);
        stored.PasswordMatches("S3cret-pass!").Should().BeTrue();
        created.UserId.Should().Be(stored.Id);
        created.IsActive.Should().BeTrue();
        var body = CreateBody();
        body.GetProperty("status").GetInt32().Should().Be(1);
        body.GetProperty("notify").GetInt32().Should().Be(0);
        body.GetProperty("roles").GetProperty("4").GetString().Should().Be("4");
        _host.Server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task Missing_password_is_replaced_by_a_generated_one()
    {
        var created = await _host.Provider.CreateAsync(Drupal7TestHost.NewAccount());

        var pass = CreateBody().GetProperty("pass").GetString();
        pass.Should().HaveLength(24);
        _host.Server.FindUser(created.UserId)!.PasswordMatches(pass!).Should().BeTrue();
        _host.Logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(pass!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Notify_asks_Drupal_for_the_admin_created_email()
    {
        var created = await _host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Notify = true });

        CreateBody().GetProperty("notify").GetInt32().Should().Be(1);
        _host.Server.Mails.Should().Equal(new Testing.Drupal7.FakeDrupal7Mail(created.UserId, "jdoe@example.org", "register_admin_created"));
    }

    [Fact]
    public async Task Inactive_account_is_created_blocked()
    {
        var created = await _host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Active = false });

        _host.Server.FindUser(created.UserId)!.Active.Should().BeFalse();
        created.IsActive.Should().BeFalse();
    }

    [Fact]
    public async Task Names_and_mapped_fields_use_the_Field_API_shape_and_the_language_is_mapped()
    {
        using var host = new Drupal7TestHost(o => { o.FirstNameField = "field_first_name"; o.LastNameField = "field_last_name"; });
        host.Server.AddUserField("field_first_name");
        host.Server.AddUserField("field_last_name");
        host.Server.AddUserField("field_member_no");
        host.Server.AddLanguage("pt-br");

        var created = await host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with
        {
            FirstName = "Jane",
            LastName = "Doe",
            Language = "pt_BR",
            Fields = new Dictionary<string, string> { ["field_member_no"] = "M-17" },
        });

        var stored = host.Server.FindUser(created.UserId)!;
        stored.Fields.Should().BeEquivalentTo(new Dictionary<string, string> { ["field_first_name"] = "Jane", ["field_last_name"] = "Doe", ["field_member_no"] = "M-17" });
        stored.Language.Should().Be("pt-br");
    }

    [Fact]
    public async Task Parts_of_a_compound_field_go_into_its_items_with_the_reference_extensions_language_key_or_without()
    {
        _host.Server.AddUserField("field_address", ["country", "locality", "postal_code"]);

        var created = await _host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with
        {
            Fields = new Dictionary<string, string>
            {
                ["field_address[und][0][locality]"] = "Porto",
                ["field_address[0][country]"] = "PT",
                ["field_address[1][locality]"] = "Braga",
            },
        });

        var body = _host.Server.Requests.Single(r => r.Method == "POST" && r.Path.EndsWith("/user.json", StringComparison.Ordinal)).Body!;
        body.Should().Contain("""
            "field_address":{"und":[{"locality":"Porto","country":"PT"},{"locality":"Braga"}]}
            """);
        _host.Server.FindUser(created.UserId)!.Fields.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["field_address[0][locality]"] = "Porto",
            ["field_address[0][country]"] = "PT",
            ["field_address[1][locality]"] = "Braga",
        });
    }

    [Fact]
    public async Task A_language_the_site_has_not_enabled_is_UnknownLanguage_and_creates_nothing()
    {
        var act = () => _host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Language = "de_DE" });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownLanguage, "the engine creates the account again without the language");
        ex.Kind.Should().Be(FailureKind.Permanent);
        _host.Server.Users.Should().NotContain(u => u.Email == "jdoe@example.org");
    }

    [Fact]
    public async Task A_language_refused_beside_another_value_is_that_values_refusal()
    {
        var act = () => _host.Provider.CreateAsync(Drupal7TestHost.NewAccount("jdoe", "not an email") with { Language = "de_DE" });

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidEmail, "without the language the create would still be refused");
    }

    [Fact]
    public async Task Role_names_without_a_configured_id_fail_before_any_call()
    {
        var act = () => _host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Roles = ["manager"] });

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.Message.Should().Contain("CmsUser:Drupal7:RoleIds");
        _host.Server.Requests.Should().BeEmpty();
    }
}
