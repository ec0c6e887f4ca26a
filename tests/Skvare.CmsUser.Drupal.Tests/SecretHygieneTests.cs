using Skvare.CmsUser.Testing.Drupal;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class SecretHygieneTests
{
    private const string Password = "Pa55word-never-logged-7f3a";

    [Fact(Timeout = 60_000)]
    public async Task OAuth_client_secrets_and_tokens_never_reach_logs_or_exception_messages()
    {
        // Basic authentication is covered by the provider contract (ProviderContractTests); OAuth 2 adds a client
        // secret and bearer tokens.
        using var oauth = new DrupalTestHost(oauth: true);
        using var wrongSecret = new DrupalTestHost(o => o.ClientSecret = "wrong-" + Tail, oauth: true);
        var messages = new List<string>();

        await oauth.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = Password });
        messages.Add(await MessageOf(() => oauth.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Password = Password })));
        oauth.Server.RevokeTokens();
        await oauth.Provider.FindByEmailAsync("jdoe@example.org");
        messages.Add(await MessageOf(() => wrongSecret.Provider.FindByEmailAsync("jdoe@example.org")));

        var tokens = oauth.Server.Requests.Where(r => r.Authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true)
            .Select(r => r.Authorization!["Bearer ".Length..]).Distinct().ToList();
        tokens.Should().HaveCount(2);
        var logged = new[] { oauth, wrongSecret }.SelectMany(h => h.Logs.GetSnapshot())
            .Select(r => r.Message + " " + r.Exception + " " + string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []))
            .ToList();
        logged.Should().NotBeEmpty();
        foreach (var secret in new[] { FakeDrupalServer.DefaultClientSecret, Tail, Password }.Concat(tokens))
        {
            logged.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
            messages.Should().NotContain(m => m.Contains(secret, StringComparison.Ordinal));
        }

        oauth.Server.Requests.Select(r => r.ToString()).Should().NotContain(s => tokens.Any(t => s.Contains(t, StringComparison.Ordinal)));
    }

    private const string Tail = "secret-tail-0123456789abcdef0123456789";

    private static async Task<string> MessageOf(Func<Task> act)
    {
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        return ex.ToString();
    }
}
