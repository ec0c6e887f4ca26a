using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// CmsUser:UsernameSuffixSeparator is checked at start against the WordPress username rules: a single site allows
/// <c>_ - .</c>; a multisite network only lowercase letters and digits, so every separator is refused there.
/// </summary>
public sealed class UsernameSuffixSeparatorTests
{
    [Fact]
    public void The_package_checks_the_separator_at_start() =>
        UsernameSuffixSeparators.IsChecked(b => b.AddWordPress()).Should().BeTrue();

    [Theory]
    [InlineData("_")]
    [InlineData("-")]
    [InlineData(".")]
    public void A_single_site_accepts_every_separator(string separator) =>
        UsernameSuffixSeparators.SeparatorFailures(b => b.AddWordPress(), ("UsernameSuffixSeparator", separator)).Should().BeEmpty();

    [Theory]
    [InlineData("_")]
    [InlineData("-")]
    [InlineData(".")]
    public void A_multisite_network_refuses_every_separator_saying_why_and_what_to_do(string separator) =>
        UsernameSuffixSeparators.SeparatorFailures(b => b.AddWordPress(), ("UsernameSuffixSeparator", separator), ("WordPress:Multisite", "true"))
            .Should().ContainSingle().Which.Should().Be(
                $"CmsUser:UsernameSuffixSeparator '{separator}' cannot be used with WordPress multisite (CmsUser:WordPress:Multisite): its usernames allow only "
                + "lowercase letters and digits, so every numbered username of a name that ends in a digit would be refused. Leave UsernameSuffixSeparator "
                + "empty (newuser21 is then numbered newuser212).");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_multisite_network_without_a_separator_is_fine(string? separator) =>
        UsernameSuffixSeparators.SeparatorFailures(b => b.AddWordPress(), ("UsernameSuffixSeparator", separator), ("WordPress:Multisite", "true")).Should().BeEmpty();

    [Fact]
    public void Multisite_set_from_code_is_seen_too() =>
        UsernameSuffixSeparators.SeparatorFailures(b => b.AddWordPress(o => o.Multisite = true), ("UsernameSuffixSeparator", "_")).Should().ContainSingle();

    [Fact]
    public void The_refusal_comes_with_the_other_problems_of_the_wordpress_settings()
    {
        // The WordPress settings are read for the check without their own validation: a missing BaseUrl does not hide it.
        var failures = UsernameSuffixSeparators.Failures(b => b.AddWordPress(), ("UsernameSuffixSeparator", "-"), ("WordPress:Multisite", "true"));

        failures.Should().Contain(f => f.StartsWith("CmsUser:UsernameSuffixSeparator '-' cannot be used with WordPress multisite", StringComparison.Ordinal));
        failures.Should().Contain(f => f.StartsWith("CmsUser:WordPress:BaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_that_is_no_separator_is_told_once_by_the_engine_check() =>
        UsernameSuffixSeparators.SeparatorFailures(b => b.AddWordPress(), ("UsernameSuffixSeparator", "x"), ("WordPress:Multisite", "true"))
            .Should().ContainSingle().Which.Should().StartWith("CmsUser:UsernameSuffixSeparator is 'x'");
}
