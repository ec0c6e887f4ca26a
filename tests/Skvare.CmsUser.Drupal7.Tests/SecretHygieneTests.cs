using Skvare.CmsUser.Testing.Drupal7;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class SecretHygieneTests
{
    private const string Password = "Pa55word-never-logged-7f3a";

    [Fact]
    public async Task Passwords_session_ids_and_CSRF_tokens_never_reach_logs_or_exception_messages()
    {
        using var host = new Drupal7TestHost();
        using var wrong = new Drupal7TestHost(o => o.Password = "wrong-" + Tail);
        var messages = new List<string>();

        await host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Password = Password });
        messages.Add(await MessageOf(() => host.Provider.CreateAsync(Drupal7TestHost.NewAccount() with { Password = Password })));
        host.Server.ExpireSessions();
        await host.Provider.FindByEmailAsync("jdoe@example.org");
        host.Server.FailNextAfterProcessing(1, 500);
        messages.Add(await MessageOf(() => host.Provider.CreateAsync(Drupal7TestHost.NewAccount("other", "other@example.org") with { Password = Password })));
        messages.Add(await MessageOf(() => wrong.Provider.FindByEmailAsync("jdoe@example.org")));

        var sessionSecrets = host.Server.Requests.SelectMany(r => new[] { r.Cookie?.Split('=')[1], r.CsrfToken }).OfType<string>().Distinct().ToList();
        sessionSecrets.Should().HaveCountGreaterThanOrEqualTo(4, "two sessions, each with an id and a token");
        var logged = host.Logs.GetSnapshot().Concat(wrong.Logs.GetSnapshot())
            .Select(r => r.Message + " " + r.Exception + " " + string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []))
            .ToList();
        logged.Should().NotBeEmpty();
        foreach (var secret in sessionSecrets.Concat([FakeDrupal7Server.DefaultApiPassword, Tail, Password]))
        {
            logged.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
            messages.Should().NotContain(m => m.Contains(secret, StringComparison.Ordinal));
        }

        host.Server.Requests.Select(r => r.ToString()).Should().NotContain(s => sessionSecrets.Any(x => s.Contains(x, StringComparison.Ordinal)));
    }

    [Fact]
    public void Fake_accounts_print_without_password_material()
    {
        new FakeDrupal7User(5, "jdoe", "jdoe@example.org").ToString().Should().Contain("jdoe").And.NotContain("PasswordHash");
    }

    private const string Tail = "secret-tail-0123456789abcdef0123456789";

    private static async Task<string> MessageOf(Func<Task> act)
    {
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        return ex.ToString();
    }
}
