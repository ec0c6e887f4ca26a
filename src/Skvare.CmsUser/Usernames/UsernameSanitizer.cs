using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Usernames;

/// <summary>Makes a rendered username valid for a CMS's <see cref="UsernameRules"/>.</summary>
internal static class UsernameSanitizer
{
    /// <summary>
    /// Returns the value made valid for the rules (transliterated, lower-cased, disallowed characters
    /// removed, separators collapsed, cut to length), or an empty string when nothing usable is left.
    /// Any text is accepted: the value is read as Unicode scalar values (runes), so surrogate pairs, emoji,
    /// combining marks, control and zero-width characters and lone surrogates never fail it.
    /// </summary>
    /// <param name="value">The rendered value.</param>
    /// <param name="rules">The CMS's rules.</param>
    /// <param name="reserveForSuffix">Characters to keep free at the end for a numbered suffix.</param>
    public static string Sanitize(string value, UsernameRules rules, int reserveForSuffix = 0) =>
        Sanitize(value, rules, reserveForSuffix, builtInFolding: true);

    /// <summary>
    /// <see cref="Sanitize(string, UsernameRules, int)"/>, choosing how Latin letters lose their accents: with the
    /// built-in <see cref="LatinFolding"/> table (the same with or without ICU), or, when
    /// <paramref name="builtInFolding"/> is false, with the platform's Unicode normalisation only (which needs ICU;
    /// the tests compare the two).
    /// </summary>
    /// <param name="value">The rendered value.</param>
    /// <param name="rules">The CMS's rules.</param>
    /// <param name="reserveForSuffix">Characters to keep free at the end for a numbered suffix.</param>
    /// <param name="builtInFolding">Whether the built-in table is used before normalisation.</param>
    internal static string Sanitize(string value, UsernameRules rules, int reserveForSuffix, bool builtInFolding)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(rules);
        var separator = PickSeparator(rules);
        var spaceAllowed = rules.AllowedPunctuation.Contains(' ', StringComparison.Ordinal);
        var max = Math.Max(1, rules.MaxLength - reserveForSuffix);
        var builder = new StringBuilder(Math.Min(value.Length, max * 2) + 8);
        foreach (var rune in Transliterate(Normalize(ValidText(value), NormalizationForm.FormC), rules.AsciiOnly, builtInFolding))
        {
            if (builder.Length > max * 4 + 16)
            {
                // Enough material: whatever follows would be cut off anyway (a 2,000-character name costs no more).
                break;
            }

            var r = rules.Lowercase ? Rune.ToLowerInvariant(rune) : rune;
            if (IsWordRune(r, rules))
            {
                Append(builder, r);
            }
            else if (r.IsAscii && r.Value != ' ' && rules.AllowedPunctuation.Contains((char)r.Value, StringComparison.Ordinal))
            {
                builder.Append((char)r.Value);
            }
            else if (Rune.IsWhiteSpace(r) || Rune.IsPunctuation(r) || Rune.IsSymbol(r))
            {
                // Runs of separators collapse later; one is enough here, so a long run costs nothing.
                var previousIsSeparator = builder.Length > 0 && (builder[^1] == ' ' || builder[^1] == separator);
                if (spaceAllowed && Rune.IsWhiteSpace(r) && !previousIsSeparator)
                {
                    builder.Append(' ');
                }
                else if (separator is char s && !previousIsSeparator)
                {
                    builder.Append(s);
                }
            }

            // Anything else (control, format and zero-width characters, marks, unassigned or non-ASCII letters
            // under ASCII rules) is dropped.
        }

        var cleaned = CollapseSeparators(builder.ToString(), rules);
        if (cleaned.Length > max)
        {
            cleaned = TrimSeparators(Cut(cleaned, max), rules);
        }

        return cleaned.Length >= rules.MinLength ? cleaned : "";
    }

    /// <summary>
    /// Whether a username is valid for the rules as this SDK applies them: its length (in UTF-16 code units,
    /// never more than the characters a CMS counts) within the bounds, only letters and digits the rules accept
    /// and the listed punctuation, starting and ending with a letter or digit, no invalid Unicode.
    /// </summary>
    /// <param name="username">The username.</param>
    /// <param name="rules">The CMS's rules.</param>
    public static bool IsValid(string username, UsernameRules rules)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(rules);
        if (username.Length < rules.MinLength || username.Length > rules.MaxLength || username.Length == 0)
        {
            return false;
        }

        var first = true;
        var last = default(Rune);
        var index = 0;
        while (index < username.Length)
        {
            if (Rune.DecodeFromUtf16(username.AsSpan(index), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            var word = IsWordRune(rune, rules);
            var punctuation = rune.IsAscii && rules.AllowedPunctuation.Contains((char)rune.Value, StringComparison.Ordinal);
            if ((!word && !punctuation) || (first && !word) || (rules.Lowercase && Rune.IsUpper(rune)))
            {
                return false;
            }

            first = false;
            last = rune;
            index += used;
        }

        return IsWordRune(last, rules);
    }

    /// <summary>Appends a number to a username, cutting the base so the result fits the rules.</summary>
    /// <param name="username">The valid base username.</param>
    /// <param name="number">The suffix number (2, 3, …).</param>
    /// <param name="rules">The CMS's rules.</param>
    /// <param name="separator">
    /// Put between a base that ends in a digit and the number (<c>newuser21</c> → <c>newuser21_2</c>), so the number
    /// stays readable; empty or <see langword="null"/> for none (<c>newuser212</c>). A separator the rules do not allow
    /// is not used (the start-up check refuses it first).
    /// </param>
    public static string WithSuffix(string username, int number, UsernameRules rules, string? separator = null)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(rules);
        var suffix = number.ToString(CultureInfo.InvariantCulture);
        if (SeparatorFor(username, separator, rules) is { } used)
        {
            suffix = used + suffix;
        }

        var room = rules.MaxLength - suffix.Length;
        var stem = username.Length > room ? TrimSeparators(Cut(username, Math.Max(0, room)), rules) : username;
        return stem + suffix;
    }

    /// <summary>
    /// The separator <see cref="WithSuffix"/> puts before the number of <paramref name="username"/>: <paramref name="separator"/>
    /// when the name ends in a digit and the rules allow it, otherwise none.
    /// </summary>
    private static string? SeparatorFor(string username, string? separator, UsernameRules rules) =>
        separator is { Length: 1 } && username.Length > 0 && char.IsAsciiDigit(username[^1])
            && separator[0] != ' ' && rules.AllowedPunctuation.Contains(separator[0], StringComparison.Ordinal)
            ? separator
            : null;

    private static bool IsWordRune(Rune rune, UsernameRules rules) =>
        (rune.IsAscii && char.IsAsciiLetterOrDigit((char)rune.Value)) || (!rules.AsciiOnly && Rune.IsLetter(rune));

    private static bool IsWordChar(string value, int index) =>
        Rune.TryGetRuneAt(value, index, out var rune) ? Rune.IsLetterOrDigit(rune) : false;

    /// <summary>The text with lone surrogates removed, so normalisation and rune reading cannot fail.</summary>
    private static string ValidText(string value)
    {
        // Most names are valid already: no copy then.
        var valid = true;
        foreach (var rune in value.EnumerateRunes())
        {
            if (!IsUsable(rune))
            {
                valid = false;
                break;
            }
        }

        if (valid)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsUsable(rune))
            {
                Append(builder, rune);
            }
        }

        return builder.ToString();
    }

    // EnumerateRunes yields U+FFFD for a lone surrogate; a real U+FFFD is not a username character either.
    private static bool IsUsable(Rune rune) => rune != Rune.ReplacementChar && rune.Value != 0 && !IsNoncharacter(rune);

    /// <summary>Appends a rune without making a string of it.</summary>
    private static void Append(StringBuilder builder, Rune rune)
    {
        if (rune.IsBmp)
        {
            builder.Append((char)rune.Value);
            return;
        }

        Span<char> pair = stackalloc char[2];
        builder.Append(pair[..rune.EncodeToUtf16(pair)]);
    }

    /// <summary>U+FDD0..U+FDEF and the last two code points of every plane, which normalisation refuses.</summary>
    private static bool IsNoncharacter(Rune rune) =>
        rune.Value is >= 0xFDD0 and <= 0xFDEF || (rune.Value & 0xFFFE) == 0xFFFE;

    /// <summary>Normalises valid text; text the platform still refuses is used as it is (it is filtered afterwards).</summary>
    private static string Normalize(string value, NormalizationForm form)
    {
        try
        {
            return value.Normalize(form);
        }
        catch (ArgumentException)
        {
            return value;
        }
    }

    /// <summary>The first <paramref name="length"/> code units, never splitting a surrogate pair.</summary>
    private static string Cut(string value, int length)
    {
        if (value.Length <= length)
        {
            return value;
        }

        if (length > 0 && char.IsHighSurrogate(value[length - 1]))
        {
            length--;
        }

        return value[..length];
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

    private static IEnumerable<Rune> Transliterate(string value, bool asciiOnly, bool builtInFolding)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii || !asciiOnly)
            {
                yield return rune;
                continue;
            }

            // The built-in table first: it needs no ICU, so a process with invariant globalization makes the same usernames.
            if (builtInFolding && rune.IsBmp && LatinFolding.Fold((char)rune.Value) is { } folded)
            {
                foreach (var r in folded.EnumerateRunes())
                {
                    yield return r;
                }

                continue;
            }

            // Compatibility decomposition: accents come off (é → e), full-width and circled forms become plain (Ａ → A).
            // Without ICU the platform returns the text unchanged: a letter the table does not know is then dropped.
            foreach (var part in Normalize(rune.ToString(), NormalizationForm.FormKD).EnumerateRunes())
            {
                if (Rune.GetUnicodeCategory(part) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
                {
                    continue;
                }

                if (part.IsBmp && LatinFolding.FoldLetter((char)part.Value) is { } spelled)
                {
                    foreach (var r in spelled.EnumerateRunes())
                    {
                        yield return r;
                    }
                }
                else
                {
                    yield return part;
                }
            }
        }
    }

    private static string CollapseSeparators(string value, UsernameRules rules)
    {
        var builder = new StringBuilder(value.Length);
        var previousWord = false;
        foreach (var rune in value.EnumerateRunes())
        {
            var word = Rune.IsLetterOrDigit(rune);
            if (!word && builder.Length > 0 && !previousWord)
            {
                continue;
            }

            Append(builder, rune);
            previousWord = word;
        }

        return TrimSeparators(builder.ToString(), rules);
    }

    private static string TrimSeparators(string value, UsernameRules rules)
    {
        _ = rules;
        var start = 0;
        var end = value.Length;
        while (start < end && !IsWordChar(value, start))
        {
            start++;
        }

        while (end > start)
        {
            var lastStart = end - 1;
            if (lastStart > start && char.IsLowSurrogate(value[lastStart]) && char.IsHighSurrogate(value[lastStart - 1]))
            {
                lastStart--;
            }

            if (IsWordChar(value, lastStart))
            {
                break;
            }

            end = lastStart;
        }

        return value[start..end];
    }
}
