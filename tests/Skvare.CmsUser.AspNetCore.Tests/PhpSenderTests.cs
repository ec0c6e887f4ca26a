using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>A test that runs the CiviCRM extension's PHP code; skipped without php-cli unless CI requires it.</summary>
public sealed class PhpFactAttribute : FactAttribute
{
    public PhpFactAttribute()
    {
        Timeout = 60_000;
        if (PhpSenderTests.Php is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "php-cli is not installed (apt-get install -y php-cli); CI installs it and runs this test.";
        }
    }
}

/// <summary>
/// The extension's sender (integrations/civicrm/com.skvare.cmsuserwebhook, run by php-cli through
/// tests/send.php) against the real endpoint: what PHP signs, .NET accepts; what .NET answers,
/// PHP reads as the documented verdict.
/// </summary>
public sealed class PhpSenderTests
{
    private static readonly string Extension = Path.Combine(RepositoryRoot(), "integrations", "civicrm", "com.skvare.cmsuserwebhook");

    public static string? Php { get; } = FindPhp();

    /// <summary>The checkout holding this test's build (its output may be redirected by CMSUSER_ARTIFACTS, so both places are searched).</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Skvare.CmsUser.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }

    private static string? FindPhp() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "php"))
            .FirstOrDefault(File.Exists);

    private static async Task<JsonElement> SendAsync(Uri url, string secret, long contactId)
    {
        Php.Should().NotBeNull("CI=true requires php-cli for the extension's tests");
        File.Exists(Path.Combine(Extension, "tests/send.php")).Should().BeTrue(Extension);
        var start = new ProcessStartInfo(Php!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(Extension, "tests/send.php"), url.ToString(), secret, contactId.ToString(System.Globalization.CultureInfo.InvariantCulture), "Group", "7" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, await errors);
        return JsonDocument.Parse(await output).RootElement.Clone();
    }

    private static Task<WebhookHost> StartAsync(FakeCiviCrm civi, FakeCmsAccountProvider cms) =>
        // PHP signs with the real clock, so the host runs on it too.
        WebhookHost.StartAsync(b => b.UseInMemory(civi, cms), time: new FakeTimeProvider(DateTimeOffset.UtcNow));

    [PhpFact]
    public async Task A_call_signed_by_the_extension_provisions_the_contact()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddToGroup("members", ana.Id);
        await using var host = await StartAsync(civi, cms);

        var result = await SendAsync(new Uri(host.Http.BaseAddress!, "/cmsuser/webhook"), WebhookHost.Secret, ana.Id);

        result.GetProperty("status").GetInt32().Should().Be(200, result.ToString());
        result.GetProperty("verdict").GetString().Should().Be("delivered");
        result.GetProperty("detail").GetString().Should().Be("HTTP 200 Created");
        cms.Accounts.Should().ContainSingle();
        civi.Links.Should().ContainSingle(l => l.ContactId == ana.Id);
        host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4001 && r.Message.Contains(result.GetProperty("eventId").GetString()!, StringComparison.Ordinal));
    }

    [PhpFact]
    public async Task A_wrong_secret_is_refused_and_the_extension_keeps_the_event_for_a_retry()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        await using var host = await StartAsync(civi, cms);

        var result = await SendAsync(new Uri(host.Http.BaseAddress!, "/cmsuser/webhook"), "not-the-secret-not-the-secret-not-the-secret", ana.Id);

        result.GetProperty("status").GetInt32().Should().Be(401);
        result.GetProperty("verdict").GetString().Should().Be("retry");
        result.GetProperty("detail").GetString().Should().StartWith("HTTP 401 invalid_signature");
        cms.Accounts.Should().BeEmpty();
    }

    [PhpFact]
    public async Task CiviCRM_down_on_the_host_is_a_retry_for_the_extension()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        await using var host = await StartAsync(civi, cms);
        civi.FailNext(new HttpRequestException("Connection refused"));

        var result = await SendAsync(new Uri(host.Http.BaseAddress!, "/cmsuser/webhook"), WebhookHost.Secret, ana.Id);

        result.GetProperty("status").GetInt32().Should().Be(503);
        result.GetProperty("verdict").GetString().Should().Be("retry");
        result.GetProperty("detail").GetString().Should().StartWith("HTTP 503 unavailable");
    }
}
