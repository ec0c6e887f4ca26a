using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// The webhook signature: <c>X-CmsUser-Timestamp: &lt;unix seconds&gt;</c> and
/// <c>X-CmsUser-Signature: sha256=&lt;hex HMAC-SHA256 of "&lt;timestamp&gt;.&lt;raw body&gt;" with the shared secret&gt;</c>.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "X-CmsUser-Timestamp";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-CmsUser-Signature";

    private const string Prefix = "sha256=";

    /// <summary>Computes the signature header value for a body (for senders and tests).</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">Unix seconds, as sent in <see cref="TimestampHeader"/>.</param>
    /// <param name="body">The raw request body.</param>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>Checks a signature header in constant time.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">The timestamp that was signed.</param>
    /// <param name="body">The raw body.</param>
    /// <param name="signature">The header value received.</param>
    public static bool Verify(string secret, long timestamp, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || !signature.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp, body));
        var actual = Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
