using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// Distinctive secrets, logging at Trace into a capture, every failure mode: no secret, nor its Base64 or URL-encoded
/// form, in logs, exception messages, activities or outcomes.
/// </summary>
public sealed class SecretTests(ITestOutputHelper output)
{
    private const string CiviKey = "CiviK3y+/=&Sekret-9137";
    private const string WrongCiviKey = "WrongCivi+K3y/7741=";
    private const string WpPassword = "wpAP 8x7Q Zz+/ 9k2L Q0vX Mm3n";
    private const string WrongWpPassword = "bad0 AP+/ 7777 Xy12 Ab34 Cd56";

    public enum Mode
    {
        CiviCrm401,
        WordPress401,
        CiviCrm500Html,
        WordPress500Html,
        CiviCrmTimeout,
        WordPressTimeout,
        CiviCrmInvalidJson,
        WordPressInvalidJson,
        NoFault,
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Mode.CiviCrm401)]
    [InlineData(Mode.WordPress401)]
    [InlineData(Mode.CiviCrm500Html)]
    [InlineData(Mode.WordPress500Html)]
    [InlineData(Mode.CiviCrmTimeout)]
    [InlineData(Mode.WordPressTimeout)]
    [InlineData(Mode.CiviCrmInvalidJson)]
    [InlineData(Mode.WordPressInvalidJson)]
    [InlineData(Mode.NoFault)]
    public async Task No_secret_reaches_logs_exceptions_activities_or_outcomes(Mode mode)
    {
        using var civi = new FakeCiviCrmServer(CiviKey);
        using var wp = new FakeWordPressServer();
        wp.SetApplicationPassword(wp.AdminUsername, WpPassword);
        var group = civi.AddGroup(FaultHarness.Trigger);
        civi.AddGroup(FaultHarness.History);
        var ids = Enumerable.Range(0, 6).Select(i => civi.AddContact($"S{i}", "Secret", $"s{i}@example.org")).ToArray();
        civi.AddToGroup(group, ids);
        var where = new Endpoints(civi.Url, mode == Mode.CiviCrm401 ? WrongCiviKey : CiviKey, wp.BaseUrl, wp.AdminUsername, mode == Mode.WordPress401 ? WrongWpPassword : WpPassword);
        Arm(mode, civi, wp);

        var texts = new List<string>();
        using (var engine = new FaultHarness.Engine(where, o => o.MaxConcurrency = 2, w => w.Http.AttemptTimeout = TimeSpan.FromMilliseconds(300), c => c.Http.AttemptTimeout = TimeSpan.FromMilliseconds(300)))
        {
            await Capture(texts, async () =>
            {
                var summary = await engine.Provisioner.RunOnceAsync();
                texts.Add(summary.StopReason ?? "");
                texts.AddRange(summary.Failures.Select(f => $"{f.Error?.Code} {f.Error?.Message} {f.Username}"));
            });
            Arm(mode, civi, wp);
            await Capture(texts, async () =>
            {
                var outcome = await engine.Provisioner.ProvisionAsync(ids[^1]);
                texts.Add($"{outcome.Kind} {outcome.Error?.Code} {outcome.Error?.Message} {outcome.LoginLink}");
            });
            Arm(mode, civi, wp);
            await Capture(texts, async () =>
            {
                await foreach (var entry in engine.Provisioner.PlanAsync())
                {
                    texts.Add($"{entry.Action} {entry.Username} {entry.Conflict}");
                }
            });
            texts.AddRange(engine.Logs.GetSnapshot().Select(Describe));
        }

        texts.AddRange(civi.Activities.Select(a => $"{a.Subject} {a.Details}"));
        var forms = Forms(CiviKey, "civi").Concat(Forms(WrongCiviKey, "civi-wrong")).Concat(Forms(WpPassword, "wp")).Concat(Forms(WrongWpPassword, "wp-wrong"))
            .Concat(Forms(wp.AdminUsername + ":" + WpPassword, "basic")).Concat(Forms(wp.AdminUsername + ":" + WrongWpPassword, "basic-wrong")).ToArray();
        var leaks = texts.SelectMany(t => forms.Where(f => t.Contains(f.Value, StringComparison.Ordinal)).Select(f => $"{f.Name} in: {t[..Math.Min(200, t.Length)]}")).ToArray();
        output.WriteLine($"secrets {mode}: {texts.Count} texts ({texts.Sum(t => t.Length)} characters) searched for {forms.Length} forms: {leaks.Length} leaks");
        leaks.Should().BeEmpty();
    }

    private static void Arm(Mode mode, FakeCiviCrmServer civi, FakeWordPressServer wp)
    {
        wp.ClearFaults();
        switch (mode)
        {
            case Mode.CiviCrm500Html:
                civi.FailNext(500, 3, "<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>", "text/html");
                break;
            case Mode.WordPress500Html:
                wp.FailNext(6, 500);
                break;
            case Mode.CiviCrmTimeout:
                civi.HangNext(TimeSpan.FromSeconds(2));
                civi.HangNext(TimeSpan.FromSeconds(2));
                break;
            case Mode.WordPressTimeout:
                wp.HangNext(6, TimeSpan.FromSeconds(2));
                break;
            case Mode.CiviCrmInvalidJson:
                civi.FailNext(200, 2, "{\"values\": [ {\"id\": ", "application/json");
                break;
            case Mode.WordPressInvalidJson:
                wp.FailNext(6, 200, "{\"id\": 12, \"username\": ", "application/json");
                break;
        }
    }

    private static async Task Capture(List<string> texts, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            texts.Add(ex.ToString());
        }
    }

    private static string Describe(FakeLogRecord record) =>
        $"{record.Message} {record.Exception} {string.Join(",", record.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? [])}";

    private static IEnumerable<(string Name, string Value)> Forms(string secret, string name)
    {
        yield return (name, secret);
        yield return (name + " base64", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
        yield return (name + " url-encoded", Uri.EscapeDataString(secret));
        yield return (name + " form-encoded", WebUtility.UrlEncode(secret));
    }
}
