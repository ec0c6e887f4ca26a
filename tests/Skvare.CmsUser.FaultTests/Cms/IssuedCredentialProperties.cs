using System.Net;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.WordPress;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Credentials a server issues (the Drupal 8+ OAuth access and refresh token, the Drupal 7 Services session id and CSRF
/// token, the login links of WordPress, Drupal and Backdrop) are secrets from the moment they arrive: generated ones are
/// issued by a fake, which then echoes them in every error answer (verbatim, in a header dump, JSON-escaped as PHP writes
/// it, HTML-encoded, URL-encoded, JSON inside a JSON string), or cuts the answer that issues them short. No part of them appears in an exception, a
/// log line (all levels, structured state included) or a connectivity report; a login link still reaches the caller.
/// </summary>
public sealed class IssuedCredentialProperties(ITestOutputHelper output)
{
    /// <summary>A token: URL-safe Base64 and JWT characters, 16 to 300 of them.</summary>
    private static readonly Gen<string> Token = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].Array[16, 300].Select(c => new string(c));

    private static readonly Gen<int> Statuses = Gen.OneOf(Gen.Const(400), Gen.Const(401), Gen.Const(403), Gen.Const(404), Gen.Const(406), Gen.Const(409), Gen.Const(422), Gen.Const(500), Gen.Const(502), Gen.Const(503));

    /// <summary>An error answer that repeats <paramref name="secret"/> as a server or proxy could.</summary>
    private static (string Body, string ContentType) Echo(int form, string secret) => (form % 6) switch
    {
        0 => ("<html><body><pre>Authorization: Bearer " + secret + "\nCookie: SESSabc=" + secret + "\nX-CSRF-Token: " + secret + "</pre></body></html>", "text/html; charset=UTF-8"),
        1 => (JsonSerializer.Serialize(new { code = "refused", message = "Refused " + secret }).Replace("/", "\\/", StringComparison.Ordinal), "application/json"),
        2 => ("<p>You asked for " + WebUtility.HtmlEncode(secret) + "</p>", "text/html"),
        3 => ("{\"error\":\"invalid_request\",\"hint\":\"" + Uri.EscapeDataString(secret) + "\"}", "application/json"),
        4 => ("{\"message\":\"" + new string('x', 150) + " " + secret + "\"}", "application/json"),
        _ => (JsonSerializer.Serialize(new { message = JsonSerializer.Serialize(new { debug = "sent " + secret }) }), "application/json"),
    };

    /// <summary>One kind of issued credential: where it is issued, what the issuing answer says, and what the provider is asked.</summary>
    /// <param name="Name">The case.</param>
    /// <param name="Start">Starts the fake.</param>
    /// <param name="Register">Registers the provider against the fake.</param>
    /// <param name="Issues">Whether a request is the one that issues the credential.</param>
    /// <param name="Issued">The issuing answer's JSON for the sample's two tokens.</param>
    /// <param name="Secrets">What must never be shown, for the sample's two tokens.</param>
    /// <param name="IsLink">Whether the credential is a login link (asked for first, and returned to the caller).</param>
    internal sealed record Case(
        string Name,
        Func<IFakeCmsServer> Start,
        Action<IServiceCollection, IFakeCmsServer> Register,
        Func<FakeFaultRequest, bool> Issues,
        Func<string, string, string> Issued,
        Func<string, string, string[]> Secrets,
        bool IsLink = false);

    private static string Link(string host, string a) => $"https://{host}/user/reset/5/1700000000/{a}/login";

    private static readonly Case[] Cases =
    [
        new("Drupal OAuth2 token", () => FakeDrupalServer.Start(),
            (services, server) => CmsClients.DrupalOAuth2(services, server, "client-id", "client-secret-of-the-consumer"),
            r => r.Path.EndsWith("/oauth/token", StringComparison.Ordinal),
            (a, b) => JsonSerializer.Serialize(new { token_type = "Bearer", expires_in = 300, access_token = a, refresh_token = b }),
            (a, b) => [a, b]),
        new("Drupal 7 session", () => FakeDrupal7Server.Start(),
            (services, server) => CmsClients.Drupal7(services, server, "api", "password-of-the-api-user"),
            r => r.Path.EndsWith("/user/login.json", StringComparison.Ordinal),
            (a, b) => JsonSerializer.Serialize(new { sessid = a, session_name = "SESSd41d8cd98f00b204e9800998ecf8427e", token = b, user = new { uid = "1", name = "api" } }),
            (a, b) => [a, b]),
        new("WordPress login link", () => new FakeWordPressServer(),
            (services, server) => CmsClients.WordPress(services, server, "api", "abcd efgh ijkl mnop qrst uvwx"),
            r => r.Path.EndsWith("/login-link", StringComparison.Ordinal),
            (a, _) => JsonSerializer.Serialize(new { url = $"https://wp.example/wp-login.php?action=rp&key={a}&login=jdoe" }),
            (a, _) => [a],
            IsLink: true),
        new("Drupal login link", () => FakeDrupalServer.Start(),
            (services, server) => CmsClients.Drupal(services, server, "api", "password-of-the-api-user", companionModule: true),
            r => r.Path.EndsWith("/login-link", StringComparison.Ordinal),
            (a, _) => JsonSerializer.Serialize(new { url = Link("drupal.example", a) }),
            (a, _) => [a],
            IsLink: true),
        new("Backdrop login link", () => FakeBackdropServer.Start(),
            (services, server) => CmsClients.Backdrop(services, server, "a-backdrop-secret-of-at-least-32-characters"),
            r => r.Path.EndsWith("/login-link", StringComparison.Ordinal),
            (a, _) => JsonSerializer.Serialize(new { url = Link("backdrop.example", a) }),
            (a, _) => [a],
            IsLink: true),
    ];

    public static TheoryData<string> CaseNames() => [.. Cases.Select(c => c.Name)];

    private static readonly CmsAccount Account = new(5, "jdoe", "jdoe@example.org");

    [Theory(Timeout = 600_000)]
    [MemberData(nameof(CaseNames))]
    public async Task An_issued_credential_never_reaches_an_exception_or_a_log_whatever_the_server_echoes(string name)
    {
        var test = Cases.Single(c => c.Name == name);
        using var server = test.Start();
        var issued = 0;
        var failures = 0;
        await Gen.Select(Token, Token, Gen.Int[0, 5], Statuses, Gen.Int[0, 3]).SampleAsync(
            async (a, b, form, status, cut) =>
            {
                var answer = test.Issued(a, b);
                // One sample in four cuts the issuing answer short, inside the first token or after it.
                var start = answer.IndexOf(a, StringComparison.Ordinal);
                var shown = cut == 0 ? answer[..(start + 1 + ((a.Length + form * 7) % (answer.Length - start - 1)))] : answer;
                // A server repeats what the client sent it: a credential the client never received whole is never sent.
                var (echo, type) = Echo(form, cut == 0 ? "what the client sent" : test.IsLink ? JsonSerializer.Deserialize<JsonElement>(answer).GetProperty("url").GetString()! : form % 2 == 0 ? a : b);
                server.FaultWhere = request =>
                {
                    if (test.Issues(request))
                    {
                        Interlocked.Increment(ref issued);
                        return FakeFault.Status(200, shown, "application/json");
                    }

                    return FakeFault.Status(status, echo, type);
                };
                var services = new ServiceCollection();
                services.AddLogging(l => l.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
                test.Register(services, server);
                await using var provider = services.BuildServiceProvider();
                var cms = provider.GetRequiredService<ICmsAccountProvider>();
                var texts = new List<string>();
                Func<CancellationToken, Task<string>>[] calls =
                [
                    async ct =>
                    {
                        var link = await cms.CreateOneTimeLoginLinkAsync(Account, ct);
                        if (test.IsLink && cut != 0)
                        {
                            link.Should().Be(new Uri(JsonSerializer.Deserialize<JsonElement>(answer).GetProperty("url").GetString()!), "the link reaches the caller");
                        }

                        return "";
                    },
                    async ct => $"{await cms.FindByEmailAsync("jdoe@example.org", ct)}",
                    async ct => $"{await cms.CreateAsync(new NewCmsAccount { Username = "jdoe", Email = "jdoe@example.org", Roles = ["editor"], Password = "a-new-password-of-jdoe" }, ct)}",
                    async ct =>
                    {
                        await cms.BlockAsync(Account, ct);
                        return "";
                    },
                    async ct =>
                    {
                        var report = await cms.CheckConnectivityAsync(ct);
                        return string.Join(" | ", report.Checks.Select(c => $"{c.Name} {c.Passed} {c.Detail}"));
                    },
                ];
                foreach (var call in calls)
                {
                    using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                    try
                    {
                        texts.Add(await call(bounded.Token));
                    }
                    catch (CmsUserException ex)
                    {
                        failures++;
                        texts.Add(ex.ToString());
                        texts.Add(ex.ErrorCode ?? "");
                    }
                }

                texts.AddRange(provider.GetFakeLogCollector().GetSnapshot().Select(HostileAnswerProperties.Describe));
                var leak = HostileAnswerProperties.Leak(texts, test.Secrets(a, b), null);
                leak.Should().BeNull($"{name}: the echo (form {form}, HTTP {status}{(cut == 0 ? ", issuing answer cut short" : "")}) shows no part of an issued credential");
            },
            iter: 40,
            threads: 1,
            print: t => $"a '{t.Item1}', b '{t.Item2}', form {t.Item3}, status {t.Item4}, cut {t.Item5}");
        output.WriteLine($"{name}: issued {issued} times, {failures} failures");
        issued.Should().BePositive("the credential was issued, so the echoes could repeat it");
    }
}
