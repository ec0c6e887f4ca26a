using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal.Tests.SharedTransport;

/// <summary>
/// src/Shared/Channel (through the copy compiled into the Drupal package): whatever charset an answer's <c>Content-Type</c>
/// names (UTF-8 in the spellings sites send, MySQL's <c>utf8mb4</c>, <c>binary</c>, a typo, a charset .NET does not ship),
/// with or without a byte-order mark and with broken bytes, the channel gives the answer's JSON or its classified failure.
/// </summary>
public sealed class AnswerCharsetProperties
{
    /// <summary>Charsets .NET cannot decode (<see cref="HttpContent.ReadAsStringAsync()"/> throws for them) and the UTF-8 ones.</summary>
    private static readonly Gen<string> Charsets = Gen.OneOf(
        Gen.OneOf(Gen.Const("utf8"), Gen.Const("UTF8"), Gen.Const("\"utf8\""), Gen.Const("utf8mb4"), Gen.Const("utf8mb3"), Gen.Const("binary"), Gen.Const("windows-1252"),
            Gen.Const("none"), Gen.Const("utf-8"), Gen.Const("UTF-8"), Gen.Const("x-unknown")),
        Gen.String[Gen.Char.AlphaNumeric, 1, 12]);

    /// <summary>Text in any script (CJK, RTL, emoji, combining marks), as a member's value.</summary>
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 0, 20],
        Gen.OneOf(Gen.Const("João"), Gen.Const("李小龍"), Gen.Const("שלום"), Gen.Const("مرحبا"), Gen.Const("😀👨‍👩‍👧"), Gen.Const("e\u0301"), Gen.Const("\u202Eevil")),
        Gen.Int[0x20, 0x10FFFF].Where(v => v is < 0xD800 or > 0xDFFF).Array[0, 12].Select(runes => string.Concat(runes.Select(r => new Rune(r).ToString()))));

    [Fact]
    public void Any_charset_gives_the_answers_json_as_utf8_or_a_classified_failure()
    {
        // The mark and the broken byte: none, a UTF-8 byte-order mark, a lone continuation byte inside the text.
        Gen.Select(Charsets, Text, Gen.Int[0, 2], Gen.OneOf(Gen.Const(200), Gen.Const(201), Gen.Const(400), Gen.Const(500))).Sample((charset, text, damage, status) =>
        {
            var json = "{\"name\":" + System.Text.Json.JsonSerializer.Serialize(text) + "}";
            var bytes = Encoding.UTF8.GetBytes(json);
            bytes = damage switch
            {
                1 => [0xEF, 0xBB, 0xBF, .. bytes],
                2 => [.. bytes[..9], 0x80, .. bytes[9..]],
                _ => bytes,
            };
            var channel = Channel(() => Answer(status, bytes, charset));

            System.Text.Json.Nodes.JsonNode? read;
            try
            {
                read = channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token()).GetAwaiter().GetResult();
            }
            catch (CmsProviderException ex)
            {
                status.Should().BeGreaterThanOrEqualTo(400, $"charset {charset}: only an error status fails, {ex.Message}");
                return;
            }

            status.Should().BeLessThan(400);
            if (DecodesOtherwise(charset))
            {
                // A charset .NET knows (latin1, ascii, …) decodes as it says: a value, not necessarily this text.
                return;
            }

            read!["name"]!.GetValue<string>().Should().Be(damage == 2 ? "\uFFFD" + text : text, $"charset {charset}: read as UTF-8, a mark skipped, a broken byte as U+FFFD");
        }, iter: 300);
    }

    [Theory]
    [InlineData("utf8")]
    [InlineData("utf8mb4")]
    [InlineData("binary")]
    [InlineData("x-unknown")]
    public async Task A_charset_dotnet_does_not_know_is_read_as_utf8_not_an_InvalidOperationException(string charset)
    {
        // Regression (found by the property above): HttpContent.ReadAsStringAsync throws InvalidOperationException ("The
        // character set provided in ContentType is invalid") for such a charset, and the channel let it out of every client:
        // a site whose PHP sends 'Content-Type: application/json; charset=utf8' failed every call with a defect.
        var channel = Channel(() => Answer(200, Encoding.UTF8.GetBytes("{\"name\":\"李小龍 😀\"}"), charset));

        var read = await channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());

        read!["name"]!.GetValue<string>().Should().Be("李小龍 😀");
    }

    /// <summary>Whether .NET decodes <paramref name="charset"/> as another encoding than UTF-8.</summary>
    private static bool DecodesOtherwise(string charset)
    {
        try
        {
            return Encoding.GetEncoding(charset.Trim('"')).CodePage != Encoding.UTF8.CodePage;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static HttpResponseMessage Answer(int status, byte[] bytes, string charset)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=" + charset);
        return new HttpResponseMessage((HttpStatusCode)status) { Content = content };
    }

    private static HttpChannel Channel(Func<HttpResponseMessage> answer) =>
        new(() => new HttpClient(new Stub(answer), disposeHandler: true),
            path => new Uri(new Uri("https://site.example/base/"), path),
            new Classifier(),
            new HttpChannelLog(new FakeLogger(), "Test", answeredEventId: 9000, failedEventId: 9001, weakSecretsEventId: 9002))
        {
            Credentials = HeaderCredentials.Basic("api", "a-secret-of-some-length"),
        };

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private sealed class Stub(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer());
    }

    private sealed class Classifier() : CmsAnswerClassifier("Test", "Test")
    {
        protected override string UnreadableHint => "check the test site";

        public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) =>
            new CmsProviderException(Cms, answer.Status >= 500 ? CmsErrorReason.Unavailable : CmsErrorReason.InvalidData, $"Test refused {call.Route}: HTTP {answer.Status}", statusCode: answer.Status);
    }
}
