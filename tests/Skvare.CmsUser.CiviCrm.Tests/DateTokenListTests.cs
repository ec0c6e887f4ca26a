using Core = Skvare.CmsUser.Usernames;
using Package = Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The date tokens are listed twice: in the core (<see cref="Core.DateTokens"/>: what a pattern may say) and in this package
/// (<see cref="Package.DateTokens"/>: what it prints). These fail as soon as the two drift apart: a date the core accepts
/// that the package would not print as a date (or the other way round), a named format the core accepts that the
/// package would print as a pattern of its letters.
/// </summary>
public sealed class DateTokenListTests
{
    [Fact]
    public void Both_packages_list_the_same_date_fields() =>
        Package.DateTokens.TokenFields.Should().BeEquivalentTo(Core.DateTokens.Fields);

    [Fact]
    public void Both_packages_list_the_same_named_formats() =>
        Package.DateTokens.NamedFormats.Should().BeEquivalentTo(Core.DateTokens.NamedFormats);

    [Fact]
    public void Every_key_the_core_makes_for_a_date_is_a_date_the_package_reads_and_prints_with_the_site_setting_it_names()
    {
        var site = new Package.DateTokens.SiteDateFormats(
            Package.DateTokens.NamedFormats.ToDictionary(n => n, n => $"<{n}>", StringComparer.Ordinal), "en_US");
        var date = new Package.CiviDate(2000, 2, 29, 13, 5, 9);
        foreach (var field in Core.DateTokens.Fields)
        {
            Package.DateTokens.PathOf(Core.DateTokens.Key("p", field, null)).Should().Be(field);
            Package.DateTokens.PathOf(Core.DateTokens.Key("p", field, "crmDate")).Should().Be(field);
            Package.DateTokens.PathOf(Core.DateTokens.Key("p", field, "crmDate:\"%Y\"")).Should().Be(field);
            foreach (var name in Core.DateTokens.NamedFormats)
            {
                var key = Core.DateTokens.Key("p", field, $"crmDate:\"{name}\"");
                Package.DateTokens.PathOf(key).Should().Be(field);
                Package.DateTokens.NeedSettings([key]).Should().BeTrue("{0} is read from the site's settings", name);
                Package.DateTokens.Print(date, key, site).Should().Be($"<{name}>", "crmDate:\"{0}\" prints the site's dateformat{0}", name);
            }
        }
    }
}
