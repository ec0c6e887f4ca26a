using System.Text;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Cli.Import;

/// <summary>
/// Reads the reference extension's <c>cmsuser_user_fields</c> text (one <c>field=value</c> a line) exactly as it did: the
/// lines trimmed, empty ones (and a line <c>0</c>, which PHP's <c>array_filter</c> drops too) left out, joined with
/// <c>&amp;</c> and read as a query string whose top-level names are kept verbatim (its <c>help_parse_qs</c>: each name
/// up to the first <c>=</c> or <c>[</c> URL-decoded and protected from <c>parse_str</c>'s renaming; the values
/// URL-decoded, <c>+</c> as a space). The extension rendered its tokens before reading the text; the fields are read
/// here from the template, which is what <c>FieldMappings</c> holds.
/// </summary>
internal static partial class FieldLines
{
    /// <summary>One field the text names, in the order the extension read it.</summary>
    /// <param name="Name">The field name (decoded), possibly empty.</param>
    /// <param name="Brackets">What followed the name before <c>=</c> (<c>[0][locality]</c>): a nested key; empty for a plain one.</param>
    /// <param name="Value">The value (decoded).</param>
    /// <param name="Source">The text of the pair as written (for messages).</param>
    public sealed record Pair(string Name, string Brackets, string Value, string Source)
    {
        /// <summary>A plain key: the extension sent the value as the field itself.</summary>
        public bool IsPlain => Brackets.Length == 0;
    }

    /// <summary>The pairs of <paramref name="text"/>, in order, duplicates included (the last one wins, as in PHP).</summary>
    public static IReadOnlyList<Pair> Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        // explode("\n"), array_map('trim'), array_filter (drops "" and "0"), implode("&").
        var lines = text.Split('\n').Select(PhpTrim).Where(PhpTruth.IsTrue);
        var joined = string.Join('&', lines);
        var pairs = new List<Pair>();

        // help_parse_qs: its regex takes each name from the start of the text or after '&' up to '=' or '[' (an '&' does
        // not stop it: a line without '=' runs into the next one), then parse_str splits on '&' and the first '='.
        var position = 0;
        foreach (Match name in NameRegex().Matches(joined))
        {
            if (name.Index < position)
            {
                continue;
            }

            // Pairs before this name that had no name of their own (they start with '=' or '['): PHP ignores them.
            foreach (var skipped in joined[position..name.Index].Split('&'))
            {
                if (skipped.Length > 0)
                {
                    pairs.Add(Unnamed(skipped));
                }
            }

            var end = joined.IndexOf('&', name.Index + name.Length);
            end = end < 0 ? joined.Length : end;
            var rest = joined[(name.Index + name.Length)..end];
            var equals = rest.IndexOf('=');
            var brackets = equals < 0 ? rest : rest[..equals];
            var value = equals < 0 ? "" : rest[(equals + 1)..];
            pairs.Add(new Pair(UrlDecode(name.Value), UrlDecode(brackets), UrlDecode(value), joined[name.Index..end]));
            position = Math.Min(joined.Length, end + 1);
        }

        foreach (var skipped in joined[position..].Split('&'))
        {
            if (skipped.Length > 0)
            {
                pairs.Add(Unnamed(skipped));
            }
        }

        return pairs;
    }

    /// <summary>The plain fields and their values as the extension ended up with them: the last of a name wins.</summary>
    public static IReadOnlyDictionary<string, string> Plain(IEnumerable<Pair> pairs)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (pair.Name.Length == 0)
            {
                continue;
            }

            if (pair.IsPlain)
            {
                fields[pair.Name] = pair.Value;
            }
            else
            {
                // A nested pair replaces a plain one of the same name (PHP turns it into an array).
                fields.Remove(pair.Name);
            }
        }

        return fields;
    }

    private static Pair Unnamed(string source)
    {
        var equals = source.IndexOf('=');
        return new Pair("", UrlDecode(equals < 0 ? source : source[..equals]), equals < 0 ? "" : UrlDecode(source[(equals + 1)..]), source);
    }

    /// <summary>PHP's <c>trim</c>: spaces, tabs, line breaks, NUL and vertical tabs at both ends, nothing else.</summary>
    internal static string PhpTrim(string text) => text.Trim(' ', '\t', '\n', '\r', '\0', '\v');

    /// <summary>PHP's <c>urldecode</c>: <c>+</c> is a space, <c>%XX</c> a byte; a <c>%</c> without two hex digits stays.</summary>
    internal static string UrlDecode(string text)
    {
        if (text.AsSpan().IndexOfAny('%', '+') < 0)
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        var utf8 = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (b == (byte)'+')
            {
                bytes.Add((byte)' ');
            }
            else if (b == (byte)'%' && i + 2 < utf8.Length && IsHex(utf8[i + 1]) && IsHex(utf8[i + 2]))
            {
                bytes.Add((byte)((Hex(utf8[i + 1]) << 4) | Hex(utf8[i + 2])));
                i += 2;
            }
            else
            {
                bytes.Add(b);
            }
        }

        // Bytes that are not UTF-8 (a lone %E9) become U+FFFD: the settings file is UTF-8.
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    [GeneratedRegex(@"(?:^|(?<=&))[^=\[]+", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
