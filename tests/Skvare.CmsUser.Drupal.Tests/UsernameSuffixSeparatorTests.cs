using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>CmsUser:UsernameSuffixSeparator is checked at start against the Drupal username rules.</summary>
public sealed class UsernameSuffixSeparatorTests
{
    [Fact]
    public void The_package_checks_the_separator_at_start() =>
        UsernameSuffixSeparators.IsChecked(b => b.AddDrupal()).Should().BeTrue();

    [Theory]
    [InlineData("_")]
    [InlineData("-")]
    [InlineData(".")]
    public void A_separator_is_accepted_exactly_when_its_usernames_allow_it(string separator)
    {
        var failures = UsernameSuffixSeparators.SeparatorFailures(b => b.AddDrupal(), ("UsernameSuffixSeparator", separator));

        failures.Should().HaveCount(DrupalAccountProvider.Rules.AllowedPunctuation.Contains(separator, StringComparison.Ordinal) ? 0 : 1);
    }
}
