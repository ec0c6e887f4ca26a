using System.Net;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// A login link asked for and not issued is explained in the answer (<c>loginLinkWithheld</c>: the stable reason and a
/// sentence), on every path, and the answer never holds the link it withheld. The answer's shape is pinned.
/// </summary>
public sealed class WebhookLoginLinkTests
{
    private sealed record Setup(FakeCiviCrm Civi, FakeCmsAccountProvider Cms, long ContactId);

    /// <summary>Each reason, with what makes it: the CMS, the settings, and the contact the request names.</summary>
    public static TheoryData<string> Reasons() => new(Enum.GetNames<LoginLinkWithheldReason>());

    private static async Task<(WebhookHost Host, Setup Setup)> StartAsync(LoginLinkWithheldReason reason)
    {
        var civi = new FakeCiviCrm();
        var cms = reason == LoginLinkWithheldReason.NotSupported ? new FakeCmsAccountProvider(CmsCapabilities.CreateWithoutPassword) : new FakeCmsAccountProvider();
        var ana = civi.AddContact("Ana", "Lima", reason == LoginLinkWithheldReason.NotProvisioned ? null : "ana@example.org");
        civi.AddToGroup("members", ana.Id);
        switch (reason)
        {
            case LoginLinkWithheldReason.ExistingAccount:
                cms.AddAccount("ana", "ana@example.org", "subscriber");
                break;
            case LoginLinkWithheldReason.BlockedRole:
                cms.AfterCreate = account => account.Roles.Add("administrator");
                break;
            case LoginLinkWithheldReason.AccountBlocked:
                var blocked = cms.AddAccount("ana", "ana@example.org", "subscriber");
                civi.AddLink(new AccountLink(ana.Id, blocked.Id, "ana@example.org"));
                await cms.BlockAsync(new CmsAccount(blocked.Id, null, null));
                break;
            case LoginLinkWithheldReason.AccountNotFound:
                civi.AddLink(new AccountLink(ana.Id, 998, "ana@example.org"));
                break;
            case LoginLinkWithheldReason.NotOffered:
                cms.LoginLinkAnswer = (_, _) => null;
                break;
            case LoginLinkWithheldReason.CmsFailed:
                cms.LoginLinkAnswer = (_, _) => throw FakeCmsAccountProvider.Transient("HTTP 503 Service Unavailable");
                break;
        }

        var host = await WebhookHost.StartAsync(
            b => b.UseInMemory(civi, cms),
            services: s => s.Configure<CmsUserOptions>(o => o.LoginLinks.AllowExistingUsers = reason is LoginLinkWithheldReason.AccountBlocked or LoginLinkWithheldReason.AccountNotFound));
        return (host, new Setup(civi, cms, ana.Id));
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Reasons))]
    public async Task The_answer_says_why_the_link_was_withheld(string name)
    {
        var reason = Enum.Parse<LoginLinkWithheldReason>(name);
        var (host, setup) = await StartAsync(reason);
        await using var owned = host;

        using var response = await host.PostAsync($$"""{"contactId": {{setup.ContactId}}, "includeLoginLink": true}""");
        var raw = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, raw);
        var json = JsonDocument.Parse(raw).RootElement;
        json.TryGetProperty("loginLink", out _).Should().BeFalse(raw);
        var withheld = json.GetProperty("loginLinkWithheld");
        withheld.EnumerateObject().Select(p => p.Name).Should().Equal("reason", "message");
        withheld.GetProperty("reason").GetString().Should().Be(name);
        withheld.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace().And.NotContain("https://cms.invalid/login/");
        raw.Should().NotContain("cms.invalid", "a withheld link never reaches the answer");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_call_that_cannot_reach_civicrm_answers_503_and_says_the_link_was_not_made()
    {
        var civi = new FakeCiviCrm();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.FailNext(new HttpRequestException("connection refused"));
        await using var host = await WebhookHost.StartAsync(b => b.UseInMemory(civi, new FakeCmsAccountProvider()));

        using var response = await host.PostAsync($$"""{"contactId": {{ana.Id}}, "includeLoginLink": true}""");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        json.GetProperty("loginLinkWithheld").GetProperty("reason").GetString().Should().Be("NotProvisioned");
    }

    [Fact(Timeout = 60_000)]
    public async Task No_rules_answers_500_and_says_the_link_was_not_made()
    {
        var civi = new FakeCiviCrm();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        await using var host = await WebhookHost.StartAsync(
            b => b.UseInMemory(civi, new FakeCmsAccountProvider()),
            services: s => s.Configure<CmsUserOptions>(o => o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Tag("reset") })),
            withRule: false);

        using var response = await host.PostAsync($$"""{"contactId": {{ana.Id}}, "includeLoginLink": true}""");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        json.GetProperty("error").GetProperty("code").GetString().Should().Be("no_rules");
        json.GetProperty("loginLinkWithheld").GetProperty("reason").GetString().Should().Be("NotProvisioned");
        json.GetProperty("loginLinkWithheld").GetProperty("message").GetString().Should().Contain("no_rules");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_answers_shape_is_pinned_for_a_link_a_withheld_link_and_no_link_asked_for()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        var bea = civi.AddContact("Bea", "Costa", "bea@example.org");
        var cid = civi.AddContact("Cid", "Neto", "cid@example.org");
        foreach (var contact in new[] { ana, bea, cid })
        {
            civi.AddToGroup("members", contact.Id);
        }

        var existing = cms.AddAccount("bea", "bea@example.org", "subscriber");
        await using var host = await WebhookHost.StartAsync(b => b.UseInMemory(civi, cms));

        using var issued = await host.PostAsync($$"""{"contactId": {{ana.Id}}, "includeLoginLink": true, "eventId": "e-1"}""");
        using var withheld = await host.PostAsync($$"""{"contactId": {{bea.Id}}, "includeLoginLink": true}""");
        using var unasked = await host.PostAsync($$"""{"contactId": {{cid.Id}}}""");

        var link = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("loginLink").GetString();
        var created = cms.Accounts.Single(a => a.Email == "ana@example.org").Id;
        var third = cms.Accounts.Single(a => a.Email == "cid@example.org").Id;
        (await issued.Content.ReadAsStringAsync()).Should().Be(
            $$"""{"contactId":{{ana.Id}},"outcome":"Created","rule":"members","username":"ana.lima","cmsUserId":{{created}},"accessRestored":false,"loginLink":"{{link}}","eventId":"e-1"}""");
        (await withheld.Content.ReadAsStringAsync()).Should().Be(
            $$$"""{"contactId":{{{bea.Id}}},"outcome":"Linked","rule":"members","username":"bea","cmsUserId":{{{existing.Id}}},"accessRestored":false,"loginLinkWithheld":{"reason":"ExistingAccount","message":"The account existed before this call; login links are issued only for accounts the call created (CmsUser:LoginLinks:AllowExistingUsers)."}}""");
        (await unasked.Content.ReadAsStringAsync()).Should().Be(
            $$"""{"contactId":{{cid.Id}},"outcome":"Created","rule":"members","username":"cid.neto","cmsUserId":{{third}},"accessRestored":false}""");
    }

    [Fact]
    public void Every_reason_is_written_by_its_stable_name_and_reads_back()
    {
        Gen.Enum<LoginLinkWithheldReason>().Sample(reason =>
        {
            var text = JsonSerializer.Serialize(reason);
            text.Should().Be($"\"{reason}\"");
            JsonSerializer.Deserialize<LoginLinkWithheldReason>(text).Should().Be(reason);
        });
    }

    [Fact]
    public void An_answer_explains_a_missing_link_exactly_when_one_was_asked_for_with_a_reason_that_reads_back()
    {
        var kinds = Gen.Enum<OutcomeKind>();
        var reasons = Gen.Select(Gen.Enum<LoginLinkWithheldReason>(), Gen.Int[0, 4], (r, none) => none == 0 ? (LoginLinkWithheldReason?)null : r);
        var text = Gen.String[0, 80];
        var links = Gen.String[Gen.Char.AlphaNumeric, 16, 40].Select(token => new Uri("https://cms.example/login/9/" + token)).Null();
        Gen.Select(kinds, reasons, text.Null(), links, Gen.Bool).Sample((kind, reason, message, link, asked) =>
        {
            var outcome = new ProvisioningOutcome
            {
                ContactId = 7,
                Kind = kind,
                LoginLink = link,
                LoginLinkWithheld = reason is null ? null : message,
                LoginLinkWithheldReason = link is null ? reason : null,
            };
            var request = new WebhookRequest(7, null, asked, null);
            var answer = new WebhookResponse(7, kind.ToString(), null, null, null, null, false, null, link?.ToString(), null)
            {
                LoginLinkWithheld = WebhookEndpoint.WithheldOf(request, outcome),
            };

            var json = JsonSerializer.Serialize(answer, WebhookJsonContext.Readable.WebhookResponse);
            var root = JsonDocument.Parse(json).RootElement;

            var explained = root.TryGetProperty("loginLinkWithheld", out var withheld);
            explained.Should().Be(asked && link is null, json);
            if (explained)
            {
                Enum.TryParse<LoginLinkWithheldReason>(withheld.GetProperty("reason").GetString(), out var parsed).Should().BeTrue(json);
                parsed.Should().Be(outcome.LoginLinkWithheldReason ?? LoginLinkWithheldReason.NotProvisioned);
                withheld.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
                if (reason is not null && !string.IsNullOrWhiteSpace(message))
                {
                    withheld.GetProperty("message").GetString().Should().Be(message);
                }
            }
        }, iter: 2000);
    }
}
