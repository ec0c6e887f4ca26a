using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class SecretTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Application_password_and_account_passwords_never_reach_logs_or_exceptions()
    {
        const string secret = "topS ecre tApp Pass";
        const string userPassword = "My-Own-Password-123";
        var messages = new List<string>();
        using (var good = WordPressTestHost.For(_server, companion: true))
        {
            await good.Provider.CreateAsync(new NewCmsAccount { Username = "s1", Email = "s1@example.org", Password = userPassword });
            await good.Provider.CreateAsync(new NewCmsAccount { Username = "s2", Email = "s2@example.org" });
            var dup = await Record(() => good.Provider.CreateAsync(new NewCmsAccount { Username = "s1", Email = "s3@example.org", Password = userPassword }));
            messages.Add(dup);
            messages.Add(good.AllLogText());
        }

        using (var bad = WordPressTestHost.For(_server, configure: o => o.ApplicationPassword = secret))
        {
            messages.Add(await Record(() => bad.Provider.CreateAsync(new NewCmsAccount { Username = "s4", Email = "s4@example.org", Password = userPassword })));
            messages.Add(await Record(() => bad.Provider.FindByEmailAsync("s1@example.org")));
            var report = await bad.Provider.CheckConnectivityAsync();
            messages.AddRange(report.Checks.Select(c => c.Detail));
            messages.Add(bad.AllLogText());
        }

        var generated = System.Text.Json.JsonDocument.Parse(_server.Requests.First(r => r.Body?.Contains("\"s2\"", StringComparison.Ordinal) == true).Body!).RootElement.GetProperty("password").GetString()!;
        var all = string.Join('\n', messages);
        all.Should().NotBeEmpty();
        foreach (var leak in new[] { secret, secret.Replace(" ", string.Empty, StringComparison.Ordinal), userPassword, generated, _server.ApplicationPassword, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + secret)) })
        {
            all.Should().NotContain(leak);
        }
    }

    [Fact]
    public void NewCmsAccount_string_form_hides_the_password() =>
        new NewCmsAccount { Username = "u", Email = "e@example.org", Password = "hide-me" }.ToString().Should().NotContain("hide-me");

    private static async Task<string> Record(Func<Task> action)
    {
        try
        {
            await action();
            return string.Empty;
        }
        catch (CmsProviderException ex)
        {
            return ex.ToString();
        }
    }
}
