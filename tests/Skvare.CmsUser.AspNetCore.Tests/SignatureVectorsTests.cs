using System.Text;
using System.Text.Json;
using Skvare.CmsUser.AspNetCore;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// The known answers shared with the PHP sender (integrations/civicrm/com.skvare.cmsuserwebhook/tests/vectors.json):
/// what the extension signs, this verifier accepts.
/// </summary>
public sealed class SignatureVectorsTests
{
    public static TheoryData<string, string, long, string, string> Vectors()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "vectors.json")));
        var data = new TheoryData<string, string, long, string, string>();
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            data.Add(v.GetProperty("name").GetString()!, v.GetProperty("secret").GetString()!, v.GetProperty("timestamp").GetInt64(), v.GetProperty("body").GetString()!, v.GetProperty("signature").GetString()!);
        }

        return data;
    }

    [Fact]
    public void The_shared_file_has_vectors() => Vectors().Should().HaveCountGreaterThanOrEqualTo(5);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Each_shared_vector_is_what_the_verifier_computes_and_accepts(string name, string secret, long timestamp, string body, string signature)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        WebhookSignature.Compute(secret, timestamp, bytes).Should().Be(signature, name);
        WebhookSignature.Verify(secret, timestamp, bytes, signature).Should().BeTrue(name);
        WebhookSignature.Verify(secret, timestamp + 1, bytes, signature).Should().BeFalse(name);
    }

    [Fact]
    public void The_body_the_extension_sends_is_read_by_the_endpoint()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "vectors.json")));
        var sent = doc.RootElement.GetProperty("vectors").EnumerateArray()
            .Where(v => v.GetProperty("name").GetString()!.StartsWith("extension payload", StringComparison.Ordinal))
            .Select(v => v.GetProperty("body").GetString()!)
            .ToList();

        sent.Should().HaveCount(2);
        foreach (var body in sent)
        {
            WebhookRequest.TryParse(Encoding.UTF8.GetBytes(body), out var request, out var problem).Should().BeTrue(problem);
            request.ContactId.Should().BePositive();
            request.EventId.Should().MatchRegex("^[0-9a-f-]{36}$");
            request.Rule.Should().BeNull();
            request.IncludeLoginLink.Should().BeFalse();
        }
    }
}
