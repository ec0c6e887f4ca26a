using System.Net;
using System.Net.Sockets;

namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>
/// What Backdrop's <c>valid_email_address()</c> accepts: PHP's <c>filter_var(…, FILTER_VALIDATE_EMAIL)</c>
/// without the Unicode flag. Observed on the real site and PHP 8.2: quoted local parts
/// (<c>"quoted"@example.org</c>) and address literals (<c>a@[127.0.0.1]</c>) are accepted; a local part
/// over 64 characters, a domain without a dot, a numeric top-level label, a label over 63 characters and
/// any non-ASCII character are refused.
/// </summary>
internal static class PhpEmailFilter
{
    private const string AtomCharacters = "!#$%&'*+-/=?^_`{|}~";

    /// <summary>Whether PHP's filter accepts <paramref name="mail"/>.</summary>
    public static bool IsValid(string mail)
    {
        var at = mail.LastIndexOf('@');
        if (at <= 0 || at == mail.Length - 1 || Units(mail).Count > 254 || mail.Any(c => c > 0x7F))
        {
            return false;
        }

        var local = mail[..at];
        var domain = mail[(at + 1)..];
        return Units(local) is not { Complete: true, Count: > 64 } && IsLocalPart(local) && (IsAddressLiteral(domain) || IsHostName(domain));
    }

    /// <summary>
    /// The length PHP's filter limits (255 for the address, 65 before the <c>@</c>, as negative look-aheads): it counts
    /// "units" from the start, each one character (a backslash pair is one) with at most one double quote on either side
    /// taken into it, so the quotes of a quoted part do not count (<c>"q".x</c> is 3). The address limit needs 255 units
    /// from the start; the local part's needs its units to reach the <c>@</c> (<see langword="false"/> Complete when text
    /// cannot be read as units, e.g. three quotes in a row: then that limit does not refuse it and the rest of the filter decides).
    /// </summary>
    private static (int Count, bool Complete) Units(string text)
    {
        var count = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
            }

            if (i < text.Length && text[i] == '\\' && i + 1 < text.Length && text[i + 1] <= 0x7E)
            {
                i += 2;
            }
            else if (i < text.Length && text[i] is not ('"' or '\\'))
            {
                i++;
            }
            else
            {
                return (count, false);
            }

            if (i < text.Length && text[i] == '"')
            {
                i++;
            }

            count++;
        }

        return (count, true);
    }

    // Words separated by single dots; a word is a run of atom characters or a quoted string.
    private static bool IsLocalPart(string local)
    {
        var i = 0;
        while (true)
        {
            var start = i;
            if (i < local.Length && local[i] == '"')
            {
                i++;
                var closed = false;
                while (i < local.Length)
                {
                    var c = local[i];
                    if (c == '\\')
                    {
                        if (i + 1 >= local.Length)
                        {
                            return false;
                        }

                        i += 2;
                        continue;
                    }

                    if (c == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }

                    // Quoted text: printable ASCII but space, and controls but NUL, tab, CR, LF.
                    if (c is '\0' or '\t' or '\n' or '\r' or ' ')
                    {
                        return false;
                    }

                    i++;
                }

                if (!closed)
                {
                    return false;
                }
            }
            else
            {
                while (i < local.Length && (char.IsAsciiLetterOrDigit(local[i]) || AtomCharacters.Contains(local[i], StringComparison.Ordinal)))
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }
            }

            if (i == local.Length)
            {
                return true;
            }

            if (local[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    // Labels of letters and digits with hyphens only inside, at least two labels, the last one starting
    // with a letter (or "xn--"), no label over 63 characters.
    private static bool IsHostName(string domain)
    {
        var labels = domain.Split('.');
        if (labels.Length < 2)
        {
            return false;
        }

        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        var last = labels[^1];
        return char.IsAsciiLetter(last[0]) || (last.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) && last.Length > 4);
    }

    // [IPv4] with octets 0-255 written without leading zeros, or [IPv6:…].
    private static bool IsAddressLiteral(string domain)
    {
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']')
        {
            return false;
        }

        var inside = domain[1..^1];
        if (inside.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            var v6 = inside[5..];
            return v6.Length > 0 && v6.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                && IPAddress.TryParse(v6, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var octets = inside.Split('.');
        return octets.Length == 4 && octets.All(o => o.Length is > 0 and <= 3 && o.All(char.IsAsciiDigit)
            && (o.Length == 1 || o[0] != '0') && int.Parse(o, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }
}
