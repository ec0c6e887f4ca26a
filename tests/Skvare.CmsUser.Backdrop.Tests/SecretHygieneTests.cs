namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class SecretHygieneTests
{
    private const string Password = "Pa55word-never-logged-7f3a";

    [Fact]
    public async Task Secret_and_passwords_never_reach_logs_or_exception_messages()
    {
        using var host = new BackdropTestHost();
        var messages = new List<string>();

        await host.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Password = Password });
        host.Server.AddUser("taken", "taken@example.org");
        messages.Add(await MessageOf(() => host.Provider.CreateAsync(BackdropTestHost.NewAccount("taken", "x@example.org") with { Password = Password })));
        host.Server.FailNextAfterProcessing(1, 500);
        messages.Add(await MessageOf(() => host.Provider.CreateAsync(BackdropTestHost.NewAccount("other", "other@example.org") with { Password = Password })));
        host.Server.AllowHttp = false;
        messages.Add(await MessageOf(() => host.Provider.FindByEmailAsync("jdoe@example.org")));
        await host.Provider.CheckConnectivityAsync();

        using var wrongSecret = new BackdropTestHost(o => o.Secret = "wrong-" + FakeSecretTail);
        messages.Add(await MessageOf(() => wrongSecret.Provider.CreateAsync(BackdropTestHost.NewAccount() with { Password = Password })));

        var logged = host.Logs.GetSnapshot().Concat(wrongSecret.Logs.GetSnapshot())
            .Select(r => r.Message + " " + r.Exception + " " + string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []))
            .ToList();
        logged.Should().NotBeEmpty("the HTTP client and the provider both log at Trace level here");
        var secrets = new[] { Testing.Backdrop.FakeBackdropServer.DefaultSecret, FakeSecretTail, Password };
        foreach (var secret in secrets)
        {
            logged.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
            messages.Should().NotContain(m => m.Contains(secret, StringComparison.Ordinal));
        }

        host.Server.Requests.Should().Contain(r => r.Authorization == "Bearer " + host.Server.Secret, "the secret still travels in the header");
        host.Server.Requests.Select(r => r.ToString()).Should().NotContain(s => s.Contains(host.Server.Secret, StringComparison.Ordinal) || s.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public void Fake_accounts_print_without_password_material()
    {
        var user = new Testing.Backdrop.FakeBackdropUser(5, "jdoe", "jdoe@example.org");

        user.ToString().Should().Contain("jdoe").And.NotContain("PasswordHash");
    }

    private const string FakeSecretTail = "secret-tail-0123456789abcdef0123456789";

    private static async Task<string> MessageOf(Func<Task> act)
    {
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        return ex.ToString();
    }
}
