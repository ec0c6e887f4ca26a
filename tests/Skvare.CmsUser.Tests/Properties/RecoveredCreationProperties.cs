using CsCheck;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// Whether an account's username is one the rule's pattern gives the contact (part of what proves an account a stopped run
/// made is the SDK's): the pattern's name and every numbered form the engine makes fit, whatever the name (digits at its
/// end included) and the CMS's length limit; other names do not.
/// </summary>
public sealed class RecoveredCreationProperties
{
    private static readonly Gen<UsernameRules> Rules = Gen.Int[4, 60].Select(max => UsernameRules.Default with { MaxLength = max });

    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcxyz.019_"], 1, 70];

    [Fact]
    public void The_pattern_name_and_its_numbered_forms_fit() =>
        Gen.Select(Name, Gen.Int[2, 1_000_000], Rules).Sample((name, n, rules) =>
        {
            var pattern = UsernameSanitizer.Sanitize(name, rules, Math.Min(4, rules.MaxLength / 4));
            if (pattern.Length == 0)
            {
                return;
            }

            RecoveredCreation.Fits(pattern, pattern, rules).Should().BeTrue();
            RecoveredCreation.Fits(pattern, pattern.ToUpperInvariant(), rules).Should().BeTrue("usernames compare without case");
            RecoveredCreation.Fits(pattern, UsernameSanitizer.WithSuffix(pattern, n, rules), rules).Should().BeTrue();
        });

    [Fact]
    public void Other_names_do_not_fit()
    {
        var rules = UsernameRules.Default;
        RecoveredCreation.Fits("ana.lima", "ana", rules).Should().BeFalse();
        RecoveredCreation.Fits("ana.lima", "ana.lima1", rules).Should().BeFalse("the engine numbers from 2");
        RecoveredCreation.Fits("ana.lima", "ana.lima02", rules).Should().BeFalse();
        RecoveredCreation.Fits("ana.lima", "ana.limax", rules).Should().BeFalse();
        RecoveredCreation.Fits("user42", "user422", rules).Should().BeTrue("user42 numbered 2");
        RecoveredCreation.Fits("user42", "user43", rules).Should().BeFalse();
        Gen.Select(Name, Name).Sample((pattern, other) =>
        {
            var fits = () => RecoveredCreation.Fits(pattern, other, rules);
            fits.Should().NotThrow();
        });
    }
}
