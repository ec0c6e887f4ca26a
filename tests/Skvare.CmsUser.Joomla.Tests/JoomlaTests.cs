using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Joomla.Tests;

public sealed class JoomlaTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private ICmsAccountProvider Provider(Action<JoomlaOptions>? configure = null)
    {
        _services?.Dispose();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.GroupIds["member"] = 10;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<ICmsAccountProvider>();
    }

    private static NewCmsAccount Account(string username, string email, params string[] roles) =>
        new() { Username = username, Email = email, FirstName = "Jane", LastName = "Doe", Roles = roles };

    [Fact(Timeout = 30_000)]
    public async Task A_language_the_site_lacks_is_accepted_and_kept_as_Joomla_keeps_it_so_there_is_nothing_to_retry()
    {
        // Joomla's user form has no rule on params.language (docs/cms-joomla.md, "A language the site lacks").
        var created = await Provider().CreateAsync(Account("jdoe", "jdoe@example.org", "member") with { Language = "xx_XX" });

        _site.Users.Should().ContainSingle().Which.Language.Should().Be("xx-XX");
        created.UserId.Should().Be(_site.Users.Single().Id);
        _site.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/users", StringComparison.Ordinal)).Should().Be(1, "nothing is refused, so nothing is sent again without the language");
    }

    [Fact]
    public async Task Create_sends_the_admin_form_fields_and_the_user_exists_afterwards()
    {
        var created = await Provider().CreateAsync(Account("jdoe", "jdoe@example.org", "member") with { Language = "de_DE", Fields = new Dictionary<string, string> { ["field_member_no"] = "42" } });

        var user = _site.Users.Single();
        created.UserId.Should().Be(user.Id);
        user.ExtrasOf<FakeJoomlaUserExtras>().Name.Should().Be("Jane Doe");
        user.Username.Should().Be("jdoe");
        user.ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().Equal(10);
        user.Active.Should().BeTrue();
        user.ExtrasOf<FakeJoomlaUserExtras>().RequireReset.Should().BeTrue("no password was given: Joomla generated one and mailed it");
        user.Language.Should().Be("de-DE");
        user.Fields.Should().Contain("field_member_no", "42");
        user.HasPassword.Should().BeFalse();
        _site.Mails.Should().ContainSingle().Which.Body.Should().Contain("Password:", "the User - Joomla! plugin mails the clear-text password");
    }

    [Fact]
    public async Task Without_roles_the_default_group_is_given()
    {
        await Provider().CreateAsync(Account("jdoe", "jdoe@example.org"));

        _site.Users.Single().ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().Equal(2);
    }

    [Theory]
    [InlineData("taken", "new@example.org", CmsErrorReason.DuplicateUsername)]
    [InlineData("new", "taken@example.org", CmsErrorReason.DuplicateEmail)]
    [InlineData("taken", "taken@example.org", CmsErrorReason.DuplicateUsername)]
    [InlineData("bad<name", "x@example.org", CmsErrorReason.InvalidUsername)]
    [InlineData("okname", "not-an-email", CmsErrorReason.InvalidEmail)]
    public async Task Validation_errors_are_classified(string username, string email, CmsErrorReason reason)
    {
        _site.AddUser("TAKEN", "TAKEN@example.org");

        var act = () => Provider().CreateAsync(Account(username, email));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(reason);
        ex.StatusCode.Should().Be(400);
        ex.Kind.Should().Be(FailureKind.Permanent);
    }

    [Fact]
    public async Task Unknown_role_and_a_group_the_site_lacks_are_UnknownRole()
    {
        var provider = Provider();
        var unmapped = () => provider.CreateAsync(Account("a1", "a1@example.org", "nosuchrole"));
        var missingGroup = () => provider.CreateAsync(Account("a2", "a2@example.org", "999"));

        (await unmapped.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnknownRole);
        (await missingGroup.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnknownRole);
        _site.Users.Should().BeEmpty();
    }

    [Fact]
    public async Task Find_filters_the_substring_search_exactly_and_follows_paging()
    {
        for (var i = 0; i < 150; i++)
        {
            _site.AddUser($"someone{i}", $"x{i}.jdoe@example.org");
        }

        var target = _site.AddUser("jdoe", "JDoe@example.org");
        var provider = Provider();

        (await provider.FindByEmailAsync("jdoe@example.org"))!.UserId.Should().Be(target.Id);
        (await provider.FindByUsernameAsync("JDOE"))!.UserId.Should().Be(target.Id);
        (await provider.FindByUsernameAsync("jdo")).Should().BeNull("substring matches are not matches");
        (await provider.GetByIdAsync(target.Id))!.Email.Should().Be("JDoe@example.org");
        (await provider.GetByIdAsync(123456)).Should().BeNull();
        _site.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/users", StringComparison.Ordinal)).Should().BeGreaterThan(2, "the email search spans two pages");
    }

    [Fact]
    public async Task Adding_roles_and_blocking_keep_the_existing_groups()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2, 8);
        var provider = Provider();

        await provider.AddRolesAsync(new CmsAccount(user.Id, null, null), ["member"]);
        _site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L, 8L, 10L]);

        await provider.BlockAsync(new CmsAccount(user.Id, null, null));
        var blocked = _site.Users.Single(u => u.Id == user.Id);
        blocked.Active.Should().BeFalse();
        blocked.ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().BeEquivalentTo([2L, 8L, 10L]);
    }

    [Fact]
    public async Task Blocking_and_unblocking_are_logged_like_every_other_provider_does()
    {
        // Regression: the Joomla provider logged an unblock (3406) but not a block.
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2);
        var provider = Provider();

        await provider.BlockAsync(new CmsAccount(user.Id, null, null));
        await provider.UnblockAsync(new CmsAccount(user.Id, null, null));

        var events = _services!.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id is 3406 or 3408).Select(r => (r.Id.Id, r.Message)).ToList();
        events.Should().Equal((3408, $"Joomla account {user.Id} blocked"), (3406, $"Joomla account {user.Id} unblocked"));
    }

    [Fact]
    public async Task Wrong_token_missing_permission_wrong_path_and_wrong_Accept_are_configuration_errors()
    {
        var wrongToken = () => Provider(o => o.ApiToken = "nope").FindByEmailAsync("a@example.org");
        var ex = (await wrongToken.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.Message.Should().Contain("CmsUser:Joomla:ApiToken").And.NotContain("nope");

        _site.CanCreate = false;
        var denied = () => Provider().CreateAsync(Account("jdoe", "jdoe@example.org"));
        (await denied.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Permission);

        var wrongPath = () => Provider(o => o.ApiPath = "api/v9").FindByEmailAsync("a@example.org");
        (await wrongPath.Should().ThrowAsync<CmsProviderException>()).Which.Message.Should().Contain("Web Services - Users");

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_site.BaseUrl, "api/index.php/v1/users"));
        request.Headers.Add("X-Joomla-Token", _site.Token);
        request.Headers.Add("Accept", "application/json");
        using var response = await http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.NotAcceptable);
    }

    [Fact]
    public async Task Reads_are_retried_after_a_5xx()
    {
        // A 5xx on create is covered by the provider contract (ProviderContractTests).
        var provider = Provider();
        _site.FailNext(2, 503);
        (await provider.FindByEmailAsync("nobody@example.org")).Should().BeNull();
    }

    [Fact]
    public async Task Without_the_companion_reset_and_notification_emails_are_not_offered_and_say_why()
    {
        _site.CompanionEnabled = true; // installed on the site, but not configured: the provider must not call it
        var provider = Provider();

        var act = () => provider.SendPasswordResetAsync(new CmsAccount(1, null, null));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.Message.Should().Contain("pkg_cmsuser").And.Contain("UseCompanionPlugin");
        (await provider.CreateOneTimeLoginLinkAsync(new CmsAccount(1, null, null))).Should().BeNull();
        _site.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task With_the_companion_a_reset_sends_Joomlas_reset_mail_with_a_confirm_link()
    {
        _site.CompanionEnabled = true;
        var user = _site.AddUser("jdoe", "jdoe@example.org");
        var provider = Provider(o => o.UseCompanionPlugin = true);

        await provider.SendPasswordResetAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));
        await ((JoomlaAccountProvider)provider).SendNewAccountNotificationAsync(new CmsAccount(user.Id, "jdoe", "jdoe@example.org"));

        _site.Mails.Should().HaveCount(2).And.OnlyContain(m => m.To == "jdoe@example.org" && m.Body.Contains("view=reset&layout=confirm&token="));
        _site.Users.Single(u => u.Id == user.Id).ExtrasOf<FakeJoomlaUserExtras>().ResetCount.Should().Be(2);
        _site.Requests.Where(r => r.Method == "POST").Should().OnlyContain(r => r.Path == $"/api/index.php/v1/cmsuser/users/{user.Id}/reset" && r.Status == 202);
    }

    [Fact]
    public async Task Companion_failures_are_classified()
    {
        _site.CompanionEnabled = true;
        var blocked = _site.AddUser("blocked", "blocked@example.org");
        _site.SetActive(blocked.Id, false);
        var active = _site.AddUser("jdoe", "jdoe@example.org");
        var provider = Provider(o => o.UseCompanionPlugin = true);

        async Task<CmsProviderException> Reset(long id) =>
            (await provider.Invoking(p => p.SendPasswordResetAsync(new CmsAccount(id, null, null))).Should().ThrowAsync<CmsProviderException>()).Which;

        (await Reset(9999)).Reason.Should().Be(CmsErrorReason.NotFound);
        (await Reset(blocked.Id)).Reason.Should().Be(CmsErrorReason.InvalidData);

        _site.MailFails = true;
        (await Reset(active.Id)).Reason.Should().Be(CmsErrorReason.MailFailed, "the companion answered that the mail could not be sent: no outage");
        _site.MailFails = false;

        _site.CanEditUsers = false;
        (await Reset(active.Id)).Reason.Should().Be(CmsErrorReason.Permission);
        _site.CanEditUsers = true;

        _site.CompanionEnabled = false;
        var missing = await Reset(active.Id);
        missing.Reason.Should().Be(CmsErrorReason.Permission, "a missing route is a set-up problem, not a missing user");
        missing.Message.Should().Contain("pkg_cmsuser").And.Contain("Web Services - CmsUser");
        _site.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task Connectivity_check_reports_the_companion_when_it_is_configured()
    {
        _site.CompanionEnabled = true;
        var ok = await Provider(o => o.UseCompanionPlugin = true).CheckConnectivityAsync();
        ok.Healthy.Should().BeTrue();
        ok.Checks.Single(c => c.Name == "Companion").Detail.Should().Contain("pkg_cmsuser 0.1.1").And.Contain("Joomla 5.2.3");

        _site.CompanionEnabled = false;
        var missing = await Provider(o => o.UseCompanionPlugin = true).CheckConnectivityAsync();
        missing.Healthy.Should().BeFalse();
        missing.Checks.Single(c => c.Name == "Companion").Detail.Should().Contain("pkg_cmsuser");
    }

    [Fact]
    public async Task Connectivity_check_lists_groups_and_spots_missing_mapped_ones()
    {
        var report = await Provider(o => o.GroupIds["ghost"] = 77).CheckConnectivityAsync();

        report.Healthy.Should().BeFalse();
        report.Checks.Single(c => c.Name == "Groups").Detail.Should().Contain("10 Members");
        report.Checks.Single(c => c.Name == "Configured groups").Detail.Should().Contain("ghost");
    }

    [Theory]
    [InlineData(null, "t", "CmsUser:Joomla:BaseUrl is missing")]
    [InlineData("http://www.example.org/", "t", "plain http")]
    [InlineData("https://www.example.org/", "", "CmsUser:Joomla:ApiToken is missing")]
    public void Invalid_options_name_the_setting(string? url, string token, string message)
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddJoomla(o => { o.BaseUrl = url is null ? null : new Uri(url); o.ApiToken = token; });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<JoomlaOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Registration_guards_its_arguments()
    {
        ((Action)(() => ((ICmsUserBuilder)null!).AddJoomla())).Should().Throw<ArgumentNullException>();
    }
}
