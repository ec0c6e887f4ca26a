using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class SessionTests
{
    [Fact]
    public async Task Logs_in_once_and_sends_the_cookie_and_the_CSRF_token_on_writes()
    {
        using var host = new Drupal7TestHost();

        await host.Provider.FindByEmailAsync("a@example.org");
        await host.Provider.CreateAsync(Drupal7TestHost.NewAccount());

        host.Server.Logins.Should().Be(1);
        var login = host.Server.Requests[0];
        login.Path.Should().Be("/api/user/login.json");
        login.Cookie.Should().BeNull();
        using (var body = JsonDocument.Parse(login.Body!))
        {
            body.RootElement.GetProperty("username").GetString().Should().Be("cmsuser_api");
        }

        var find = host.Server.Requests[1];
        find.Cookie.Should().StartWith(host.Server.SessionName + "=");
        find.CsrfToken.Should().BeNull("GET needs no token");
        var create = host.Server.Requests[2];
        create.Cookie.Should().Be(find.Cookie);
        create.CsrfToken.Should().NotBeNullOrEmpty();
        create.StatusCode.Should().Be(200);
    }

    [Fact]
    public async Task Expired_session_is_renewed_once_and_the_call_repeated()
    {
        using var host = new Drupal7TestHost();
        var user = host.Server.AddUser("jdoe", "jdoe@example.org");
        await host.Provider.GetByIdAsync(user.Id);

        host.Server.ExpireSessions();
        await host.Provider.BlockAsync(new CmsAccount(user.Id, null, null));

        host.Server.FindUser(user.Id)!.Active.Should().BeFalse();
        host.Server.Logins.Should().Be(2);
        host.ApiRequests.Select(r => r.StatusCode).Should().Equal(200, 403, 200, 200);
    }

    [Fact]
    public async Task Session_that_times_out_on_the_site_clock_is_renewed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var host = new Drupal7TestHost(clock: clock);
        await host.Provider.FindByUsernameAsync("admin");

        clock.Advance(TimeSpan.FromHours(2));
        var found = await host.Provider.FindByUsernameAsync("admin");

        found!.UserId.Should().Be(1);
        host.Server.Logins.Should().Be(2);
    }

    [Fact]
    public async Task Stale_CSRF_token_triggers_one_new_login()
    {
        using var host = new Drupal7TestHost();
        await host.Provider.FindByEmailAsync("a@example.org");

        host.Server.RotateCsrfTokens();
        var created = await host.Provider.CreateAsync(Drupal7TestHost.NewAccount());

        host.Server.FindUser(created.UserId).Should().NotBeNull();
        host.Server.Logins.Should().Be(2);
        host.ApiRequests.Where(r => r.Method == "POST").Select(r => r.StatusCode).Should().Equal(401, 200);
    }

    [Fact]
    public async Task A_second_refusal_is_not_retried_again()
    {
        using var host = new Drupal7TestHost();
        await host.Provider.FindByEmailAsync("a@example.org");
        host.Server.FailNext(1, 401, "[\"CSRF validation failed\"]", "application/json");
        host.Server.FailNext(1, 200, "{\"sessid\":\"x\",\"session_name\":\"SESSx\",\"token\":\"t\"}", "application/json");
        host.Server.FailNext(1, 401, "[\"CSRF validation failed\"]", "application/json");

        var act = () => host.Provider.CreateAsync(Drupal7TestHost.NewAccount());

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.Message.Should().Contain("Session authentication");
        host.Server.Requests.Select(r => r.StatusCode).Should().Equal(200, 200, 401, 200, 401);
    }

    [Fact]
    public async Task Concurrent_calls_share_one_login()
    {
        using var host = new Drupal7TestHost();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => host.Provider.FindByEmailAsync($"u{i}@example.org")));

        host.Server.Logins.Should().Be(1);
    }

    [Fact]
    public async Task Wrong_password_is_Authentication_naming_the_settings()
    {
        using var host = new Drupal7TestHost(o => o.Password = "wrong-password-123");

        var act = () => host.Provider.FindByEmailAsync("a@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.StatusCode.Should().Be(401);
        ex.Message.Should().Contain("CmsUser:Drupal7:Username and Password").And.Contain("Wrong username or password").And.NotContain("wrong-password-123");
        host.Server.Requests.Should().ContainSingle("a refused login is not repeated");
    }

    [Fact]
    public async Task Blocked_API_account_is_Authentication()
    {
        using var host = new Drupal7TestHost();
        host.Server.FailNext(1, 403, "[\"The username <em class=\\\"placeholder\\\">cmsuser_api</em> has not been activated or is blocked.\"]", "application/json");

        var act = () => host.Provider.FindByEmailAsync("a@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.Message.Should().Contain("has not been activated or is blocked").And.NotContain("<em");
    }
}
