using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Standalone;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

public sealed class StandaloneTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private ServiceProvider Build(Action<StandaloneOptions>? configure = null, bool withCiviCrm = false)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        var builder = services.AddCmsUserProvisioning(o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") };
            rule.Roles.Add("staff");
            o.Rules.Add(rule);
        }).AddStandalone(o =>
        {
            o.BaseUrl = _site.Url;
            o.ApiKey = _site.ApiKey;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            configure?.Invoke(o);
        });
        if (withCiviCrm)
        {
            builder.AddCiviCrm(o => { o.BaseUrl = _site.Url; o.ApiKey = _site.ApiKey; });
        }

        _services = services.BuildServiceProvider();
        return _services;
    }

    private ICmsAccountProvider Provider(Action<StandaloneOptions>? configure = null) => Build(configure).GetRequiredService<ICmsAccountProvider>();

    private static NewCmsAccount Account(string username, string email, long? contactId, params string[] roles) =>
        new() { Username = username, Email = email, ContactId = contactId, Roles = roles };

    [Fact]
    public async Task Create_without_password_writes_the_user_row_that_is_the_link_and_sends_the_reset_email()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");

        var account = await Provider().CreateAsync(Account("jdoe", "jdoe@example.org", contact, "staff") with { Language = "de_DE" });

        var user = _site.Users.Single(u => u.Username == "jdoe");
        user.Id.Should().Be(account.UserId);
        user.ContactId.Should().Be(contact);
        user.IsActive.Should().BeTrue();
        user.Roles.Should().Equal(_site.StaffRole);
        _site.Links.Should().Contain(l => l.ContactId == contact && l.UfId == account.UserId, "the user row is the UFMatch link");
        _site.Mails.Should().ContainSingle().Which.To.Should().Be("jdoe@example.org");
        _site.Requests.Should().Contain(r => r.Action == "create" && r.ParamsJson!.Contains("\"roles\":[3]", StringComparison.Ordinal) && !r.ParamsJson.Contains("password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Duplicate_username_is_refused_by_the_provider_although_the_server_would_accept_it()
    {
        var other = _site.AddContact("Jo", "Other", "other@example.org");
        _site.AddUser("jdoe", "other@example.org", other);
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");

        var act = () => Provider().CreateAsync(Account("JDOE", "jdoe@example.org", contact));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        _site.Users.Count(u => string.Equals(u.Username, "jdoe", StringComparison.OrdinalIgnoreCase)).Should().Be(1);
        _site.CallCount("User", "create").Should().Be(0);
    }

    [Fact]
    public async Task Duplicate_email_differing_in_case_is_DuplicateEmail()
    {
        var other = _site.AddContact("Jo", "Other", "jdoe@example.org");
        _site.AddUser("someone", "jdoe@example.org", other);
        var contact = _site.AddContact("Jane", "Doe", "JDOE@Example.ORG");

        var act = () => Provider().CreateAsync(Account("jdoe", "JDOE@Example.ORG", contact));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Fact]
    public async Task A_contact_that_already_has_a_user_is_refused_before_writing()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddUser("jane.old", "old@example.org", contact);

        var act = () => Provider().CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Message.Should().Contain("already has user");
        _site.CallCount("User", "create").Should().Be(0);
    }

    [Fact]
    public async Task Username_over_60_characters_is_refused_instead_of_being_cut_by_the_server()
    {
        var act = () => Provider().CreateAsync(Account(new string('u', 61), "u@example.org", null));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        _site.CallCount("User", "create").Should().Be(0);
    }

    [Fact]
    public async Task The_fake_cuts_long_usernames_like_the_live_server()
    {
        var provider = (StandaloneAccountProvider)Provider();
        using var http = new HttpClient();
        var json = "{\"values\":{\"username\":\"" + new string('u', 61) + "\",\"uf_name\":\"long@example.org\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_site.Url, "civicrm/ajax/api4/User/create")) { Content = new FormUrlEncodedContent([new("params", json)]) };
        request.Headers.Add("X-Civi-Auth", "Bearer " + _site.ApiKey);
        using var response = await http.SendAsync(request);

        response.IsSuccessStatusCode.Should().BeTrue();
        _site.Users.Should().Contain(u => u.Username == new string('u', 57) + "...");
        _ = provider;
    }

    [Fact]
    public async Task Unknown_role_is_refused_before_any_write()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");

        var act = () => Provider().CreateAsync(Account("jdoe", "jdoe@example.org", contact, "staff", "no_such_role"));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
        ex.Message.Should().Contain("'no_such_role'").And.Contain("staff");
        _site.CallCount("User", "create").Should().Be(0);
    }

    [Fact]
    public async Task A_password_is_set_only_with_the_actor_password_and_a_wrong_one_names_the_setting()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var withActor = Provider(o => o.ActorPassword = _site.ActorPassword);

        await withActor.CreateAsync(Account("jdoe", "jdoe@example.org", contact) with { Password = "S3cret-pass!" });

        _site.Mails.Should().BeEmpty("a user with a password needs no reset email");
        _site.Requests.Single(r => r.Action == "create").ParamsJson.Should().Contain("actorPassword");

        _services!.Dispose();
        var contact2 = _site.AddContact("Jim", "Roe", "jroe@example.org");
        var wrong = Provider(o => o.ActorPassword = "not-it");
        var act = () => wrong.CreateAsync(Account("jroe", "jroe@example.org", contact2) with { Password = "S3cret-pass!" });
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.Message.Should().Contain("CmsUser:Standalone:ActorPassword").And.NotContain("not-it").And.NotContain("S3cret-pass!");
    }

    [Fact]
    public async Task Without_an_actor_password_a_given_password_is_not_sent_and_the_reset_email_goes_out()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");

        await Provider().CreateAsync(Account("jdoe", "jdoe@example.org", contact) with { Password = "S3cret-pass!" });

        _site.Requests.Should().NotContain(r => r.ParamsJson != null && r.ParamsJson.Contains("S3cret-pass!", StringComparison.Ordinal));
        _site.Mails.Should().ContainSingle();
    }

    [Fact]
    public async Task Adding_roles_sends_the_union_because_roles_replace_the_set()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.AdminRole);

        await Provider().AddRolesAsync(new CmsAccount(id, null, null), ["staff"]);

        _site.Users.Single(u => u.Id == id).Roles.Should().BeEquivalentTo([_site.AdminRole, _site.StaffRole]);
    }

    [Fact]
    public async Task Block_deactivates_and_a_missing_user_is_not_mistaken_for_a_phantom_success()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact);
        var provider = Provider();

        await provider.BlockAsync(new CmsAccount(id, null, null));
        var act = () => provider.BlockAsync(new CmsAccount(999, null, null));

        _site.Users.Single(u => u.Id == id).IsActive.Should().BeFalse();
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Reset_email_failures_are_typed_and_blocked_users_still_get_the_email()
    {
        var provider = Provider();
        var noContact = _site.AddUser("orphan", "orphan@example.org", null);
        var badEmail = _site.AddUser("bad", "not-an-email", _site.AddContact("B", "B", null));
        var blocked = _site.AddUser("blocked", "blocked@example.org", _site.AddContact("C", "C", "blocked@example.org"), isActive: false);

        var orphan = () => provider.SendPasswordResetAsync(new CmsAccount(noContact, null, null));
        var invalid = () => provider.SendPasswordResetAsync(new CmsAccount(badEmail, null, null));
        await provider.SendPasswordResetAsync(new CmsAccount(blocked, null, null));

        (await orphan.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
        (await invalid.Should().ThrowAsync<CmsProviderException>()).Which.Message.Should().Contain("No password reset message template available");
        _site.Mails.Should().ContainSingle().Which.To.Should().Be("blocked@example.org");
        _site.Requests.Should().Contain(r => r.Action == "sendPasswordResetEmail" && r.ParamsJson!.Contains("\"timeout\":1440", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Find_by_email_and_username_is_case_insensitive_and_reads_role_names()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.StaffRole);
        var provider = Provider();

        (await provider.FindByEmailAsync("JDOE@Example.ORG"))!.UserId.Should().Be(id);
        var byName = await provider.FindByUsernameAsync("JDoe");
        byName!.Roles.Should().Equal("staff");
        (await provider.FindByUsernameAsync("nobody")).Should().BeNull();
        (await provider.GetByIdAsync(id))!.Email.Should().Be("jdoe@example.org");
        _site.Requests.Where(r => r.Entity == "User" && r.Action == "get").Should().OnlyContain(r => !r.ParamsJson!.Contains("\"*\"", StringComparison.Ordinal), "select * would leak hashed_password");
    }

    [Fact]
    public async Task Wrong_key_is_Authentication_and_missing_administer_users_is_Permission()
    {
        var wrong = Provider(o => o.ApiKey = "wrong");
        var act = () => wrong.FindByEmailAsync("a@example.org");
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Authentication);

        _services!.Dispose();
        _site.AdministerUsers = false;
        var limited = Provider();
        var create = () => limited.CreateAsync(Account("jdoe", "jdoe@example.org", null));
        var ex = (await create.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("administer users");
    }

    [Fact]
    public async Task Secrets_never_reach_logs_or_exceptions()
    {
        var provider = Provider(o => { o.ActorPassword = "actor-secret-1"; o.SiteKey = "site-secret-2"; });
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        try
        {
            await provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact) with { Password = "user-secret-3" });
        }
        catch (CmsProviderException ex)
        {
            ex.ToString().Should().NotContainAny("actor-secret-1", "site-secret-2", "user-secret-3", _site.ApiKey);
        }

        var logs = _services!.GetRequiredService<FakeLogCollector>().GetSnapshot();
        logs.Should().NotContain(r => new[] { "actor-secret-1", "site-secret-2", "user-secret-3", _site.ApiKey }.Any(s => r.Message.Contains(s, StringComparison.Ordinal)
            || (r.StructuredState != null && r.StructuredState.Any(kv => kv.Value != null && kv.Value.Contains(s, StringComparison.Ordinal)))));
    }

    [Theory]
    [InlineData(null, "k", "CmsUser:Standalone:BaseUrl is missing")]
    [InlineData("http://crm.example.org/", "k", "plain http")]
    [InlineData("https://crm.example.org/", "", "CmsUser:Standalone:ApiKey is missing")]
    public void Invalid_options_name_the_setting(string? url, string key, string message)
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddStandalone(o => { o.BaseUrl = url is null ? null : new Uri(url); o.ApiKey = key; });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<StandaloneOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Registration_guards_its_arguments_and_is_safe_to_call_twice()
    {
        ((Action)(() => ((ICmsUserBuilder)null!).AddStandalone())).Should().Throw<ArgumentNullException>();
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddStandalone().AddStandalone();
        services.Count(d => d.ServiceType == typeof(ICmsAccountProvider)).Should().Be(1);
    }

    [Fact]
    public async Task End_to_end_the_engine_creates_the_user_and_accepts_the_link_the_user_row_already_is()
    {
        var services = Build(withCiviCrm: true);
        var group = _site.AddGroup("members");
        var jane = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddToGroup(group, [jane]);

        var summary = await services.GetRequiredService<IUserProvisioner>().RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(1);
        var user = _site.Users.Single(u => u.Username == "jane.doe");
        user.ContactId.Should().Be(jane);
        user.Roles.Should().Equal(_site.StaffRole);
        _site.Links.Count(l => l.ContactId == jane).Should().Be(1, "no separate UFMatch was written");
        _site.CallCount("UFMatch", "save").Should().Be(0);
        _site.Activities.Should().ContainSingle(a => a.Subject == $"Created : jane.doe ({user.Id})");
        _site.GroupStatus(group, jane).Should().Be("Removed");
    }
}
