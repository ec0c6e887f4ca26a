using System.Text;
using CsCheck;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// The built-in Latin folding table (which needs no ICU) gives the usernames the platform's Unicode normalisation
/// gives on this ICU-enabled host, so a process with invariant globalization makes the same usernames.
/// </summary>
public sealed class LatinFoldingProperties
{
    /// <summary>Latin-1 Supplement to Latin Extended-B, Latin Extended Additional and the full-width forms.</summary>
    private static readonly Gen<char> LatinLetter = Gen.OneOf(Gen.Char['\u00C0', '\u024F'], Gen.Char['\u1E00', '\u1EFF'], Gen.Char['\uFF01', '\uFF5E']);

    private static readonly Gen<string> LatinText = Gen.Frequency(
            (5, LatinLetter.Select(c => c.ToString())),
            (3, Gen.Char.AlphaNumeric.Select(c => c.ToString())),
            (1, Gen.OneOf(Gen.Const(" "), Gen.Const("."), Gen.Const("-"), Gen.Const("'"), Gen.Const("\u0301"))))
        .Array[0, 30].Select(parts => string.Concat(parts));

    [Fact]
    public void The_host_has_ICU_so_the_comparison_means_something() =>
        "é".Normalize(NormalizationForm.FormD).Should().HaveLength(2, "these tests compare the table with ICU's normalisation");

    [Fact]
    public void Every_Latin_letter_folds_as_normalisation_does()
    {
        The_host_has_ICU_so_the_comparison_means_something();
        foreach (var (first, last) in new[] { ('\u00A0', '\u024F'), ('\u1E00', '\u1EFF'), ('\uFF01', '\uFF5E') })
        {
            foreach (var rules in UsernameProperties.RuleSets.Select(r => r.Rules))
            {
                for (var c = first; c <= last; c++)
                {
                    var text = "a" + c + "b";
                    UsernameSanitizer.Sanitize(text, rules, 0, builtInFolding: true).Should()
                        .Be(UsernameSanitizer.Sanitize(text, rules, 0, builtInFolding: false), $"U+{(int)c:X4} {c}");
                }
            }
        }
    }

    [Fact]
    public void Latin_text_gives_the_same_username_with_the_table_as_with_normalisation()
    {
        The_host_has_ICU_so_the_comparison_means_something();
        Gen.Select(LatinText, Gen.Int[0, UsernameProperties.RuleSets.Length - 1], Gen.Int[0, 4]).Sample(input =>
        {
            var rules = UsernameProperties.RuleSets[input.Item2].Rules;
            UsernameSanitizer.Sanitize(input.Item1, rules, input.Item3, builtInFolding: true).Should()
                .Be(UsernameSanitizer.Sanitize(input.Item1, rules, input.Item3, builtInFolding: false));
        });
    }

    [Theory]
    [InlineData("João Müller", "joao.muller")]
    [InlineData("Łukasz Żółć", "lukasz.zolc")]
    [InlineData("Straße", "strasse")]
    [InlineData("Ǣsa Ĳssel ǅenan", "aesa.ijssel.dzenan")]
    [InlineData("Ｊｏｓé", "jose")]
    [InlineData("Đorđe Þór Œuvre", "dorde.thor.oeuvre")]
    public void The_table_alone_folds_the_common_names(string input, string expected)
    {
        // Without the platform's normalisation (as with invariant globalization), only the table folds the letters.
        var withoutPlatform = Fold(input);

        UsernameSanitizer.Sanitize(withoutPlatform, UsernameRules.Default).Should().Be(expected);
        UsernameSanitizer.Sanitize(input, UsernameRules.Default).Should().Be(expected);
    }

    /// <summary>The table applied to each character, the others kept: what an invariant process has to work with.</summary>
    private static string Fold(string value) => string.Concat(value.Select(c => c < 0x80 ? c.ToString() : LatinFolding.Fold(c) ?? c.ToString()));
}
