using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
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

    private ServiceProvider Build(Action<StandaloneOptions>? configure = null, Action<CiviCrmOptions>? civi = null)
    {
        _services = StandaloneHost.Build(_site, configure, civi);
        return _services;
    }

    private ICmsAccountProvider Provider(Action<StandaloneOptions>? configure = null, Action<CiviCrmOptions>? civi = null) =>
        Build(configure, civi).GetRequiredService<ICmsAccountProvider>();

    private static NewCmsAccount Account(string username, string email, long? contactId, params string[] roles) =>
        new() { Username = username, Email = email, ContactId = contactId, Roles = roles };

    [Fact(Timeout = 30_000)]
    public async Task A_language_the_site_lacks_is_accepted_and_kept_as_Standalone_keeps_it_so_there_is_nothing_to_retry()
    {
        // API v4 writes a plain language as it is (docs/cms-standalone.md, "A language the site lacks"; xx_XX accepted live).
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");

        var account = await Provider().CreateAsync(Account("jdoe", "jdoe@example.org", contact, "staff") with { Language = "xx_XX" });

        _site.Users.Should().ContainSingle(u => u.Username == "jdoe").Which.Language.Should().Be("xx_XX");
        account.UserId.Should().Be(_site.Users.Single(u => u.Username == "jdoe").Id);
        _site.CallCount("User", "create").Should().Be(1, "nothing is refused, so nothing is sent again without the language");
    }

    [Fact]
    public async Task Create_without_password_writes_the_user_row_that_is_the_link_and_sends_the_reset_email_in_one_request()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        await provider.CreateAsync(Account("warm", "warm@example.org", _site.AddContact("W", "W", "warm@example.org"), "staff"));
        var before = _site.Requests.Count;

        var account = await provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact, "staff") with { Language = "de_DE" });

        var user = _site.Users.Single(u => u.Username == "jdoe");
        user.Id.Should().Be(account.UserId);
        user.ExtrasOf<FakeStandaloneUserExtras>().ContactId.Should().Be(contact);
        user.Active.Should().BeTrue();
        user.Roles.Should().Equal("staff");
        user.ExtrasOf<FakeStandaloneUserExtras>().RoleIds.Should().Equal(_site.StaffRole);
        _site.Links.Should().Contain(l => l.ContactId == contact && l.UfId == account.UserId, "the user row is the UFMatch link");
        _site.Mails.Should().Contain(m => m.To == "jdoe@example.org");
        _site.Requests.Skip(before).Select(r => $"{r.Entity}.{r.Action}").Should().Equal(["User.create"], "roles are cached, and the username check and the reset email ride in the create request");
        _site.Mails.Count(m => m.To == "jdoe@example.org").Should().Be(1);
        _site.Requests.Should().Contain(r => r.Action == "create" && r.ParamsJson!.Contains("\"roles\":[3]", StringComparison.Ordinal) && !r.ParamsJson.Contains("password", StringComparison.Ordinal));
        account.Notification.Should().Be(CmsNotification.Sent, "the chained reset email answered without is_error");
    }

    [Fact]
    public async Task A_username_taken_elsewhere_is_found_by_the_check_in_the_create_request_and_the_newer_user_removed()
    {
        var other = _site.AddContact("Jo", "Other", "other@example.org");
        var older = _site.AddUser("jdoe", "other@example.org", other);
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");

        var act = () => Provider().CreateAsync(Account("JDOE", "jdoe@example.org", contact));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        _site.Users.Where(u => string.Equals(u.Username, "jdoe", StringComparison.OrdinalIgnoreCase)).Select(u => u.Id).Should().Equal(older);
        _site.CallCount("User", "delete").Should().Be(1);
        // The reset email rides in the create request after the check, so the removed user's mail went out: a rare
        // extra mail whose link leads nowhere, the price of one request per new account.
        _site.Mails.Should().ContainSingle().Which.To.Should().Be("jdoe@example.org");
    }

    [Fact]
    public async Task A_username_taken_after_the_page_look_up_is_still_caught()
    {
        var provider = Provider();
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        await ((ICmsAccountPrefetch)provider).PrefetchAsync(["jdoe@example.org"], ["jdoe"]);
        (await provider.FindByUsernameAsync("jdoe")).Should().BeNull();
        _site.AddUser("jdoe", "someone@example.org", _site.AddContact("S", "One", "someone@example.org"));

        var act = () => provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        _site.Users.Count(u => u.Username == "jdoe").Should().Be(1);
    }

    [Fact]
    public async Task An_email_of_another_contacts_user_is_that_contacts_login_and_is_never_handed_out()
    {
        var holder = _site.AddContact("Jo", "Holder", "shared@example.org");
        var held = _site.AddUser("jo.holder", "shared@example.org", holder);
        var contact = _site.AddContact("Jane", "Doe", "SHARED@example.org");
        var provider = Provider();

        var find = () => provider.FindByEmailAsync("shared@example.org");
        var create = () => provider.CreateAsync(Account("jane.doe", "SHARED@example.org", contact));

        var ex = (await find.Should().ThrowAsync<StandaloneAccountHeldException>()).Which;
        ex.UserId.Should().Be(held);
        ex.HolderContactId.Should().Be(holder);
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.ErrorCode.Should().Be(StandaloneAccountHeldException.Code);
        (await create.Should().ThrowAsync<StandaloneAccountHeldException>()).Which.UserId.Should().Be(held);
        _site.Users.Single(u => u.Id == held).ExtrasOf<FakeStandaloneUserExtras>().ContactId.Should().Be(holder);
        _site.Users.Should().NotContain(u => u.Username == "jane.doe");
    }

    [Fact]
    public async Task A_user_without_a_contact_can_be_linked()
    {
        var loose = _site.AddUser("loose", "loose@example.org", null);

        var found = await Provider().FindByEmailAsync("loose@example.org");

        found!.UserId.Should().Be(loose);
    }

    [Fact]
    public async Task A_contact_that_already_has_a_user_is_told_apart_from_a_taken_email()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddUser("jane.old", "old@example.org", contact);

        var act = () => Provider().CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Message.Should().Contain("already has user");
        _site.Users.Count(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == contact).Should().Be(1);
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_is_found_by_its_contact_and_finished()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        var inserted = _site.AddUser("jdoe", "jdoe@example.org", contact);
        _site.FailNext(503, body: "<html>Service Unavailable</html>", contentType: "text/html");

        var account = await provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        account.UserId.Should().Be(inserted);
        _site.Mails.Should().ContainSingle().Which.To.Should().Be("jdoe@example.org");
        account.Notification.Should().Be(CmsNotification.Sent, "the request may not have run, so the reset email was sent on its own and answered");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_create_refused_by_an_open_circuit_is_unavailable_not_an_unknown_outcome()
    {
        // No retries, so every create is one request; the breaker opens after its minimum throughput of failures.
        var provider = Provider(civi: o => o.Http.MaxRetries = 0);
        _site.FailNext(503, 400, body: "<html>Service Unavailable</html>", contentType: "text/html");

        var reasons = new List<CmsErrorReason>();
        for (var i = 0; i < 150; i++)
        {
            var contact = _site.AddContact("Jane", $"Doe{i}", $"jdoe{i}@example.org");
            var act = () => provider.CreateAsync(Account($"jdoe{i}", $"jdoe{i}@example.org", contact));
            reasons.Add((await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason);
        }

        // Once the circuit is open a create is refused before it is sent: nothing can exist, so there is nothing to recover.
        reasons.Should().Contain(CmsErrorReason.Unavailable);
        reasons.Should().Contain(CmsErrorReason.UnknownOutcome, "the creates that reached the failing site may have happened");
        reasons.SkipWhile(r => r != CmsErrorReason.Unavailable).Should().OnlyContain(r => r == CmsErrorReason.Unavailable);
        _site.Users.Should().NotContain(u => u.Username.StartsWith("jdoe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_create_that_failed_in_transit_without_a_user_is_an_unknown_outcome()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        _site.FailNext(503, body: "<html>Service Unavailable</html>", contentType: "text/html");

        var act = () => provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        ex.Kind.Should().Be(FailureKind.Transient);
        _site.Users.Should().NotContain(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == contact);
    }

    [Fact]
    public async Task Username_over_60_characters_is_refused_instead_of_being_cut_by_the_server()
    {
        var act = () => Provider().CreateAsync(Account(new string('u', 61), "u@example.org", 5));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        _site.CallCount("User", "create").Should().Be(0);
    }

    [Theory]
    [InlineData("a@b")]
    [InlineData("not-an-email-084457r")]
    [InlineData("u@exa_mple.org")]
    public async Task An_address_the_mailer_would_refuse_is_refused_before_anything_is_created(string email)
    {
        var contact = _site.AddContact("Bad", "Email", email);

        var act = () => Provider().CreateAsync(Account("bad.email", email, contact));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.InvalidEmail);
        _site.CallCount("User", "create").Should().Be(0);
    }

    [Fact]
    public async Task A_refused_reset_email_removes_the_new_user_so_the_retry_starts_clean()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        _site.PasswordResetTemplateActive = false;

        var act = () => provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.InvalidEmail);
        ex.Message.Should().Contain("No password reset message template available").And.Contain("removed");
        _site.Users.Should().NotContain(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == contact);

        _site.PasswordResetTemplateActive = true;
        var retried = await provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact));

        _site.Users.Single(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == contact).Id.Should().Be(retried.UserId);
        _site.Mails.Should().ContainSingle().Which.To.Should().Be("jdoe@example.org");
    }

    [Fact]
    public async Task The_fake_cuts_long_usernames_like_the_live_server()
    {
        using var http = new HttpClient();
        var json = "{\"values\":{\"username\":\"" + new string('u', 61) + "\",\"uf_name\":\"long@example.org\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_site.Url, "civicrm/ajax/api4/User/create")) { Content = new FormUrlEncodedContent([new("params", json)]) };
        request.Headers.Add("X-Civi-Auth", "Bearer " + _site.ApiKey);
        using var response = await http.SendAsync(request);

        response.IsSuccessStatusCode.Should().BeTrue();
        _site.Users.Should().Contain(u => u.Username == new string('u', 57) + "...");
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

        _site.Users.Single(u => u.Id == id).ExtrasOf<FakeStandaloneUserExtras>().RoleIds.Should().BeEquivalentTo([_site.AdminRole, _site.StaffRole]);
    }

    [Fact]
    public async Task Block_deactivates_and_a_missing_user_is_not_mistaken_for_a_phantom_success()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact);
        var provider = Provider();

        await provider.BlockAsync(new CmsAccount(id, null, null));
        var act = () => provider.BlockAsync(new CmsAccount(999, null, null));

        _site.Users.Single(u => u.Id == id).Active.Should().BeFalse();
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Reset_email_failures_are_typed_and_blocked_users_still_get_the_email()
    {
        var provider = Provider();
        var noContact = _site.AddUser("orphan", "orphan@example.org", null);
        var badEmail = _site.AddUser("bad", "a@b", _site.AddContact("B", "B", null));
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
        var id = _site.AddUser("jdoe", "jdoe@example.org", null, true, _site.StaffRole);
        var provider = Provider();

        (await provider.FindByEmailAsync("JDOE@Example.ORG"))!.UserId.Should().Be(id);
        var byName = await provider.FindByUsernameAsync("JDoe");
        byName!.Roles.Should().Equal("staff");
        (await provider.FindByUsernameAsync("nobody")).Should().BeNull();
        (await provider.GetByIdAsync(id))!.Email.Should().Be("jdoe@example.org");
        _site.Requests.Where(r => r.Entity == "User" && r.Action == "get").Should().OnlyContain(r => !r.ParamsJson!.Contains("\"*\"", StringComparison.Ordinal), "select * would leak hashed_password and the reset token");
    }

    [Fact]
    public async Task A_page_look_up_answers_the_pages_questions_without_more_requests()
    {
        var holder = _site.AddContact("A", "A", "a1@example.org");
        _site.AddUser("maria.garcia", "a1@example.org", holder);
        _site.AddUser("maria.garcia2", "a2@example.org", null);
        var provider = Provider();
        await ((ICmsAccountPrefetch)provider).PrefetchAsync(["a2@example.org", "new@example.org"], ["maria.garcia", "tom.twin"]);
        var after = _site.Requests.Count;

        (await provider.FindByEmailAsync("A2@example.org"))!.Username.Should().Be("maria.garcia2");
        (await provider.FindByEmailAsync("new@example.org")).Should().BeNull();
        (await provider.FindByUsernameAsync("maria.garcia")).Should().NotBeNull();
        (await provider.FindByUsernameAsync("maria.garcia3")).Should().BeNull();
        (await provider.FindByUsernameAsync("tom.twin")).Should().BeNull();
        _site.Requests.Count.Should().Be(after);

        (await provider.FindByUsernameAsync("someone.else")).Should().BeNull("not covered: asked the server");
        _site.Requests.Count.Should().Be(after + 1);
    }

    [Fact]
    public async Task Connectivity_asks_the_server_for_the_permission_and_passes_on_a_fresh_site_with_one_user()
    {
        var report = await Provider().CheckConnectivityAsync();

        report.Healthy.Should().BeTrue(string.Join("; ", report.Checks.Select(c => c.Detail)));
        _site.Users.Should().ContainSingle("a fresh site has only the admin");
        _site.CallCount("User", "checkAccess").Should().Be(1);
        _site.CallCount("User", "get").Should().Be(0, "permissions are not inferred from counts");
    }

    [Fact]
    public async Task Connectivity_names_administer_users_when_the_server_says_it_is_missing()
    {
        _site.AdministerUsers = false;

        var report = await Provider().CheckConnectivityAsync();

        report.Healthy.Should().BeFalse();
        report.Checks.Should().Contain(c => c.Name == "Administer users" && !c.Passed && c.Detail.Contains("administer users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_key_is_Authentication_and_missing_administer_users_is_Permission()
    {
        var wrong = Provider(civi: o => o.ApiKey = "wrong");
        var act = () => wrong.FindByEmailAsync("a@example.org");
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Authentication);

        _services!.Dispose();
        _site.AdministerUsers = false;
        var limited = Provider();
        var create = () => limited.CreateAsync(Account("jdoe", "jdoe@example.org", 5));
        var ex = (await create.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.Message.Should().Contain("administer users");
    }

    [Fact]
    public async Task Secrets_never_reach_logs_or_exceptions()
    {
        var provider = Provider(o => o.ActorPassword = "actor-secret-1", c => c.SiteKey = "site-secret-2");
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

    [Fact]
    public void Invalid_options_name_the_setting()
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddStandalone(o => o.ResetLinkLifetime = TimeSpan.FromSeconds(10));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<StandaloneOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("CmsUser:Standalone:ResetLinkLifetime");
    }

    [Fact]
    public void Registration_uses_the_one_CiviCRM_client_and_is_safe_to_call_twice()
    {
        ((Action)(() => ((ICmsUserBuilder)null!).AddStandalone())).Should().Throw<ArgumentNullException>();
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddStandalone().AddStandalone().AddCiviCrm(o => { o.BaseUrl = _site.Url; o.ApiKey = _site.ApiKey; });
        services.Count(d => d.ServiceType == typeof(ICmsAccountProvider)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(CiviCrmApiClient)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<ICmsAccountProvider>().Should().BeOfType<StandaloneAccountProvider>();
    }
}
