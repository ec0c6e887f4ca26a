using System.Text;
using CsCheck;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>Generators of text a CRM really holds, and text nobody should: every class a username or a reader must survive.</summary>
internal static class HostileText
{
    /// <summary>Pieces that broke, or could break, text handling built on single UTF-16 chars.</summary>
    public static readonly string[] Pieces =
    [
        "😀", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇧🇪", "🇺🇸", "👍🏽", "𝒜𝓁𝒾𝒸ℯ", "𠜎", "𐐷",   // astral, ZWJ, flags, skin tones, math letters, CJK Ext B, Deseret
        "e\u0301", "Z\u0351\u0352\u0353a\u0300\u0301", "ñ", "ß", "İ", "ǅ", "ﬁ", "Ａｎａ", "①",  // combining, special casing, ligature, full-width
        "שלום", "مرحبا", "\u202Eevil\u202C", "\u200F", "\u200E",                        // RTL and bidi controls
        "\u200B", "\u200C", "\u200D", "\uFEFF", "\u00AD", "\u2060",                     // zero-width and soft hyphen
        "\0", "\u0001", "\u001F", "\u007F", "\u0085", "\t", "\r\n", "\u2028",          // controls
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800",                          // lone and reversed surrogates
        "\uFFFD", "\uFFFE", "\uFFFF", "\U0010FFFF", "\U000E0001",                        // specials, noncharacters, tag
        "O'Brien", "ana+tag@x", "a..b", "--", "__", "  ", ".", "@", "\"", "<script>", "%00", "{contact.id}",
        "Ana", "lima", "123", "x",
    ];

    /// <summary>One arbitrary UTF-16 code unit, surrogates included.</summary>
    public static readonly Gen<string> AnyChar = Gen.Char.Select(c => c.ToString());

    /// <summary>One arbitrary Unicode scalar value.</summary>
    public static readonly Gen<string> AnyRune = Gen.Int[0, 0x10FFFF].Where(v => v is < 0xD800 or > 0xDFFF).Select(v => new Rune(v).ToString());

    /// <summary>A string of 0-40 pieces drawn from the classes above and random code units and runes.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
            (4, Gen.OneOf(Pieces)),
            (2, AnyChar),
            (2, AnyRune),
            (2, Gen.String[Gen.Char.AlphaNumeric, 1, 6]))
        .Array[0, 40]
        .Select(parts => string.Concat(parts));

    /// <summary>Mostly <see cref="Text"/>, sometimes 2,000 characters of it.</summary>
    public static readonly Gen<string> TextOrHuge = Gen.Frequency(
        (9, Text),
        (1, Text.Select(t => t.Length == 0 ? new string('x', 2000) : string.Concat(Enumerable.Repeat(t, 2000 / t.Length + 1))[..2000])));

    /// <summary>Nullable text.</summary>
    public static readonly Gen<string?> MaybeText = Gen.Frequency((1, Gen.Const(() => (string?)null)), (6, TextOrHuge.Select(t => (string?)t)));
}
