using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Usernames;

/// <summary>Makes a rendered username valid for a CMS's <see cref="UsernameRules"/>.</summary>
public static class UsernameSanitizer
{
    private static readonly Dictionary<char, string> Transliterations = new()
    {
        ['ß'] = "ss", ['æ'] = "ae", ['Æ'] = "AE", ['ø'] = "o", ['Ø'] = "O", ['œ'] = "oe", ['Œ'] = "OE",
        ['đ'] = "d", ['Đ'] = "D", ['ł'] = "l", ['Ł'] = "L", ['þ'] = "th", ['Þ'] = "TH", ['ð'] = "d",
        ['Ð'] = "D", ['ı'] = "i", ['ħ'] = "h", ['Ħ'] = "H", ['ŋ'] = "n", ['ĸ'] = "k",
    };

    /// <summary>
    /// Returns the value made valid for the rules (transliterated, lower-cased, disallowed characters
    /// removed, separators collapsed, cut to length), or an empty string when nothing usable is left.
    /// </summary>
    /// <param name="value">The rendered value.</param>
    /// <param name="rules">The CMS's rules.</param>
    /// <param name="reserveForSuffix">Characters to keep free at the end for a numbered suffix.</param>
    public static string Sanitize(string value, UsernameRules rules, int reserveForSuffix = 0)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(rules);
        var separator = PickSeparator(rules);
        var builder = new StringBuilder(value.Length);
        foreach (var ch in Transliterate(value.Normalize(NormalizationForm.FormC), rules.AsciiOnly))
        {
            var c = rules.Lowercase ? char.ToLowerInvariant(ch) : ch;
            if (char.IsAsciiLetterOrDigit(c) || (!rules.AsciiOnly && char.IsLetter(c)))
            {
                builder.Append(c);
            }
            else if (rules.AllowedPunctuation.Contains(c, StringComparison.Ordinal) && c != ' ')
            {
                builder.Append(c);
            }
            else if (char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c))
            {
                if (rules.AllowedPunctuation.Contains(' ', StringComparison.Ordinal) && char.IsWhiteSpace(c))
                {
                    builder.Append(' ');
                }
                else if (separator is char s)
                {
                    builder.Append(s);
                }
            }
        }

        var cleaned = CollapseSeparators(builder.ToString(), rules);
        var max = Math.Max(1, rules.MaxLength - reserveForSuffix);
        if (cleaned.Length > max)
        {
            cleaned = TrimSeparators(cleaned[..max], rules);
        }

        return cleaned.Length >= rules.MinLength ? cleaned : "";
    }

    /// <summary>Appends a number to a username, cutting the base so the result fits the rules.</summary>
    /// <param name="username">The valid base username.</param>
    /// <param name="number">The suffix number (2, 3, …).</param>
    /// <param name="rules">The CMS's rules.</param>
    public static string WithSuffix(string username, int number, UsernameRules rules)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(rules);
        var suffix = number.ToString(CultureInfo.InvariantCulture);
        var room = rules.MaxLength - suffix.Length;
        var stem = username.Length > room ? TrimSeparators(username[..Math.Max(0, room)], rules) : username;
        return stem + suffix;
    }

    private static char? PickSeparator(UsernameRules rules)
    {
        foreach (var candidate in ".-_")
        {
            if (rules.AllowedPunctuation.Contains(candidate, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    private static IEnumerable<char> Transliterate(string value, bool asciiOnly)
    {
        foreach (var ch in value)
        {
            if (ch < 128 || !asciiOnly)
            {
                yield return ch;
                continue;
            }

            if (Transliterations.TryGetValue(ch, out var replacement))
            {
                foreach (var r in replacement)
                {
                    yield return r;
                }

                continue;
            }

            foreach (var part in ch.ToString().Normalize(NormalizationForm.FormD))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(part) != UnicodeCategory.NonSpacingMark)
                {
                    yield return part;
                }
            }
        }
    }

    private static string CollapseSeparators(string value, UsernameRules rules)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            var isSeparator = !char.IsLetterOrDigit(c);
            if (isSeparator && builder.Length > 0 && !char.IsLetterOrDigit(builder[^1]))
            {
                continue;
            }

            builder.Append(c);
        }

        return TrimSeparators(builder.ToString(), rules);
    }

    private static string TrimSeparators(string value, UsernameRules rules)
    {
        _ = rules;
        var start = 0;
        var end = value.Length;
        while (start < end && !char.IsLetterOrDigit(value[start]))
        {
            start++;
        }

        while (end > start && !char.IsLetterOrDigit(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }
}
