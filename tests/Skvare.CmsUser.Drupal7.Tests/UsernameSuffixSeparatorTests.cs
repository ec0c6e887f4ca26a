using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>CmsUser:UsernameSuffixSeparator is checked at start against the Drupal7 username rules.</summary>
public sealed class UsernameSuffixSeparatorTests
{
    [Fact]
    public void The_package_checks_the_separator_at_start() =>
        UsernameSuffixSeparators.IsChecked(b => b.AddDrupal7()).Should().BeTrue();

    [Theory]
    [InlineData("_")]
    [InlineData("-")]
    [InlineData(".")]
    public void A_separator_is_accepted_exactly_when_its_usernames_allow_it(string separator)
    {
        var failures = UsernameSuffixSeparators.SeparatorFailures(b => b.AddDrupal7(), ("UsernameSuffixSeparator", separator));

        failures.Should().HaveCount(Drupal7AccountProvider.Rules.AllowedPunctuation.Contains(separator, StringComparison.Ordinal) ? 0 : 1);
    }
}
