using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.AspNetCore;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>Properties of the signature verifier and the body parser over generated input.</summary>
public sealed class WebhookPropertyTests
{
    private static readonly Gen<string> Secrets = Gen.String[Gen.Char, 1, 80];
    private static readonly Gen<long> Timestamps = Gen.Long[0, 253402300799];
    private static readonly Gen<byte[]> Bodies = Gen.Byte.Array[0, 300];

    [Fact]
    public void Any_signature_computed_for_a_request_verifies_in_every_spelling_with_the_same_key()
    {
        Gen.Select(Secrets.Where(s => s.Length > 0), Timestamps, Bodies, Gen.Int[0, 3]).Sample((secret, ts, body, spelling) =>
        {
            var signature = WebhookSignature.Compute(secret, ts, body);
            var respelled = spelling switch
            {
                0 => signature,
                1 => "sha256=" + signature[7..].ToUpperInvariant(),
                2 => " \t" + signature + " ",
                _ => "SHA256=" + signature[7..],
            };

            WebhookSignature.TryVerify(secret, ts, body, respelled, out var mac).Should().BeTrue();
            Convert.ToHexStringLower(mac).Should().Be(signature[7..], "the replay key is the MAC, whatever the spelling");
            mac.Should().Equal(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(ts + ".").Concat(body).ToArray()));
        }, iter: 500);
    }

    [Fact]
    public void Changing_the_body_the_timestamp_or_the_secret_breaks_the_signature()
    {
        Gen.Select(Secrets.Where(s => s.Length > 0), Timestamps, Bodies.Where(b => b.Length > 0), Gen.Int[0, 299], Gen.Byte[1, 255]).Sample((secret, ts, body, at, flip) =>
        {
            var signature = WebhookSignature.Compute(secret, ts, body);
            var changed = body.ToArray();
            changed[at % changed.Length] ^= flip;

            WebhookSignature.Verify(secret, ts, changed, signature).Should().BeFalse();
            WebhookSignature.Verify(secret, ts + 1, body, signature).Should().BeFalse();
            WebhookSignature.Verify(secret + "x", ts, body, signature).Should().BeFalse();
        }, iter: 500);
    }

    [Fact]
    public void Any_header_text_is_either_a_wellformed_signature_or_refused_and_never_throws()
    {
        var headers = Gen.OneOf(
            Gen.String,
            Gen.String[Gen.Char["0123456789abcdefABCDEF= \tsha"], 0, 80],
            Gen.String[Gen.Char["0123456789abcdefABCDEF"], 60, 68].Select(h => "sha256=" + h));
        Gen.Select(headers, Bodies).Sample((header, body) =>
        {
            var ok = WebhookSignature.TryVerify("a-secret", 1_700_000_000, body, header, out var mac);
            if (ok)
            {
                mac.Should().HaveCount(32);
                Convert.ToHexStringLower(mac).Should().Be(header.Trim()[7..].ToLowerInvariant());
            }
        }, iter: 2000);
    }

    [Fact]
    public void Any_bytes_as_a_body_parse_or_are_refused_with_a_message_and_never_throw()
    {
        var bodies = Gen.OneOf(
            Gen.Byte.Array[0, 200],
            Gen.String.Select(Encoding.UTF8.GetBytes),
            Gen.String[Gen.Char["{}[]\":,0123456789-.eE truefalsnul\\u\"contactId_rulevI"], 0, 120].Select(Encoding.UTF8.GetBytes));
        bodies.Sample(body =>
        {
            if (WebhookRequest.TryParse(body, out var request, out var problem))
            {
                request.ContactId.Should().BePositive();
                problem.Should().BeEmpty();
            }
            else
            {
                problem.Should().NotBeNullOrWhiteSpace().And.NotContain("Parameter");
            }
        }, iter: 3000);
    }

    [Fact]
    public void A_wellformed_body_reads_back_what_was_sent()
    {
        var text = Gen.String[1, 200].Where(s => !s.Any(char.IsSurrogate));
        var eventIds = Gen.String[Gen.Char["abcdefXYZ0123456789.-_:"], 1, 200];
        Gen.Select(Gen.Long[1, long.MaxValue], text.Null(), Gen.Bool, eventIds.Null(), Gen.Bool).Sample((id, rule, link, eventId, asString) =>
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                [asString ? "contact_id" : "contactId"] = asString ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : id,
                ["rule"] = rule,
                ["includeLoginLink"] = link,
                ["eventId"] = eventId,
                ["source"] = new { entity = "Group", id = 7 },
            });

            WebhookRequest.TryParse(body, out var request, out var problem).Should().BeTrue(problem);
            request.Should().Be(new WebhookRequest(id, rule, link, eventId));
        }, iter: 1000);
    }
}
