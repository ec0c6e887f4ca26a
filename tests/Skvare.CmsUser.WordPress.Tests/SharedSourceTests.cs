using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Standalone;
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

    [Theory]
    [InlineData("HttpChannel", true)]
    [InlineData("HeaderCredentials", true)]
    [InlineData("CmsAnswerClassifier", true)]
    [InlineData("ProviderArguments", true)]
    [InlineData("PackageRegistration", true)]
    [InlineData("DrupalFamilyLanguage", true)]
    [InlineData("DrupalFieldNames", true)]
    public void Backdrop_compiles_the_transport_provider_and_Drupal_family_concerns(string type, bool expected) =>
        Has(typeof(BackdropAccountProvider), type).Should().Be(expected);

    [Theory]
    [InlineData("PackageRegistration", true)]
    [InlineData("ProviderArguments", true)]
    [InlineData("ProviderRegistration", true)]
    [InlineData("HttpChannel", false)]
    [InlineData("HttpResilienceSetup", false)]
    [InlineData("TransportFailures", false)]
    [InlineData("CmsAnswerClassifier", false)]
    [InlineData("DrupalFamilyLanguage", false)]
    public void Standalone_compiles_only_registration_and_provider_checks_as_its_HTTP_goes_through_the_CiviCrm_client(string type, bool expected) =>
        Has(typeof(StandaloneAccountProvider), type).Should().Be(expected);

    [Fact]
    public void The_CiviCrm_row_readers_are_an_internal_copy_in_each_package_that_reads_rows_and_public_in_none()
    {
        foreach (var anchor in new[] { typeof(CiviCrmOptions), typeof(StandaloneAccountProvider) })
        {
            foreach (var name in new[] { "Api4Row", "CiviCrmIdentity", "CiviCrmIdentityLookup" })
            {
                var type = anchor.Assembly.GetType("Skvare.CmsUser.CiviCrm.Api." + name);
                type.Should().NotBeNull($"{anchor.Assembly.GetName().Name} compiles {name}");
                type!.IsPublic.Should().BeFalse($"{name} is no public API of {anchor.Assembly.GetName().Name}");
            }
        }

        typeof(WordPressAccountProvider).Assembly.GetType("Skvare.CmsUser.CiviCrm.Api.Api4Row").Should().BeNull();
    }

    private static bool Has(Type anchor, string name) => anchor.Assembly.GetType("Skvare.CmsUser.Shared." + name) is not null;
}
