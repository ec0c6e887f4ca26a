using CsCheck;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// Numbered usernames (<see cref="UsernameSanitizer.WithSuffix"/>, <see cref="CmsUserOptions.UsernameSuffixSeparator"/>):
/// for any base the engine makes (names ending in digits, emoji, CJK, RTL text and the rest of <see cref="HostileText"/>)
/// and every CMS's rules, a numbered name is valid, never longer than the CMS allows, one of its own for each number, and
/// has the separator exactly when the base ends in a digit and the CMS allows it.
/// </summary>
public sealed class NumberedUsernameProperties
{
    private static readonly string?[] Separators = [null, "", "_", "-", "."];

    /// <summary>Names people have, and the ones that end in digits (<c>newuser21</c>), in every script.</summary>
    internal static readonly Gen<string> Base = Gen.Frequency(
        (3, HostileText.TextOrHuge),
        (3, Gen.Select(HostileText.Text, Gen.Int[0, 99_999]).Select((text, digits) => text + digits.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Select(Gen.OneOf("newuser", "ana.lima", "李小龍", "محمد", "שלום", "😀ana", "Zoë", "o'brien", "x"), Gen.Int[0, 999]).Select((name, digits) => name + digits.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("李小龍", "محمد", "שלום", "😀", "👨‍👩‍👧‍👦")));

    /// <summary>
    /// The shipped rule sets, and short limits where a number has to cut into the name (8 and more: the largest number,
    /// <see cref="CmsUserOptions.MaxUsernameSuffix"/> 10,000 + 1, and a separator take 6; every CMS allows 60 or more).
    /// </summary>
    private static readonly Gen<UsernameRules> Rules = Gen.Frequency(
        (4, Gen.Int[0, UsernameProperties.RuleSets.Length - 1].Select(i => UsernameProperties.RuleSets[i].Rules)),
        (1, Gen.Int[8, 14].Select(max => UsernameRules.Default with { MaxLength = max, MinLength = 1 })));

    private static readonly Gen<string?> Separator = Gen.Int[0, Separators.Length - 1].Select(i => Separators[i]);

    [Fact]
    public void A_numbered_name_is_valid_within_the_limit_and_separated_only_after_a_digit() =>
        Gen.Select(Base, Rules, Separator, Gen.Int[2, 10_001]).Sample((text, rules, separator, number) =>
        {
            var name = EngineBase(text, rules);
            if (name.Length == 0)
            {
                return;
            }

            var numbered = UsernameSanitizer.WithSuffix(name, number, rules, separator);
            var digits = number.ToString(System.Globalization.CultureInfo.InvariantCulture);

            numbered.Length.Should().BeLessThanOrEqualTo(rules.MaxLength);
            UsernameSanitizer.IsValid(numbered, rules).Should().BeTrue($"'{numbered}' ({name} numbered {number}) must be valid");
            numbered.Should().EndWith(digits);
            var separated = separator is { Length: 1 } s && rules.AllowedPunctuation.Contains(s[0], StringComparison.Ordinal) && char.IsAsciiDigit(name[^1]);
            if (separated)
            {
                numbered.Should().EndWith(separator + digits, $"'{name}' ends in a digit");
            }
            else
            {
                // Without a separator the number follows the (possibly cut) name itself, which ends in a letter or digit.
                var stem = numbered[..^digits.Length];
                UsernameSanitizer.IsValid(stem, rules with { MinLength = 1 }).Should().BeTrue($"'{numbered}' has no separator before its number ('{name}' ends in {name[^1]})");
                name.Should().StartWith(stem);
            }

            RecoveredCreation.Fits(name, numbered, rules).Should().BeTrue("a later run recognises the numbered name as the pattern's");
        }, iter: 5000);

    [Fact]
    public void Every_number_the_engine_tries_gives_a_name_of_its_own() =>
        // The engine keeps room for the number at the end of the name (Rules: limits of 8 and more), so numbers up to
        // MaxUsernameSuffix's default never cut into it.
        Gen.Select(Base, Rules, Separator).Sample((text, rules, separator) =>
        {
            var name = EngineBase(text, rules);
            if (name.Length == 0)
            {
                return;
            }

            // MaxUsernameSuffix's default (50): numbers 2 to 51.
            var names = Enumerable.Range(2, 50).Select(n => UsernameSanitizer.WithSuffix(name, n, rules, separator)).Prepend(name).ToArray();

            names.Should().OnlyHaveUniqueItems(n => n.ToUpperInvariant(), "usernames compare without case");
            names.Should().OnlyContain(n => n.Length <= rules.MaxLength);
        }, iter: 1500);

    [Theory]
    [InlineData("newuser21", null, 2, "newuser212")]
    [InlineData("newuser21", "", 2, "newuser212")]
    [InlineData("newuser21", "_", 2, "newuser21_2")]
    [InlineData("newuser21", "-", 13, "newuser21-13")]
    [InlineData("newuser21", ".", 2, "newuser21.2")]
    [InlineData("ana.lima", "_", 2, "ana.lima2")]
    public void The_separator_goes_between_a_final_digit_and_the_number(string name, string? separator, int number, string expected) =>
        UsernameSanitizer.WithSuffix(name, number, UsernameRules.Default, separator).Should().Be(expected);

    [Fact]
    public void A_separator_the_rules_do_not_allow_is_left_out()
    {
        var multisite = UsernameProperties.RuleSets.Single(r => r.Name == "wordpress-multisite").Rules;

        UsernameSanitizer.WithSuffix("newuser21", 2, multisite, "_").Should().Be("newuser212");
    }

    [Fact]
    public void A_name_cut_for_its_number_keeps_the_separator_and_the_limit()
    {
        var rules = UsernameRules.Default with { MaxLength = 10 };

        UsernameSanitizer.WithSuffix("abcdefgh12", 13, rules, "_").Should().Be("abcdefg_13");
        UsernameSanitizer.WithSuffix("abcdefg.12", 3, rules, "_").Should().Be("abcdefg_3", "a cut that ends in punctuation loses it");
    }

    /// <summary>The base username as the engine makes it with numbering on (room kept for the number).</summary>
    private static string EngineBase(string text, UsernameRules rules) =>
        UsernameSanitizer.Sanitize(text, rules, Math.Min(4, rules.MaxLength / 4));
}
