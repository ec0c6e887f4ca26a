using CsCheck;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// For any text, the username pipeline never throws, gives the same answer twice, and its answer is valid for
/// every CMS's rules (or empty, and then the fallback is valid).
/// </summary>
public sealed class UsernameProperties
{
    /// <summary>The rule sets of the shipped providers (kept in step with each provider's <c>Rules</c>), plus a Unicode one.</summary>
    public static readonly (string Name, UsernameRules Rules)[] RuleSets =
    [
        ("default", UsernameRules.Default),
        ("wordpress", new UsernameRules { MinLength = 1, MaxLength = 60, AllowedPunctuation = "._-@", Lowercase = true, AsciiOnly = true }),
        ("wordpress-multisite", new UsernameRules { MinLength = 4, MaxLength = 60, AllowedPunctuation = string.Empty, Lowercase = true, AsciiOnly = true }),
        ("drupal", new UsernameRules { MinLength = 1, MaxLength = 60, AllowedPunctuation = "._@+-", Lowercase = true, AsciiOnly = true }),
        ("drupal7", new UsernameRules { MinLength = 1, MaxLength = 60, AllowedPunctuation = "._@-", Lowercase = true, AsciiOnly = true }),
        ("backdrop", new UsernameRules { MinLength = 1, MaxLength = 60, AllowedPunctuation = "._+-", Lowercase = true, AsciiOnly = true }),
        ("joomla", new UsernameRules { MinLength = 2, MaxLength = 150, AllowedPunctuation = "._-@+", Lowercase = true, AsciiOnly = true }),
        ("standalone", new UsernameRules { MinLength = 2, MaxLength = 60, AllowedPunctuation = "._-@+", Lowercase = true, AsciiOnly = true }),
        ("unicode-with-spaces", new UsernameRules { MinLength = 3, MaxLength = 12, AllowedPunctuation = " ._-@+'", Lowercase = false, AsciiOnly = false }),
    ];

    private static readonly Gen<(string Text, int Rules, int Reserve)> Input =
        Gen.Select(HostileText.TextOrHuge, Gen.Int[0, RuleSets.Length - 1], Gen.Int[0, 4]);

    [Fact]
    public void Sanitize_never_throws_is_deterministic_and_valid_or_empty() =>
        Input.Sample(input =>
        {
            var rules = RuleSets[input.Rules].Rules;
            var first = UsernameSanitizer.Sanitize(input.Text, rules, input.Reserve);
            var second = UsernameSanitizer.Sanitize(new string(input.Text.AsSpan()), rules, input.Reserve);

            second.Should().Be(first);
            if (first.Length > 0)
            {
                UsernameSanitizer.IsValid(first, rules).Should().BeTrue($"'{first}' must be valid for {RuleSets[input.Rules].Name}");
                first.Length.Should().BeLessThanOrEqualTo(Math.Max(1, rules.MaxLength - input.Reserve));
            }
        }, iter: 3000);

    [Fact]
    public void A_sanitized_username_is_its_own_sanitization() =>
        Input.Sample(input =>
        {
            var rules = RuleSets[input.Rules].Rules;
            var once = UsernameSanitizer.Sanitize(input.Text, rules);
            UsernameSanitizer.Sanitize(once, rules).Should().Be(once);
        }, iter: 2000);

    [Fact]
    public void Numbered_variants_stay_valid() =>
        Gen.Select(HostileText.TextOrHuge, Gen.Int[0, RuleSets.Length - 1], Gen.Int[2, 100_000]).Sample(input =>
        {
            var rules = RuleSets[input.Item2].Rules;
            var name = UsernameSanitizer.Sanitize(input.Item1, rules, reserveForSuffix: 4);
            if (name.Length > 0)
            {
                var numbered = UsernameSanitizer.WithSuffix(name, input.Item3, rules);
                UsernameSanitizer.IsValid(numbered, rules).Should().BeTrue($"'{numbered}' must be valid for {RuleSets[input.Item2].Name}");
            }
        }, iter: 2000);

    [Fact]
    public void The_template_renders_any_contact_without_throwing_and_the_engine_gets_a_valid_username()
    {
        var template = UsernameTemplate.Parse("{contact.first_name}.{contact.last_name}");
        var fallback = UsernameTemplate.Parse("{contact.email}");
        Gen.Select(HostileText.MaybeText, HostileText.MaybeText, HostileText.MaybeText, Gen.Long[1, long.MaxValue], Gen.Int[0, RuleSets.Length - 1]).Sample(input =>
        {
            var contact = new Contact { Id = input.Item4, FirstName = input.Item1, LastName = input.Item2, Email = input.Item3 };
            var rules = RuleSets[input.Item5].Rules;

            var rendered = template.HasAllValues(contact) ? template.Render(contact) : fallback.Render(contact);
            var name = UsernameSanitizer.Sanitize(rendered, rules);
            if (name.Length == 0)
            {
                name = UsernameSanitizer.Sanitize("user" + contact.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), rules);
            }

            UsernameSanitizer.IsValid(name, rules).Should().BeTrue($"'{name}' must be valid for {RuleSets[input.Item5].Name}");
        }, iter: 2000);
    }

    [Theory]
    [InlineData("😀 Ana", "ana")]
    [InlineData("Ana👨‍👩‍👧‍👦Lima", "ana.lima")]
    [InlineData("\uD800Ana\uDC00", "ana")]
    [InlineData("A\u0000n\u200Ba", "ana")]
    [InlineData("🇧🇪", "")]
    [InlineData("Ａｎａ①", "ana1")]
    [InlineData("Zoe\u0308", "zoe")]
    public void Named_classes_give_the_expected_username(string input, string expected) =>
        UsernameSanitizer.Sanitize(input, UsernameRules.Default).Should().Be(expected);

    [Fact]
    public void A_2000_character_name_is_cut_to_the_maximum()
    {
        var name = string.Concat(Enumerable.Repeat("Ana😀", 400));

        var result = UsernameSanitizer.Sanitize(name, UsernameRules.Default);

        result.Length.Should().BeLessThanOrEqualTo(60);
        UsernameSanitizer.IsValid(result, UsernameRules.Default).Should().BeTrue();
    }

    [Fact]
    public void IsValid_rejects_what_no_cms_accepts()
    {
        UsernameSanitizer.IsValid("", UsernameRules.Default).Should().BeFalse();
        UsernameSanitizer.IsValid(".ana", UsernameRules.Default).Should().BeFalse();
        UsernameSanitizer.IsValid("ana.", UsernameRules.Default).Should().BeFalse();
        UsernameSanitizer.IsValid("Ana", UsernameRules.Default).Should().BeFalse();
        UsernameSanitizer.IsValid("a\uD800a", UsernameRules.Default).Should().BeFalse();
        UsernameSanitizer.IsValid("a😀a", UsernameRules.Default).Should().BeFalse();
        UsernameSanitizer.IsValid("ana.lima", UsernameRules.Default).Should().BeTrue();
    }
}
