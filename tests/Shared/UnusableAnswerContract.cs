using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// A successful (2xx) answer the provider cannot use (a list where an object belongs, the account without its id, an HTML
/// page, an empty body, JSON cut short) becomes a typed failure, and the provider logs it itself, once, under its own event
/// (docs/observability.md): the method, the call's path, the status and a short excerpt of the body without any secret.
/// Each provider's tests derive from this once and hand over the provider wired to its fake site, whose per-request fault
/// rule (<see cref="IFakeCmsServer.FaultWhere"/>) carries each create out and then answers it with the odd body.
/// </summary>
public abstract class UnusableAnswerContract : OwnedTestResources
{
    private ICmsAccountProvider? _provider;
    private IFakeCmsServer? _site;
    private FakeLogCollector? _logs;
    private int _accounts;

    /// <summary>The provider's "unusable answer" event id.</summary>
    protected abstract int EventId { get; }

    /// <summary>A credential the provider is configured with (its password, key or token).</summary>
    protected abstract string Secret { get; }

    /// <summary>The create's path as the log names it (a route, no query).</summary>
    protected abstract string CreatePath { get; }

    /// <summary>A create answer of the CMS's own shape whose account has no id, with <paramref name="echo"/> (a JSON string) in a member the provider ignores.</summary>
    protected abstract string AnswerWithoutId(string echo);

    /// <summary>A new account the fake site accepts (a Standalone user needs its contact).</summary>
    protected virtual NewCmsAccount NewAccount(string username) => new() { Username = username, Email = username + "@example.org" };

    /// <summary>Sets the provider under test, its fake site and the log it writes to.</summary>
    protected void Use(ICmsAccountProvider provider, IFakeCmsServer site, FakeLogCollector logs)
    {
        _provider = provider;
        _site = site;
        _logs = logs;
    }

    private ICmsAccountProvider Provider => _provider ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    private IFakeCmsServer Site => _site ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    private FakeLogCollector Logs => _logs ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    public static TheoryData<string> Shapes => ["list", "no id", "html", "empty", "cut"];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Shapes))]
    public async Task A_create_answered_2xx_with_a_body_it_cannot_use_is_logged_once_with_an_excerpt_and_no_secret(string shape)
    {
        var echo = JsonSerializer.Serialize("token " + Secret);
        var fault = shape switch
        {
            "list" => FakeFault.AfterProcessing(200, "[{\"unexpected\":true,\"echo\":" + echo + "}]"),
            "no id" => FakeFault.AfterProcessing(200, AnswerWithoutId(echo)),
            "html" => FakeFault.AfterProcessing(200, "<html><body><h1>Welcome to our site</h1><!-- token " + WebUtility.HtmlEncode(Secret) + " --></body></html>", "text/html"),
            "empty" => FakeFault.AfterProcessing(200, ""),
            _ => FakeFault.MalformedBody,
        };
        Site.FaultWhere = r => r.Operation == FakeCmsOperation.Create ? fault : null;

        await CreateAsync();

        var record = Logs.GetSnapshot().Where(r => r.Id.Id == EventId).Should().ContainSingle("the provider logs the unusable answer once").Subject;
        record.Level.Should().Be(LogLevel.Warning);
        record.Message.Should().Contain("POST").And.Contain(CreatePath).And.MatchRegex("HTTP 2[0-9][0-9]", "a 2xx: 200 as the fault answers, or the site's own status for a body cut short");
        State(record, "Excerpt").Should().NotBeNullOrWhiteSpace();
        if (shape is "list" or "no id" or "html")
        {
            State(record, "Excerpt").Should().Contain("<redacted>", "the body echoed the credential, which the excerpt takes out");
        }

        AllText().Should().NotContainEquivalentOf(Secret, "no log line carries the credential");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_excerpt_never_holds_the_configured_secret_whatever_the_body()
    {
        // Bodies of any length (the secret may stand where the excerpt is cut), in any form a server writes it in.
        (string Name, Func<string, string> Write)[] forms =
        [
            ("verbatim", s => s),
            ("upper case", s => s.ToUpperInvariant()),
            ("JSON string", s => JsonSerializer.Serialize(s)),
            ("JSON \\u escapes", s => string.Concat(s.Select(c => "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)))),
            ("HTML", WebUtility.HtmlEncode),
            ("URL", Uri.EscapeDataString),
        ];
        var text = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789 {}[]\":,<>/"].Array[0, 240].Select(c => new string(c));
        var bodies = Gen.Select(text, Gen.Int[0, forms.Length - 1], text, Gen.Bool)
            .Select((before, form, after, json) => (Form: forms[form], Body: json
                ? "{\"message\":" + JsonSerializer.Serialize(before) + ",\"echo\":" + JsonSerializer.Serialize(forms[form].Write(Secret)) + ",\"more\":" + JsonSerializer.Serialize(after) + "}"
                : before + forms[form].Write(Secret) + after));
        var body = "";
        Site.FaultWhere = r => r.Operation == FakeCmsOperation.Create ? FakeFault.AfterProcessing(200, body) : null;
        await Task.Yield();

        bodies.Sample(
            sample =>
            {
                body = sample.Body;
                Logs.Clear();
                CreateAsync().GetAwaiter().GetResult();
                var logged = Logs.GetSnapshot().Where(r => r.Id.Id == EventId).ToList();
                logged.Should().ContainSingle();
                var excerpt = State(logged[0], "Excerpt") ?? "";
                excerpt.Should().NotContainEquivalentOf(Secret).And.NotContainEquivalentOf(sample.Form.Write(Secret));
                excerpt.Length.Should().BeLessThanOrEqualTo(200, "an excerpt, never the whole body");
                AllText().Should().NotContainEquivalentOf(Secret);
            },
            iter: 25,
            threads: 1);
    }

    /// <summary>
    /// A call other than the create whose successful answer the provider checks itself (a login link without its URL, a mail
    /// result without <c>sent</c>, a companion's status, a token, a role list, a user's groups or roles).
    /// </summary>
    /// <param name="Name">What the case is, for the failure message.</param>
    /// <param name="Method">The call's method as the log names it.</param>
    /// <param name="Path">The call's route as the log names it.</param>
    /// <param name="Matches">Which request of <paramref name="Site"/> gets <paramref name="Body"/> (HTTP 200, JSON) instead of the site's answer.</param>
    /// <param name="Body">The body, with the secret echoed in a member the provider ignores.</param>
    /// <param name="Call">The call; a typed failure it throws (or reports) is expected.</param>
    /// <param name="Site">The fake site, when not the one of <see cref="Use"/> (a provider set up otherwise).</param>
    /// <param name="Logs">Its log, with <paramref name="Site"/>.</param>
    protected sealed record UnusableCall(string Name, string Method, string Path, Func<FakeFaultRequest, bool> Matches, string Body, Func<CancellationToken, Task> Call, IFakeCmsServer? Site = null, FakeLogCollector? Logs = null);

    /// <summary>The provider's other calls whose successful answers it checks itself, each answered with a body that echoes <paramref name="echo"/> (a JSON string holding the secret).</summary>
    protected virtual IEnumerable<UnusableCall> OtherCalls(string echo) => [];

    [Fact(Timeout = 120_000)]
    public async Task Every_other_answer_it_checks_itself_is_logged_once_with_an_excerpt_and_no_secret()
    {
        var echo = JsonSerializer.Serialize("token " + Secret);
        foreach (var call in OtherCalls(echo))
        {
            var site = call.Site ?? Site;
            var logs = call.Logs ?? Logs;
            logs.Clear();
            site.FaultWhere = r => call.Matches(r) ? FakeFault.Status(200, call.Body) : null;
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(50)))
            {
                try
                {
                    await call.Call(timeout.Token);
                }
                catch (CmsProviderException ex)
                {
                    ex.Reason.Should().BeOneOf([CmsErrorReason.UnexpectedResponse, CmsErrorReason.InvalidData], call.Name);
                }
            }

            site.FaultWhere = null;
            var records = logs.GetSnapshot().Where(r => r.Id.Id == EventId).ToList();
            records.Should().ContainSingle("{0}: the provider logs the unusable answer once", call.Name);
            var record = records[0];
            record.Level.Should().Be(LogLevel.Warning, call.Name);
            record.Message.Should().Contain(call.Method, call.Name).And.Contain(call.Path, call.Name).And.Contain("HTTP 200", call.Name);
            State(record, "Excerpt").Should().Contain("<redacted>", "{0}: the body echoed the credential, which the excerpt takes out", call.Name);
            LogText(logs).Should().NotContainEquivalentOf(Secret, "{0}: no log line carries the credential", call.Name);
        }
    }

    /// <summary>A create with a fresh username; a typed failure is expected (or the account, where the provider finds it again).</summary>
    private async Task CreateAsync()
    {
        var username = "una.usable" + Interlocked.Increment(ref _accounts).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        try
        {
            await Provider.CreateAsync(NewAccount(username), timeout.Token);
        }
        catch (CmsProviderException ex)
        {
            ex.Reason.Should().BeOneOf(CmsErrorReason.UnknownOutcome, CmsErrorReason.UnexpectedResponse, CmsErrorReason.Unavailable);
        }
    }

    private static string? State(FakeLogRecord record, string key) =>
        record.StructuredState?.FirstOrDefault(kv => kv.Key == key).Value;

    private string AllText() => LogText(Logs);

    private static string LogText(FakeLogCollector logs)
    {
        var all = new StringBuilder();
        foreach (var record in logs.GetSnapshot())
        {
            all.Append(record.Message).Append(' ').Append(record.Exception).Append(' ');
            foreach (var (key, value) in record.StructuredState ?? [])
            {
                all.Append(key).Append('=').Append(value).Append(' ');
            }

            all.Append('\n');
        }

        return all.ToString();
    }
}
