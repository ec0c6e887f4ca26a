using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The first, last and display names sent to the CMS, without the invisible characters that can disguise them: bidi
/// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069: an override or isolate makes "Ana\u202Enomis" read
/// as "Anasimon" in the CMS's admin screens), zero-width spaces and word joiners (U+200B, U+2060) and the byte order
/// mark (U+FEFF), and code units that are no character at all (a lone surrogate, which no CMS can store and which,
/// once a character between two of them is dropped, would join them into a character the name never had). Every CMS
/// provider gets the same names (usernames are cleaned apart, by <see cref="Usernames.UsernameSanitizer"/>).
/// </summary>
/// <remarks>
/// The zero-width joiner and non-joiner (U+200D, U+200C) are part of real writing: the joiner builds emoji sequences
/// (👩‍💻, 👨‍👩‍👧) and some Indic conjuncts, the non-joiner is ordinary in Persian names (مهدی‌زاده). Each is kept where
/// it sits between two characters it can join (a letter, a combining mark or an emoji, outside ASCII) and dropped
/// elsewhere (at an edge, beside a space, an ASCII letter or another invisible character), where it can only hide.
/// Letters, marks, digits, spaces and punctuation of every script are left as they are; only the characters above go.
/// </remarks>
internal static class PersonNames
{
    /// <summary>
    /// <paramref name="name"/> without the invisible characters above (the rest is left exactly as it is: a name holding
    /// none is returned unchanged); <see langword="null"/> when removing them leaves nothing visible, so no blank name is sent.
    /// </summary>
    public static string? Clean(string? name)
    {
        if (name is null || !NeedsCleaning(name))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        var previous = default(Rune?);
        var text = name.AsSpan();
        for (var i = 0; i < text.Length;)
        {
            var start = i;
            var decoded = Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed) == System.Buffers.OperationStatus.Done;
            i += consumed;
            if (!decoded || Hides(rune.Value))
            {
                continue;
            }

            if (rune.Value is ZeroWidthJoiner or ZeroWidthNonJoiner)
            {
                var next = i < text.Length && Rune.DecodeFromUtf16(text[i..], out var following, out _) == System.Buffers.OperationStatus.Done ? following : default(Rune?);
                if (previous is not { } before || next is not { } after || !Joins(before) || !Joins(after))
                {
                    continue;
                }
            }

            // The original code units: a character this does not drop is kept as it was.
            builder.Append(text[start..i]);
            previous = rune;
        }

        var cleaned = builder.ToString();
        return string.IsNullOrWhiteSpace(cleaned) ? null : cleaned;
    }

    private const int ZeroWidthNonJoiner = 0x200C;

    private const int ZeroWidthJoiner = 0x200D;

    /// <summary>Whether <paramref name="name"/> holds anything <see cref="Clean"/> may drop (the common case holds nothing).</summary>
    private static bool NeedsCleaning(string name)
    {
        foreach (var c in name)
        {
            // A surrogate may be a lone one (emoji and CJK Ext B names take the slower path, which keeps their pairs).
            if (Hides(c) || c is (char)ZeroWidthJoiner or (char)ZeroWidthNonJoiner || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A character that is always dropped: a bidi control, a zero-width space or word joiner, the byte order mark.</summary>
    internal static bool Hides(int value) => value is 0x061C or 0x200B or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or 0x2060 or (>= 0x2066 and <= 0x2069) or 0xFEFF;

    /// <summary>
    /// Whether a joiner or non-joiner beside <paramref name="rune"/> can join something: a letter, a combining mark or a
    /// symbol outside ASCII (emoji are symbols; U+FE0F, which ends many of them, is a mark; skin tones are modifier symbols).
    /// </summary>
    private static bool Joins(Rune rune) => rune.Value > 0x7F && Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
        or UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol;
}
