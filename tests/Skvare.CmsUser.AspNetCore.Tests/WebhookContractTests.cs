using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// docs/webhook.md's answer table is the contract: every (status, code) row it lists has a scenario
/// here that makes the endpoint send exactly that, and there is no scenario the table leaves out.
/// </summary>
public sealed partial class WebhookContractTests
{
    /// <summary>Status and code of every scenario; "outcome" means a provisioning answer whose code is not fixed.</summary>
    public static TheoryData<int, string> Scenarios() => new()
    {
        { 404, "unknown_site" },
        { 413, "body_too_large" },
        { 401, "missing_timestamp" },
        { 401, "stale_timestamp" },
        { 401, "invalid_signature" },
        { 503, "replay_store_unavailable" },
        { 409, "replayed" },
        { 400, "invalid_body" },
        { 403, "login_links_disabled" },
        { 200, "outcome" },
        { 422, "attempts_used_up" },
        { 503, "outcome" },
        { 503, "unavailable" },
        { 500, "outcome" },
        { 500, "no_rules" },
        { 500, "internal_error" },
    };

    [GeneratedRegex(@"^\| (\d{3}) \| (?:`([a-z_]+)`|(outcome)) \|", RegexOptions.Multiline)]
    private static partial Regex AnswerRow();

    /// <summary>The (status, code) of each row of a Markdown answer table, in order.</summary>
    private static List<(int Status, string Code)> AnswerRows(string markdown) => AnswerRow().Matches(markdown)
        .Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value))
        .ToList();

    [Fact]
    public void The_documented_answers_are_exactly_the_tested_ones()
    {
        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "webhook.md"));
        var answers = doc[doc.IndexOf("## The answer", StringComparison.Ordinal)..doc.IndexOf("## Replays", StringComparison.Ordinal)];
        var documented = AnswerRows(answers);
        var tested = Scenarios().Select(row => ((int)row[0], (string)row[1])).ToList();

        documented.Should().NotBeEmpty().And.OnlyHaveUniqueItems();
        documented.Should().BeEquivalentTo(tested, o => o.WithStrictOrdering(), "the table lists the checks in the order the endpoint makes them");
    }

    [Fact]
    public void The_package_readme_lists_the_same_answers_as_the_docs_in_the_same_order()
    {
        // The NuGet page is where a sender's developer looks first; it once left out 422 attempts_used_up.
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "package-README.md"));
        var listed = AnswerRows(readme);
        var tested = Scenarios().Select(row => ((int)row[0], (string)row[1])).ToList();

        listed.Should().BeEquivalentTo(tested, o => o.WithStrictOrdering());
        readme.Should().Contain("accessRestored").And.Contain("405");
    }

    [Fact]
    public void Every_fixed_code_the_webhook_answers_is_one_of_the_SDK_codes()
    {
        // docs/errors.md: the codes are the constants of CmsUserErrorCodes, the webhook's refusals included
        // ("replayed" was once a literal of the endpoint, missing from the constants and from errors.md).
        var constants = typeof(CmsUserErrorCodes).GetFields()
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var fixedCodes = Scenarios().Select(row => (string)row[1]).Where(c => c != "outcome").ToList();

        fixedCodes.Should().NotBeEmpty().And.OnlyContain(c => constants.Contains(c));
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Scenarios))]
    public async Task The_endpoint_sends_the_documented_status_and_code(int status, string code)
    {
        if (code == "unknown_site")
        {
            // Only the site route (MapCmsUserSiteWebhooks) has a site to be unknown.
            await using var sites = await SiteWebhookTests.SitesHost.StartAsync();
            await ShouldAnswerAsync(await sites.PostAsync("west", sites.Contact("north"), SiteWebhookTests.NorthSecret), status, code);
            return;
        }

        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddToGroup("members", ana.Id);
        var ok = $$"""{"contactId": {{ana.Id}}}""";
        await using var host = await WebhookHost.StartAsync(
            b => b.UseInMemory(civi, cms),
            o =>
            {
                o.AllowLoginLinks = code != "login_links_disabled";
                o.ReplayStore = code == "replay_store_unavailable" ? WebhookReplayStore.DistributedCache : WebhookReplayStore.Memory;
            },
            s =>
            {
                if (code == "replay_store_unavailable")
                {
                    s.AddSingleton<IDistributedCache, UnreachableCache>();
                }

                if (code == "no_rules")
                {
                    // Start-up validation refuses a host with neither rules nor reset campaigns; one with only campaigns starts.
                    s.Configure<CmsUserOptions>(o => o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Tag("reset") }));
                }
            },
            withRule: code != "no_rules");

        HttpResponseMessage response;
        switch ((status, code))
        {
            case (_, "body_too_large"):
                response = await host.PostAsync("{\"contactId\": 1, \"pad\": \"" + new string('x', 17_000) + "\"}");
                break;
            case (_, "missing_timestamp"):
                using (var request = WebhookHost.Signed(ok, host.Now))
                {
                    request.Headers.Remove(WebhookSignature.TimestampHeader);
                    response = await host.Http.SendAsync(request, WebhookHost.Timeout());
                }

                break;
            case (_, "stale_timestamp"):
                response = await host.PostAsync(ok, host.Now - 3600);
                break;
            case (_, "invalid_signature"):
                response = await host.PostAsync(ok, tamper: s => s.Replace('a', 'b').Replace('1', '2'));
                break;
            case (_, "replayed"):
                var ts = host.Now;
                (await host.PostAsync(ok, ts)).Dispose();
                response = await host.PostAsync(ok, ts);
                break;
            case (_, "invalid_body"):
                response = await host.PostAsync("""{"contactId": 1, "rule": "nope"}""");
                break;
            case (_, "login_links_disabled"):
                response = await host.PostAsync($$"""{"contactId": {{ana.Id}}, "includeLoginLink": true}""");
                break;
            case (200, "outcome"):
                response = await host.PostAsync(ok);
                break;
            case (_, "attempts_used_up"):
                cms.FailCreateFor("ana@example.org", () => new CmsProviderException("InMemory", CmsErrorReason.DuplicateEmail, "The email is taken."));
                for (var i = 1; i <= 4; i++)
                {
                    // Four recorded failures use the attempts up; distinct bodies, so none is a replay.
                    (await host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "spent-{{i}}"}""")).Dispose();
                }

                response = await host.PostAsync(ok);
                break;
            case (503, "outcome"):
                cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Transient());
                response = await host.PostAsync(ok);
                break;
            case (503, "unavailable"):
                civi.FailNext(new HttpRequestException("Connection refused"));
                response = await host.PostAsync(ok);
                break;
            case (500, "outcome"):
                cms.FailCreateFor("ana@example.org", () => new CmsProviderException("InMemory", CmsErrorReason.Permission, "The user may not create users.", statusCode: 403));
                response = await host.PostAsync(ok);
                break;
            case (_, "internal_error"):
                civi.FailNext(new KeyNotFoundException("The given key was not present in the dictionary."));
                response = await host.PostAsync(ok);
                break;
            default:
                response = await host.PostAsync(ok);
                break;
        }

        await ShouldAnswerAsync(response, status, code);
    }

    private static async Task ShouldAnswerAsync(HttpResponseMessage response, int status, string code)
    {
        using (response)
        {
            ((int)response.StatusCode).Should().Be(status);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (body.TryGetProperty("outcome", out var outcome))
            {
                outcome.GetString().Should().NotBeNullOrEmpty();
                if (code != "outcome")
                {
                    body.GetProperty("error").GetProperty("code").GetString().Should().Be(code);
                }
                else if (status != 200)
                {
                    body.GetProperty("error").GetProperty("kind").GetString().Should().Be(status == 503 ? "Transient" : "Configuration");
                }
            }
            else
            {
                code.Should().NotBe("outcome");
                body.GetProperty("error").GetString().Should().Be(code);
                body.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
            }
        }
    }
}
