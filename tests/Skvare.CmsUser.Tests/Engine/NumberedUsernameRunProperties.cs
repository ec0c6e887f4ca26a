using CsCheck;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Properties;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// Runs over contacts who share a name (generated: names ending in digits, emoji, CJK, RTL, …), some of it already taken on
/// the CMS: every contact gets an account, the usernames are all different, none is longer than the CMS allows, and each is
/// the base name or one of its numbered forms, separated exactly when the base ends in a digit.
/// </summary>
public sealed class NumberedUsernameRunProperties
{
    private const CmsCapabilities Refusing =
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.CreateRefusesDuplicates;

    private static readonly UsernameRules[] Rules =
    [
        .. UsernameProperties.RuleSets.Select(r => r.Rules),
        UsernameRules.Default with { MaxLength = 12, MinLength = 1 },
    ];

    [Fact(Timeout = 120_000)]
    public async Task Contacts_sharing_a_name_get_distinct_valid_numbered_usernames() =>
        await Gen.Select(
                NumberedUsernameProperties.Base,
                Gen.Int[0, Rules.Length - 1],
                Gen.OneOf<string?>(null, "_", "-", "."),
                Gen.Int[2, 5],
                Gen.Int[1, 3],
                Gen.Bool,
                Gen.Bool)
            .SampleAsync(async (name, ruleIndex, separator, count, concurrency, createFirst, baseTaken) =>
            {
                var rules = Rules[ruleIndex];
                var cms = createFirst ? new FakeCmsAccountProvider(Refusing, rules) : new FakeCmsAccountProvider(rules: rules);
                using var h = new EngineHarness(cms)
                {
                    Configure = o => (o.UsernamePattern, o.UsernameSuffixSeparator, o.MaxConcurrency) = ("{contact.first_name}", separator, concurrency),
                };
                var baseName = UsernameSanitizer.Sanitize(name, rules, Math.Min(4, rules.MaxLength / 4));
                if (baseTaken && baseName.Length > 0)
                {
                    cms.AddAccount(baseName, "holder@example.org");
                }

                var contacts = Enumerable.Range(0, count).Select(i => h.Member(name, "Lima", $"c{i}@example.org")).ToArray();

                var summary = await h.Provisioner.RunOnceAsync();

                summary.Failures.Should().BeEmpty();
                var created = cms.Accounts.Where(a => a.Email != "holder@example.org").Select(a => a.Username).ToArray();
                created.Should().HaveCount(count).And.OnlyHaveUniqueItems(u => u.ToUpperInvariant());
                foreach (var username in created)
                {
                    username.Length.Should().BeLessThanOrEqualTo(rules.MaxLength);
                    UsernameSanitizer.IsValid(username, rules).Should().BeTrue($"'{username}' must be valid");
                    if (baseName.Length > 0)
                    {
                        // Numbered forms with this setting only (no other separator, none where the base ends in a letter).
                        var forms = Enumerable.Range(2, count + 1).Select(n => UsernameSanitizer.WithSuffix(baseName, n, rules, separator)).Prepend(baseName);
                        forms.Should().Contain(username, $"'{username}' is '{baseName}' or one of its numbered forms (separator '{separator}')");
                    }
                }
            }, iter: 60, threads: 1);
}
