using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class OAuthTests
{
    [Fact]
    public async Task Token_is_fetched_once_and_reused_until_shortly_before_expiry()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var host = new DrupalTestHost(oauth: true, clock: clock);

        await host.Provider.FindByEmailAsync("a@example.org");
        await host.Provider.GetByIdAsync(1);
        clock.Advance(TimeSpan.FromSeconds(200));
        await host.Provider.FindByUsernameAsync("admin");
        host.Server.TokensIssued.Should().Be(1);

        clock.Advance(TimeSpan.FromSeconds(80)); // 280 s: inside the renewal margin of a 300 s token
        await host.Provider.FindByUsernameAsync("admin");

        host.Server.TokensIssued.Should().Be(2);
        host.Server.Requests.Should().NotContain(r => r.StatusCode == 401, "the token is renewed before it expires");
        var token = host.Server.Requests.First(r => r.Path == "/oauth/token");
        token.Body.Should().Contain("grant_type=client_credentials").And.Contain("scope=cmsuser");
        token.ContentType.Should().StartWith("application/x-www-form-urlencoded");
    }

    [Fact]
    public async Task A_refused_token_is_replaced_once_and_the_call_repeated()
    {
        using var host = new DrupalTestHost(oauth: true);
        var user = host.Server.AddUser("jdoe", "jdoe@example.org");
        await host.Provider.GetByIdAsync(user.Id);

        host.Server.RevokeTokens();
        await host.Provider.BlockAsync(new CmsAccount(user.Id, null, null));

        host.Server.FindUser(user.Id)!.Active.Should().BeFalse();
        host.Server.TokensIssued.Should().Be(2);
        host.Server.Requests.Where(r => r.Method == "PATCH").Select(r => r.StatusCode).Should().Equal(401, 200);
        host.Server.Requests[^1].Authorization.Should().StartWith("Bearer ");
    }

    [Fact]
    public async Task A_token_refused_twice_is_an_Authentication_error()
    {
        using var host = new DrupalTestHost(oauth: true);
        host.Server.TokenLifetime = TimeSpan.Zero; // every issued token is already expired on the server

        var act = () => host.Provider.GetByIdAsync(1);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.StatusCode.Should().Be(401);
        ex.Message.Should().Contain("oauth2");
        host.Server.TokensIssued.Should().Be(2, "the provider refreshes once, not in a loop");
        host.ApiRequests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Wrong_client_secret_is_Authentication_naming_the_settings()
    {
        using var host = new DrupalTestHost(o => o.ClientSecret = "not-the-secret-at-all", oauth: true);

        var act = () => host.Provider.FindByEmailAsync("a@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.ErrorCode.Should().Be("invalid_client");
        ex.StatusCode.Should().Be(401);
        ex.Message.Should().Contain("ClientSecret").And.NotContain("not-the-secret-at-all");
        host.Server.Requests.Should().ContainSingle(r => r.Path == "/oauth/token");
    }

    [Fact]
    public async Task Unknown_scope_is_Permission_naming_the_scope_setting()
    {
        using var host = new DrupalTestHost(o => o.Scope = "everything", oauth: true);

        var act = () => host.Provider.FindByEmailAsync("a@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.ErrorCode.Should().Be("invalid_scope");
        ex.Message.Should().Contain("CmsUser:Drupal:Scope");
    }

    [Fact]
    public async Task Concurrent_calls_share_one_token()
    {
        using var host = new DrupalTestHost(oauth: true);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => host.Provider.FindByEmailAsync($"u{i}@example.org")));

        host.Server.TokensIssued.Should().Be(1);
    }
}
