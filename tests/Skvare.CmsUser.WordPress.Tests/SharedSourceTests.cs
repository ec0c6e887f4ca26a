using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>src/Shared is compiled per concern: a package holds the shared types it opted into and no others.</summary>
public sealed class SharedSourceTests
{
    [Theory]
    [InlineData("HttpChannel", true)]
    [InlineData("CmsAnswerClassifier", true)]
    [InlineData("ProviderArguments", true)]
    [InlineData("PackageRegistration", true)]
    [InlineData("DrupalFamilyLanguage", false)]
    [InlineData("DrupalFieldNames", false)]
    public void WordPress_compiles_the_transport_and_provider_concerns_but_not_the_Drupal_family(string type, bool expected) =>
        Has(typeof(WordPressAccountProvider), type).Should().Be(expected);

    [Theory]
    [InlineData("HttpChannel", true)]
    [InlineData("PackageRegistration", true)]
    [InlineData("CmsAnswerClassifier", false)]
    [InlineData("ProviderArguments", false)]
    [InlineData("ProviderRegistration", false)]
    [InlineData("DrupalFamilyLanguage", false)]
    public void CiviCrm_compiles_the_transport_but_nothing_made_for_CMS_providers(string type, bool expected) =>
        Has(typeof(CiviCrmOptions), type).Should().Be(expected);

    private static bool Has(Type anchor, string name) => anchor.Assembly.GetType("Skvare.CmsUser.Shared." + name) is not null;
}
