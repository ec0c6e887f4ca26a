using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// The webhook signature: <c>X-CmsUser-Timestamp: &lt;unix seconds&gt;</c> and
/// <c>X-CmsUser-Signature: sha256=&lt;hex HMAC-SHA256 of "&lt;timestamp&gt;.&lt;raw body&gt;" with the shared secret&gt;</c>.
/// </summary>
/// <remarks>
/// The hex digits may come in either case and the header may carry surrounding whitespace; what is
/// compared (and remembered against replays) is the 32-byte MAC, never the header text.
/// </remarks>
public static class WebhookSignature
{
    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "X-CmsUser-Timestamp";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-CmsUser-Signature";

    private const string Prefix = "sha256=";
    private const int MacBytes = 32;

    /// <summary>
    /// Computes the signature header value for a body: for a .NET sender, and for a host's own tests that post signed
    /// requests to its endpoint. Receiving is <c>MapCmsUserWebhook</c>'s job (it also checks the timestamp window and replays).
    /// </summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">Unix seconds, as sent in <see cref="TimestampHeader"/>.</param>
    /// <param name="body">The raw request body.</param>
    /// <returns><c>sha256=</c> followed by 64 lower-case hex digits.</returns>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return Prefix + Convert.ToHexStringLower(Mac(secret, timestamp, body));
    }

    /// <summary>
    /// Checks a signature header in constant time. Internal: the MAC alone is not the endpoint's check (which also
    /// refuses an old timestamp and a replay), so a host verifies by mapping the endpoint, not by calling this.
    /// </summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">The timestamp that was signed.</param>
    /// <param name="body">The raw body.</param>
    /// <param name="signature">The header value received.</param>
    /// <returns>Whether the header holds the MAC of this timestamp and body.</returns>
    internal static bool Verify(string secret, long timestamp, ReadOnlySpan<byte> body, string? signature) =>
        TryVerify(secret, timestamp, body, signature, out _);

    /// <summary>Checks a signature header and, when it matches, returns the verified MAC (the canonical replay key).</summary>
    internal static bool TryVerify(string secret, long timestamp, ReadOnlySpan<byte> body, string? signature, out byte[] mac)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        mac = [];
        Span<byte> received = stackalloc byte[MacBytes];
        if (!TryDecode(signature, received))
        {
            return false;
        }

        var expected = Mac(secret, timestamp, body);
        if (!CryptographicOperations.FixedTimeEquals(expected, received))
        {
            return false;
        }

        mac = expected;
        return true;
    }

    /// <summary>
    /// Reads <c>sha256=</c> plus exactly 64 hex digits (either case), ignoring surrounding whitespace.
    /// Anything else (another scheme, wrong length, stray characters) is not a signature.
    /// </summary>
    internal static bool TryDecode(string? header, Span<byte> mac)
    {
        var text = header.AsSpan().Trim();
        if (text.Length != Prefix.Length + (MacBytes * 2) || !text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hex = text[Prefix.Length..];
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return Convert.FromHexString(hex, mac, out _, out var written) == System.Buffers.OperationStatus.Done && written == MacBytes;
    }

    private static byte[] Mac(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);
    }
}
