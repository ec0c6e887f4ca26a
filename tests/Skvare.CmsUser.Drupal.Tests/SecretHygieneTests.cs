using Skvare.CmsUser.Testing.Drupal;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class SecretHygieneTests
{
    private const string Password = "Pa55word-never-logged-7f3a";

    [Fact]
    public async Task Passwords_client_secrets_and_tokens_never_reach_logs_or_exception_messages()
    {
        using var basic = new DrupalTestHost();
        using var oauth = new DrupalTestHost(oauth: true);
        using var wrongSecret = new DrupalTestHost(o => o.ClientSecret = "wrong-" + Tail, oauth: true);
        using var wrongPassword = new DrupalTestHost(o => o.Password = "wrong-" + Tail);
        var messages = new List<string>();

        await basic.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = Password });
        messages.Add(await MessageOf(() => basic.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = Password })));
        basic.Server.FailNextAfterProcessing(1, 500);
        messages.Add(await MessageOf(() => basic.Provider.CreateAsync(DrupalTestHost.NewAccount("other", "other@example.org") with { Password = Password })));
        await oauth.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = Password });
        oauth.Server.RevokeTokens();
        await oauth.Provider.FindByEmailAsync("jdoe@example.org");
        messages.Add(await MessageOf(() => wrongSecret.Provider.FindByEmailAsync("jdoe@example.org")));
        messages.Add(await MessageOf(() => wrongPassword.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = Password })));

        var tokens = oauth.Server.Requests.Where(r => r.Authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true)
            .Select(r => r.Authorization!["Bearer ".Length..]).Distinct().ToList();
        tokens.Should().HaveCount(2);
        var hosts = new[] { basic, oauth, wrongSecret, wrongPassword };
        var logged = hosts.SelectMany(h => h.Logs.GetSnapshot())
            .Select(r => r.Message + " " + r.Exception + " " + string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []))
            .ToList();
        logged.Should().NotBeEmpty();
        var basicHeader = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{FakeDrupalServer.ApiUsername}:{basic.Server.ApiPassword}"));
        var secrets = new[] { FakeDrupalServer.DefaultApiPassword, FakeDrupalServer.DefaultClientSecret, Tail, Password, basicHeader }.Concat(tokens);
        foreach (var secret in secrets)
        {
            logged.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
            messages.Should().NotContain(m => m.Contains(secret, StringComparison.Ordinal));
        }

        basic.Server.Requests.Select(r => r.ToString()).Should().NotContain(s => s.Contains(basicHeader, StringComparison.Ordinal) || s.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public void Fake_accounts_print_without_password_material()
    {
        var user = new FakeDrupalUser(5, Guid.NewGuid(), "jdoe", "jdoe@example.org");

        user.ToString().Should().Contain("jdoe").And.NotContain("PasswordHash");
    }

    private const string Tail = "secret-tail-0123456789abcdef0123456789";

    private static async Task<string> MessageOf(Func<Task> act)
    {
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        return ex.ToString();
    }
}
