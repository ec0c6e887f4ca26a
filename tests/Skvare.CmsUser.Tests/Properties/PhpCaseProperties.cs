using System.Text;
using CsCheck;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// PHP 8.2's case mapping (<see cref="PhpCase"/>) over any text, lone surrogates included: what PHP 8.2.36 itself shows
/// for every code point (each mapping applied twice changes nothing more; a code point becomes one to three, never fewer
/// UTF-16 units), and plain ASCII as .NET's invariant culture maps it. One exception, PHP's own: U+0345 (combining
/// ypogegrammeni) at a word's start is title-cased to U+0399 but, being case-ignorable, leaves the next letter at the
/// word's start too, so <c>"\u0345dx"</c> becomes <c>"ΙDx"</c> and then <c>"Ιdx"</c> (PHP 8.2.36 over every code point
/// before "dx", at a word's start and after a letter: the only text where a mapping applied twice changes again).
/// </summary>
public sealed class PhpCaseProperties
{
    private static readonly Func<string, string>[] Mappings = [PhpCase.Upper, PhpCase.Lower, PhpCase.Title];

    [Fact]
    public void Each_mapping_never_throws_is_idempotent_and_never_shortens_the_text() =>
        Gen.Select(HostileText.Text, Gen.Int[0, 2]).Sample(input =>
        {
            var (text, which) = input;
            var once = Mappings[which](text);
            if (which != 2 || !text.Contains('\u0345', StringComparison.Ordinal))
            {
                // Title case alone is not idempotent in PHP for U+0345 at a word's start (see the case below).
                Mappings[which](once).Should().Be(once, "PHP 8.2's mappings are idempotent");
            }

            once.Length.Should().BeGreaterThanOrEqualTo(text.Length).And.BeLessThanOrEqualTo(text.Length * 3);
            LoneSurrogates(once).Should().Equal(LoneSurrogates(text), "a lone surrogate is kept as it is, in order");
        }, iter: 3000);

    [Fact]
    public void Lower_casing_a_title_cased_text_gives_the_lower_cased_text_for_ASCII_and_ASCII_maps_like_the_invariant_culture() =>
        Gen.String[Gen.Char[' ', '~'], 0, 40].Sample(text =>
        {
            PhpCase.Upper(text).Should().Be(text.ToUpperInvariant());
            PhpCase.Lower(text).Should().Be(text.ToLowerInvariant());
            PhpCase.Lower(PhpCase.Title(text)).Should().Be(text.ToLowerInvariant());
        }, iter: 2000);

    [Fact]
    public void A_word_starts_after_a_digit_or_a_space_but_not_after_an_apostrophe_a_dot_or_a_colon() =>
        Gen.Select(Gen.OneOf("1", "9", " ", "-", "_", "/", "花", "\u2460"), Gen.OneOf("'", ".", ":", "\u00B7", "\u00AD", "\u0301", "\u2019")).Sample(input =>
        {
            var (starts, keeps) = input;
            PhpCase.Title("ab" + starts + "cd").Should().Be("Ab" + starts + "Cd");
            PhpCase.Title("ab" + keeps + "cd").Should().Be("Ab" + keeps + "cd");
            PhpCase.Title(starts + keeps + "cd").Should().Be(starts + keeps + "Cd", "a case-ignorable code point leaves the state a non-letter set");
        });

    [Theory]
    [InlineData("straße", "STRASSE", "straße", "Straße")]
    [InlineData("ß", "SS", "ß", "Ss")]
    [InlineData("ﬁsh", "FISH", "ﬁsh", "Fish")]
    [InlineData("İstanbul ı", "İSTANBUL I", "i\u0307stanbul ı", "İstanbul I")]
    [InlineData("ΣΑΣ σας", "ΣΑΣ ΣΑΣ", "σασ σας", "Σασ Σας")]
    [InlineData("ǆemal", "ǄEMAL", "ǆemal", "ǅemal")]
    [InlineData("ᾳ x\u0345y", "ΑΙ XΙY", "ᾳ x\u0345y", "ᾼ X\u0345y")]
    [InlineData("\u0345dx \u0399dx", "\u0399DX \u0399DX", "\u0345dx \u03B9dx", "\u0399Dx \u0399dx")]
    [InlineData("1:05PM 3rd a.b o'x-y x_y", "1:05PM 3RD A.B O'X-Y X_Y", "1:05pm 3rd a.b o'x-y x_y", "1:05Pm 3Rd A.b O'x-Y X_Y")]
    [InlineData("ʰa ⓐⓑ ⅰⅱ", "ʰA ⒶⒷ ⅠⅡ", "ʰa ⓐⓑ ⅰⅱ", "ʰA Ⓐⓑ Ⅰⅱ")]
    [InlineData("Ᲊᲊ Ꟍꟍ", "Ᲊᲊ Ꟍꟍ", "Ᲊᲊ Ꟍꟍ", "Ᲊᲊ Ꟍꟍ")]
    [InlineData("\uD800ab\uDC00cd", "\uD800AB\uDC00CD", "\uD800ab\uDC00cd", "\uD800Ab\uDC00Cd")]
    public void Maps_as_PHP_8_2_does(string text, string upper, string lower, string title)
    {
        PhpCase.Upper(text).Should().Be(upper);
        PhpCase.Lower(text).Should().Be(lower);
        PhpCase.Title(text).Should().Be(title);
    }

    private static List<char> LoneSurrogates(string text)
    {
        var lone = new List<char>();
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                lone.Add(text[i]);
            }
        }

        return lone;
    }
}
