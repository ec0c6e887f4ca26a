using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Usernames;

public sealed class UsernameSanitizerTests
{
    private static readonly UsernameRules Default = UsernameRules.Default;

    [Theory]
    [InlineData("Ana.Lima", "ana.lima")]
    [InlineData("João.Müller", "joao.muller")]
    [InlineData("Zoë  Ægir-Straße", "zoe.aegir-strasse")]
    [InlineData("Łukasz Żółć", "lukasz.zolc")]
    [InlineData("o'brien+tag", "o.brien.tag")]
    [InlineData("..ana..lima..", "ana.lima")]
    [InlineData("   ", "")]
    [InlineData("李", "")]
    public void Makes_values_valid_for_ascii_rules(string input, string expected) =>
        UsernameSanitizer.Sanitize(input, Default).Should().Be(expected);

    [Fact]
    public void Keeps_allowed_punctuation_and_spaces_when_the_cms_allows_them()
    {
        var rules = new UsernameRules { AllowedPunctuation = " ._-@+'", Lowercase = false, AsciiOnly = false };

        UsernameSanitizer.Sanitize("José O'Brien+x@y", rules).Should().Be("José O'Brien+x@y");
    }

    [Fact]
    public void Cuts_to_the_maximum_length_leaving_room_for_a_suffix()
    {
        var rules = Default with { MaxLength = 10 };

        UsernameSanitizer.Sanitize("abcdefghijklmnop", rules, reserveForSuffix: 3).Should().Be("abcdefg");
        UsernameSanitizer.WithSuffix("abcdefghij", 12, rules).Should().Be("abcdefgh12");
    }

    [Fact]
    public void Too_short_results_are_rejected_as_empty() =>
        UsernameSanitizer.Sanitize("a", Default with { MinLength = 4 }).Should().BeEmpty();

    [Fact]
    public void Random_input_always_yields_a_valid_username_or_nothing()
    {
        var random = new Random(20261125);
        var rules = Default with { MaxLength = 20, MinLength = 2 };
        for (var i = 0; i < 2000; i++)
        {
            var chars = Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(1, 0x3000)).ToArray();
            var result = UsernameSanitizer.Sanitize(new string(chars), rules, reserveForSuffix: 3);

            if (result.Length > 0)
            {
                result.Length.Should().BeInRange(2, 17);
                result.Should().MatchRegex("^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$");
                result.Should().NotContainAny("..", "--", "__", ".-", "-.");
                UsernameSanitizer.WithSuffix(result, 123, rules).Length.Should().BeLessThanOrEqualTo(20);
            }
        }
    }
}
