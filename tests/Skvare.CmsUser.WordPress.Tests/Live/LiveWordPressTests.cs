using System.Net;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>The provider against a real WordPress (Debian package) prepared by tests/real/wordpress/setup.sh.</summary>
[Trait("Category", "Live")]
public sealed class LiveWordPressTests
{
    // Unique per run so reruns against the same site pass.
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..12];
    private static int _counter;

    private static WordPressTestHost Host(bool companion = false, string? applicationPassword = null) =>
        LiveWordPressSite.Require().Host(companion, applicationPassword);

    private static NewCmsAccount NewAccount(string? password = "Live-Test-Pass-123", IReadOnlyList<string>? roles = null)
    {
        var name = $"cmsuser-{RunId}-{Interlocked.Increment(ref _counter)}";
        return new NewCmsAccount { Username = name, Email = name + "@example.org", Password = password, FirstName = "Live", LastName = "Tester", Roles = roles ?? ["subscriber"] };
    }

    private static List<(string[] To, string Subject, string Message)> MailsTo(string email) => LiveWordPressSite.Require().MailsTo(email);

    [LiveWordPressFact]
    public async Task Live_create_then_find_by_email_username_and_id()
    {
        using var host = Host();
        var wanted = NewAccount() with { Language = "de_DE" };

        var created = await host.Provider.CreateAsync(wanted);
        var byEmail = await host.Provider.FindByEmailAsync(wanted.Email.ToUpperInvariant());
        var byName = await host.Provider.FindByUsernameAsync(wanted.Username);
        var byId = await host.Provider.GetByIdAsync(created.UserId);

        created.UserId.Should().BePositive();
        created.Roles.Should().Equal("subscriber");
        byEmail!.UserId.Should().Be(created.UserId);
        byName!.UserId.Should().Be(created.UserId);
        byId!.Email.Should().Be(wanted.Email);
        (await host.Provider.FindByEmailAsync("nobody-" + wanted.Email)).Should().BeNull();
    }

    [LiveWordPressFact]
    public async Task Live_duplicate_username_and_email_are_classified()
    {
        using var host = Host();
        var first = NewAccount();
        await host.Provider.CreateAsync(first);

        var sameName = await host.Invoking(h => h.Provider.CreateAsync(NewAccount() with { Username = first.Username.ToUpperInvariant() })).Should().ThrowAsync<CmsProviderException>();
        var sameEmail = await host.Invoking(h => h.Provider.CreateAsync(NewAccount() with { Email = first.Email })).Should().ThrowAsync<CmsProviderException>();

        sameName.Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        sameName.Which.StatusCode.Should().Be(500);
        sameEmail.Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [LiveWordPressFact]
    public async Task Live_invalid_email_username_and_role_are_classified()
    {
        using var host = Host();

        (await host.Invoking(h => h.Provider.CreateAsync(NewAccount() with { Email = "not-an-email" })).Should().ThrowAsync<CmsProviderException>())
            .Which.Reason.Should().Be(CmsErrorReason.InvalidEmail);
        (await host.Invoking(h => h.Provider.CreateAsync(NewAccount() with { Username = "bad+name" + RunId })).Should().ThrowAsync<CmsProviderException>())
            .Which.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        (await host.Invoking(h => h.Provider.CreateAsync(NewAccount(roles: ["nosuchrole"]))).Should().ThrowAsync<CmsProviderException>())
            .Which.Reason.Should().Be(CmsErrorReason.UnknownRole);
    }

    [LiveWordPressFact]
    public async Task Live_bad_credentials_are_Authentication()
    {
        using var host = Host(applicationPassword: "aaaa bbbb cccc dddd eeee ffff");

        var ex = (await host.Invoking(h => h.Provider.CreateAsync(NewAccount())).Should().ThrowAsync<CmsProviderException>()).Which;
        var report = await host.Provider.CheckConnectivityAsync();

        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.StatusCode.Should().Be(401);
        report.Healthy.Should().BeFalse();
    }

    [LiveWordPressFact]
    public async Task Live_add_roles_keeps_the_existing_ones()
    {
        using var host = Host();
        var created = await host.Provider.CreateAsync(NewAccount());

        await host.Provider.AddRolesAsync(created, ["author"]);

        (await host.Provider.GetByIdAsync(created.UserId))!.Roles.Should().BeEquivalentTo("subscriber", "author");
    }

    [LiveWordPressFact]
    public async Task Live_password_reset_through_the_login_form_sends_the_mail()
    {
        using var host = Host();
        var created = await host.Provider.CreateAsync(NewAccount());

        await host.Provider.SendPasswordResetAsync(created);

        MailsTo(created.Email!).Should().ContainSingle().Which.Message.Should().Contain("action=rp").And.Contain(created.Username!);
    }

    [LiveWordPressFact]
    public async Task Live_create_without_password_sends_a_set_password_mail()
    {
        using var host = Host();

        var created = await host.Provider.CreateAsync(NewAccount(password: null) with { Notify = true });

        MailsTo(created.Email!).Should().ContainSingle().Which.Message.Should().Contain("action=rp");
    }

    [LiveWordPressFact]
    public async Task Live_create_with_notify_off_sends_no_mail()
    {
        using var host = Host();

        var created = await host.Provider.CreateAsync(NewAccount(password: null) with { Notify = false });

        MailsTo(created.Email!).Should().BeEmpty();
    }

    [LiveWordPressFact]
    public async Task Live_companion_sends_the_new_account_mail_and_issues_a_working_link()
    {
        using var host = Host(companion: true);
        var created = await host.Provider.CreateAsync(NewAccount() with { Notify = true });

        var link = await host.Provider.CreateOneTimeLoginLinkAsync(created);

        MailsTo(created.Email!).Should().ContainSingle().Which.Message.Should().Contain("To set your password");
        link!.AbsoluteUri.Should().StartWith(LiveWordPressSite.Require().Url + "wp-login.php?action=rp&key=");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(link);
        response.StatusCode.Should().Be(HttpStatusCode.Found, "a valid key is accepted and redirected to the set-password form");
        response.Headers.Location!.ToString().Should().NotContain("invalidkey");
    }

    [LiveWordPressFact]
    public async Task Live_companion_password_reset_sends_the_mail()
    {
        using var host = Host(companion: true);
        var created = await host.Provider.CreateAsync(NewAccount());

        await host.Provider.SendPasswordResetAsync(created);

        MailsTo(created.Email!).Should().ContainSingle().Which.Message.Should().Contain("action=rp");
    }

    [LiveWordPressFact]
    public async Task Live_block_removes_roles_and_the_companion_block_stops_logins()
    {
        using var plain = Host();
        using var companion = Host(companion: true);
        var first = await plain.Provider.CreateAsync(NewAccount(roles: ["subscriber", "author"]));
        var wanted = NewAccount();
        var second = await companion.Provider.CreateAsync(wanted);
        (await LogInAsync(wanted.Username, wanted.Password!)).Should().BeTrue();

        await plain.Provider.BlockAsync(first);
        await companion.Provider.BlockAsync(second);

        (await plain.Provider.GetByIdAsync(first.UserId))!.Roles.Should().BeEmpty();
        (await plain.Provider.GetByIdAsync(second.UserId))!.Roles.Should().BeEmpty();
        (await LogInAsync(wanted.Username, wanted.Password!)).Should().BeFalse();
    }

    [LiveWordPressFact]
    public async Task Live_connectivity_check_is_healthy_with_the_companion()
    {
        using var host = Host(companion: true);

        var report = await host.Provider.CheckConnectivityAsync();

        report.Checks.Should().AllSatisfy(c => c.Passed.Should().BeTrue(c.Detail));
        report.Healthy.Should().BeTrue();
    }

    private static async Task<bool> LogInAsync(string username, string password)
    {
        var site = LiveWordPressSite.Require();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(site.Url, "wp-login.php"))
        {
            Content = new FormUrlEncodedContent([new("log", username), new("pwd", password), new("testcookie", "1")]),
        };
        request.Headers.Add("Cookie", "wordpress_test_cookie=WP%20Cookie%20check");
        using var response = await http.SendAsync(request);

        // wp-login.php redirects after a successful login and shows the form again otherwise.
        return response.StatusCode == HttpStatusCode.Found;
    }
}
