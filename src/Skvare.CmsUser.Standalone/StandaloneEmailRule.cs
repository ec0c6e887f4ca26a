using System.Net;
using System.Net.Sockets;

namespace Skvare.CmsUser.Standalone;

/// <summary>
/// The address check Standalone makes before it mails a reset link (PHP's <c>FILTER_VALIDATE_EMAIL</c>, without
/// the Unicode flag): a user whose <c>uf_name</c> fails it is created, but its reset email is refused with
/// "No password reset message template available". Checking first leaves nothing behind. Quoted local parts,
/// which PHP accepts, are refused here too (stricter, never looser).
/// </summary>
internal static class StandaloneEmailRule
{
    /// <summary>Whether Standalone will mail this address.</summary>
    public static bool IsMailable(string? email)
    {
        if (string.IsNullOrEmpty(email) || email.Length > 254)
        {
            return false;
        }

        var at = email.LastIndexOf('@');
        if (at <= 0 || at > 64 || at == email.Length - 1)
        {
            return false;
        }

        var local = email[..at];
        var domain = email[(at + 1)..];
        return local.Split('.').All(IsAtom) && IsDomain(domain);
    }

    private static bool IsAtom(string atom) => atom.Length > 0 && atom.All(IsAtomChar);

    private static bool IsAtomChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~';

    private static bool IsDomain(string domain)
    {
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            var literal = domain[1..^1];
            return literal.Count(c => c == '.') == 3 && IPAddress.TryParse(literal, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork;
        }

        var labels = domain.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63))
        {
            return false;
        }

        var last = labels[^1];
        var lastOk = last.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) ? IsHyphenated(last[4..]) : char.IsAsciiLetter(last[0]) && IsHyphenated(last);
        return lastOk && labels[..^1].All(l => IsHyphenated(l.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) ? l[4..] : l));
    }

    // [a-z0-9]+(-+[a-z0-9]+)*: letters and digits, inner hyphens only.
    private static bool IsHyphenated(string label) =>
        label.Length > 0 && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1]) && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
