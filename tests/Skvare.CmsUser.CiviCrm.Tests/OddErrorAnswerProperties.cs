using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Answers that carry <c>error_message</c> of any JSON kind. The real CiviCRM (6.17.2, recorded and probed) sends it only
/// in failures (HTTP 403/500), always as text beside <c>error_code</c>, <c>error_id</c> and <c>status</c>; anything else
/// came from something in between, and the client says so, naming what was odd and never repeating a secret.
/// </summary>
public sealed class OddErrorAnswerProperties : IDisposable
{
    private const string SiteKey = "site-key-never-shown-0123456789";

    private readonly CiviHarness _h;

    public OddErrorAnswerProperties() => _h = new CiviHarness(o =>
    {
        o.Http.MaxRetries = 0;
        // Hundreds of failed answers in a row, about half of them counted by the circuit breaker (a 5xx whose
        // error_message is not text): at the default ratio of 0.5 the breaker opened in some runs and the next sample
        // met "circuit open" (no status) instead of its answer. The breaker is not what these properties test.
        o.Http.CircuitBreakerFailureRatio = 1;
        // Nothing here waits for a timeout: the harness's 2 s attempt timeout turned a slow first answer on a loaded
        // machine into "could not be reached".
        o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
        o.SiteKey = SiteKey;
    });

    /// <summary><c>error_message</c>: any JSON value, blanks, and values that echo the request's credentials.</summary>
    private Gen<string> ErrorMessages => Gen.Frequency(
        (4, OddJson.Any),
        (1, Gen.OneOf(Gen.Const("\"\""), Gen.Const("\"  \""), Gen.Const("\"\\ud800 x\""), Gen.Const("\"DB Error: already exists\""))),
        (1, Gen.OneOf(
            Gen.Const($"{{\"headers\":{{\"X-Civi-Auth\":\"Bearer {_h.Fake.ApiKey}\",\"X-Civi-Key\":\"{SiteKey}\"}}}}"),
            Gen.Const($"[\"Bearer {_h.Fake.ApiKey}\"]"),
            Gen.Const($"\"refused key {_h.Fake.ApiKey}\""))));

    public void Dispose() => _h.Dispose();

    [Fact]
    public void A_200_answer_with_an_error_message_that_is_not_text_is_a_configuration_error_naming_it()
    {
        var others = Gen.Select(OddJson.Member("values"), OddJson.Member("error_code"), OddJson.Member("error_id"), OddJson.Member("status_message"), (a, b, c, d) => a + b + c + d);
        Gen.Select(ErrorMessages, others).Sample(
            (errorMessage, members) =>
            {
                var body = "{" + members + "\"error_message\":" + errorMessage + "}";
                _h.Fake.FailNext(200, body: body);

                var ex = Assert.Throws<CiviCrmApiException>(() => _h.Client.CallAsync("Contact", "get").GetAwaiter().GetResult());

                ex.StatusCode.Should().Be(200);
                (ex.Entity, ex.Action).Should().Be(("Contact", "get"));
                ex.Message.Should().NotContain("did not return an API v4 answer", "the answer is CiviCRM's envelope; its error member is what is odd");
                var text = TextOf(errorMessage);
                if (text is not null && !string.IsNullOrWhiteSpace(text))
                {
                    ex.ServerMessage.Should().Be(text.Replace(_h.Fake.ApiKey, "<redacted>", StringComparison.Ordinal));
                }
                else
                {
                    ex.Kind.Should().Be(FailureKind.Configuration);
                    ex.Message.Should().StartWith("Contact.get answered HTTP 200 with an error_message that is ").And.Contain(KindOf(errorMessage, text));
                    ex.ServerMessage.Should().BeNull();
                }

                ShouldNotShowSecrets(ex);
            },
            iter: 300,
            threads: 1,
            print: t => t.ToString());
    }

    [Fact]
    public void A_failed_answer_with_odd_error_members_is_a_typed_error_that_never_shows_a_secret()
    {
        var others = Gen.Select(OddJson.Member("error_code"), OddJson.Member("error_id"), OddJson.Member("status_message"), (a, b, c) => a + b + c);
        Gen.Select(Gen.OneOf(Gen.Const(403), Gen.Const(500), Gen.Const(503)), ErrorMessages, others).Sample(
            (status, errorMessage, members) =>
            {
                _h.Fake.FailNext(status, body: "{" + members + "\"error_message\":" + errorMessage + ",\"status\":" + status + "}");

                var ex = Assert.Throws<CiviCrmApiException>(() => _h.Client.CallAsync("Contact", "get").GetAwaiter().GetResult());

                ex.StatusCode.Should().Be(status);
                if (TextOf(errorMessage) is { } text && !string.IsNullOrWhiteSpace(text))
                {
                    ex.ServerMessage.Should().Be(text.Replace(_h.Fake.ApiKey, "<redacted>", StringComparison.Ordinal));
                }

                ShouldNotShowSecrets(ex);
            },
            iter: 200,
            threads: 1,
            print: t => t.ToString());
    }

    [Theory]
    [InlineData(403)]
    [InlineData(500)]
    public async Task An_error_code_that_echoes_a_credential_is_redacted_before_it_reaches_the_exception_and_the_log(int status)
    {
        // error_code travels beside the message (CmsUserException.ErrorCode) and into the channel's failure log
        // ("HTTP 500, code ..."), so it is redacted like error_message.
        _h.Fake.FailNext(status, body: $"{{\"error_code\":\"Bearer {_h.Fake.ApiKey} / {SiteKey}\",\"error_message\":\"refused\",\"status\":{status}}}");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ex = await Assert.ThrowsAsync<CiviCrmApiException>(() => _h.Client.CallAsync("Contact", "get", cancellationToken: timeout.Token));

        ex.ErrorCode.Should().Be("Bearer <redacted> / <redacted>");
        ShouldNotShowSecrets(ex);
    }

    [Fact]
    public void The_real_servers_error_shape_still_gives_its_message_and_error_id()
    {
        // As CiviCRM 6.17.2 answered an unknown field in where (probed at http://localhost:8082, see the protocol doc 3.2).
        _h.Fake.FailNext(500, body: """{"error_id":"37Bv-SlSl-T15L","error_code":0,"error_message":"Invalid field 'no_such_field'","status":500}""");

        var ex = Assert.Throws<CiviCrmApiException>(() => _h.Client.CallAsync("Contact", "get").GetAwaiter().GetResult());

        (ex.ServerMessage, ex.ErrorId, ex.ErrorCode, ex.Kind).Should().Be(("Invalid field 'no_such_field'", "37Bv-SlSl-T15L", "0", FailureKind.Configuration));
    }

    [Theory]
    [InlineData("5", "a number")]
    [InlineData("{\"text\":\"x\"}", "an object")]
    [InlineData("[\"x\"]", "an array")]
    [InlineData("null", "null")]
    [InlineData("false", "a boolean")]
    [InlineData("\"\"", "blank text")]
    [InlineData("\"\\ud800\"", "text that is not valid UTF-16")]
    public void A_200_answer_names_the_kind_of_its_odd_error_message(string errorMessage, string kind)
    {
        _h.Fake.FailNext(200, body: "{\"values\":[],\"error_message\":" + errorMessage + "}");

        var ex = Assert.Throws<CiviCrmApiException>(() => _h.Client.CallAsync("Contact", "get").GetAwaiter().GetResult());

        ex.Message.Should().Be($"Contact.get answered HTTP 200 with an error_message that is {kind} ({errorMessage}), not CiviCRM's error text: CiviCRM writes error_message only as the text of a failed call, so something between this client and CiviCRM (a proxy, a security plugin, another service at CmsUser:CiviCrm:BaseUrl) changed the answer. Whether the call took effect is unknown.");
        ex.Kind.Should().Be(FailureKind.Configuration);
    }

    private static string? TextOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.AsText();
    }

    private static string KindOf(string json, string? text)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind switch
        {
            JsonValueKind.Number => "a number",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.Null => "null",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => text is null ? "text that is not valid UTF-16" : "blank text",
        };
    }

    private void ShouldNotShowSecrets(CiviCrmApiException ex)
    {
        foreach (var secret in new[] { _h.Fake.ApiKey, SiteKey })
        {
            ex.ToString().Should().NotContain(secret);
            (ex.ServerMessage ?? "").Should().NotContain(secret);
            (ex.ErrorId ?? "").Should().NotContain(secret);
            (ex.ErrorCode ?? "").Should().NotContain(secret);
            _h.Logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(secret, StringComparison.Ordinal));
        }
    }
}
