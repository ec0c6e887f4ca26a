using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// What a caller sends (body, headers, content type), generated: the webhook answers every request with a documented
/// status and error body, never 5xx and never an exception, and a valid signed request still provisions.
/// </summary>
public sealed class WebhookInputPropertyTests : IAsyncLifetime
{
    /// <summary>docs/webhook.md: each refusal code with the statuses it may come with.</summary>
    private static readonly Dictionary<string, int[]> DocumentedRefusals = new()
    {
        ["body_too_large"] = [413],
        ["missing_timestamp"] = [401],
        ["stale_timestamp"] = [401],
        ["invalid_signature"] = [401],
        ["replayed"] = [409],
        ["invalid_body"] = [400, 408],
        ["login_links_disabled"] = [403],
    };

    private readonly FakeCiviCrm _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();
    private WebhookHost _host = null!;
    private int _contacts;

    /// <summary>Member names: the ones the webhook reads, their escaped spellings, lone surrogates, and others.</summary>
    private static Gen<string> Names { get; } = Gen.OneOf(
        Gen.OneOf(Gen.Const("contactId"), Gen.Const("contact_id"), Gen.Const("rule"), Gen.Const("includeLoginLink"), Gen.Const("eventId")),
        Gen.OneOf(Gen.Const("contact\\u0049d"), Gen.Const("contact\\u005fid"), Gen.Const("\\ud800"), Gen.Const("x\\udc00"), Gen.Const("\\ud83d\\ude00"), Gen.Const("")),
        Gen.String[Gen.Char.AlphaNumeric, 1, 6]);

    /// <summary>Values: any JSON value, plus contact ids of every kind.</summary>
    private static Gen<string> Values { get; } = Gen.Frequency(
        (4, OddJson.Any),
        (2, Gen.OneOf(Gen.Const("0"), Gen.Const("-1"), Gen.Const("9223372036854775807"), Gen.Const("9223372036854775808"), Gen.Const("-9223372036854775809"),
            Gen.Const("1.0"), Gen.Const("1e2"), Gen.Const("\"0\""), Gen.Const("\"-5\""), Gen.Const("\" 7\""), Gen.Const("\"9223372036854775808\""), Gen.Const("\"\\u0031\""),
            Gen.Const("\"١\""), Gen.Const("\"members\""), Gen.Const("\"evt-1\""), Gen.Const("\"a\\r\\nb\""), Gen.Const("\"\\u202e\""))),
        (1, Gen.Long[1, 1000].Select(i => i.ToString(CultureInfo.InvariantCulture))));

    /// <summary>Bodies as text: generated objects, any JSON value, or not JSON at all.</summary>
    private static Gen<string> BodyTexts { get; } = Gen.Frequency(
        (6, Gen.Select(Names, Values).Array[0, 5].Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}")),
        (2, OddJson.Any),
        (1, Gen.String[Gen.Char["{}[]\":,0123456789-.eE truefalsnul\\ud800contactId_"], 0, 60]));

    /// <summary>Bodies as bytes: the texts, sometimes with bytes that are not UTF-8, a byte order mark, or cut short.</summary>
    private static Gen<byte[]> Bodies { get; } = Gen.Select(BodyTexts, Gen.Int[0, 5], Gen.Int[0, 1000]).Select((text, mutation, at) =>
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var cut = bytes.Length == 0 ? 0 : at % (bytes.Length + 1);
        byte[]? inserted = mutation switch
        {
            1 => [0xFF],
            2 => [0xC3],
            3 => [0xED, 0xA0, 0x80],
            4 => [0xEF, 0xBB, 0xBF],
            _ => null,
        };
        return mutation == 5 ? bytes[..cut] : inserted is null ? bytes : [.. bytes[..cut], .. inserted, .. bytes[cut..]];
    });

    private static Gen<string> HeaderText { get; } = Gen.String[Gen.Char[' ', '~'], 0, 80];

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(b => b.UseInMemory(_civi, _cms));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void Any_body_parses_or_is_refused_with_a_message_and_never_throws()
    {
        Bodies.Sample(
            body =>
            {
                if (WebhookRequest.TryParse(body, out var request, out var problem))
                {
                    request.ContactId.Should().BePositive();
                }
                else
                {
                    problem.Should().NotBeNullOrWhiteSpace().And.NotContain("System.").And.NotContain("Parameter").And.NotContain("line ,");
                }
            },
            iter: 5000,
            print: Encoding.UTF8.GetString);
    }

    [Fact(Timeout = 120_000)]
    public async Task Any_signed_body_is_answered_with_a_documented_status_never_5xx_and_never_throws()
    {
        _civi.AddToGroup("members", [.. Enumerable.Range(0, 20).Select(i => NewContact().Id)]);
        await Bodies.SampleAsync(
            async body =>
            {
                var ts = _host.Now;
                using var request = Request(body, [ts.ToString(CultureInfo.InvariantCulture)], [WebhookSignature.Compute(WebhookHost.Secret, ts, body)], "application/json");
                AssertDocumented(await SendAsync(request));
            },
            iter: 400,
            threads: 1,
            print: Encoding.UTF8.GetString);
        AssertLogsClean();
    }

    [Fact(Timeout = 120_000)]
    public async Task Any_headers_and_content_type_are_answered_with_a_documented_status_never_5xx_and_never_throws()
    {
        var contact = NewContact();
        var body = Encoding.UTF8.GetBytes($$"""{"contactId": {{contact.Id}}}""");
        var now = _host.Now;
        var timestamps = Gen.OneOf(
            Gen.Const(now.ToString(CultureInfo.InvariantCulture)),
            Gen.Long[now - 400, now + 400].Select(t => t.ToString(CultureInfo.InvariantCulture)),
            Gen.OneOf(Gen.Const("-5"), Gen.Const("1.5e9"), Gen.Const("99999999999999999999"), Gen.Const("9223372036854775807"), Gen.Const("0"), Gen.Const(" " + now), Gen.Const("+" + now), Gen.Const("0" + now)),
            HeaderText).Array[0, 2];
        var signature = WebhookSignature.Compute(WebhookHost.Secret, now, body);
        var signatures = Gen.OneOf(
            Gen.Const(signature),
            Gen.Const(signature.ToUpperInvariant()),
            Gen.Const(" " + signature + "\t"),
            Gen.Const(WebhookSignature.Compute(WebhookHost.Secret, now + 1, body)),
            Gen.Const("sha256=" + new string('g', 64)),
            Gen.Const("sha1=" + signature[7..]),
            HeaderText).Array[0, 2];
        var contentTypes = Gen.OneOf(
            Gen.Const((string?)null),
            Gen.OneOf(Gen.Const("application/json"), Gen.Const("text/plain"), Gen.Const("application/x-www-form-urlencoded"), Gen.Const("application/json; charset=latin1"), Gen.Const("multipart/form-data; boundary=x"), Gen.Const("application/json;;;=")).Select(s => (string?)s),
            HeaderText.Select(s => (string?)s));
        await Gen.Select(timestamps, signatures, contentTypes).SampleAsync(
            async (ts, sigs, contentType) =>
            {
                using var request = Request(body, ts, sigs, contentType);
                AssertDocumented(await SendAsync(request));
            },
            iter: 400,
            threads: 1,
            print: t => $"timestamps [{string.Join(" | ", t.Item1)}], signatures [{string.Join(" | ", t.Item2)}], content type {t.Item3}");
        AssertLogsClean();
    }

    [Fact(Timeout = 120_000)]
    public async Task A_valid_signed_request_with_a_valid_contact_id_provisions_whatever_else_it_carries()
    {
        var extraNames = Gen.String[Gen.Char.AlphaNumeric, 1, 8].Where(n => n is not ("contactId" or "rule" or "includeLoginLink" or "eventId"));
        var extras = Gen.Select(extraNames, OddJson.Any.Where(IsOneMeaning)).Array[0, 4].Select(members => members.DistinctBy(m => m.Item1).Select(m => $"\"{m.Item1}\":{m.Item2}").ToArray());
        var spellings = Gen.Int[0, 4];
        var contentTypes = Gen.OneOf(Gen.Const((string?)null), Gen.Const<string?>("application/json"), Gen.Const<string?>("text/plain; charset=utf-8"), Gen.Const<string?>("application/x-www-form-urlencoded"));
        await Gen.Select(extras, spellings, Gen.Bool, contentTypes, Gen.Int[0, 2], Gen.Bool).SampleAsync(
            async (members, spelling, withBom, contentType, signatureSpelling, first) =>
            {
                var contact = NewContact();
                _civi.AddToGroup("members", contact.Id);
                var id = spelling switch
                {
                    0 => $"\"contactId\": {contact.Id}",
                    1 => $"\"contact_id\": \"{contact.Id}\"",
                    2 => $"\"contact_id\":{contact.Id}",
                    3 => $"\"contact\\u005fid\" : \"{contact.Id}\"",
                    _ => $"\"contact_id\"\t:\n\"{string.Concat(contact.Id.ToString(CultureInfo.InvariantCulture).Select(c => $"\\u{(int)c:x4}"))}\"",
                };

                var text = "{" + string.Join(",", first ? [id, .. members] : [.. members, id]) + "}";
                var body = withBom ? [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text);
                var ts = _host.Now;
                using var request = Request(body, [ts.ToString(CultureInfo.InvariantCulture)], [Respell(WebhookSignature.Compute(WebhookHost.Secret, ts, body), signatureSpelling)], contentType);

                var (status, json) = await SendAsync(request);

                status.Should().Be(200, json);
                using var answer = JsonDocument.Parse(json);
                answer.RootElement.GetProperty("contactId").GetInt64().Should().Be(contact.Id);
                answer.RootElement.GetProperty("outcome").GetString().Should().Be("Created");
                _civi.Links.Should().Contain(l => l.ContactId == contact.Id);
            },
            iter: 150,
            threads: 1);
        AssertLogsClean();
    }

    private static string Respell(string signature, int spelling) => spelling switch
    {
        0 => signature,
        1 => "SHA256=" + signature[7..].ToUpperInvariant(),
        _ => "  " + signature + " ",
    };

    private static bool IsOneMeaning(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static HttpRequestMessage Request(byte[] body, string[] timestamps, string[] signatures, string? contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/cmsuser/webhook") { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        foreach (var ts in timestamps)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, ts);
        }

        foreach (var signature in signatures)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, signature);
        }

        return request;
    }

    private static void AssertDocumented((int Status, string Json) answer)
    {
        answer.Status.Should().BeLessThan(500, answer.Json);
        using var json = JsonDocument.Parse(answer.Json);
        if (answer.Status == 200)
        {
            json.RootElement.GetProperty("outcome").GetString().Should().NotBeNullOrEmpty();
            return;
        }

        var code = json.RootElement.GetProperty("error").GetString()!;
        DocumentedRefusals.Should().ContainKey(code);
        DocumentedRefusals[code].Should().Contain(answer.Status, code);
        json.RootElement.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace().And.NotContain("System.").And.NotContain(WebhookHost.Secret);
    }

    private async Task<(int Status, string Json)> SendAsync(HttpRequestMessage request)
    {
        using var response = await _host.Http.SendAsync(request, WebhookHost.Timeout());
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private Contact NewContact()
    {
        var n = Interlocked.Increment(ref _contacts);
        return _civi.AddContact("Ana" + n.ToString(CultureInfo.InvariantCulture), "Lima", $"ana{n}@example.org");
    }

    private void AssertLogsClean()
    {
        var logs = _host.Logs.GetSnapshot();
        logs.Should().NotContain(r => r.Level >= LogLevel.Error, "no request may end in an exception (Kestrel logs ApplicationError) or a server fault");
        logs.Should().NotContain(r => r.Message.Contains(WebhookHost.Secret, StringComparison.Ordinal));
    }
}
