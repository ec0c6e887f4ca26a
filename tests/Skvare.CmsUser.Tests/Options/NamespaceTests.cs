namespace Skvare.CmsUser.Tests.Options;

/// <summary>
/// One namespace rule for the core package: every public type is in <c>Skvare.CmsUser</c> whatever its folder (a host
/// needs one <c>using</c>); internal types live in their folder's namespace, except the Options folder's (a
/// <c>Skvare.CmsUser.Options</c> namespace would hide <c>Microsoft.Extensions.Options.Options</c> in every
/// <c>Skvare.CmsUser.*</c> namespace).
/// </summary>
public sealed class NamespaceTests
{
    [Fact]
    public void Every_public_type_of_the_core_package_is_in_the_root_namespace() =>
        typeof(IUserProvisioner).Assembly.GetExportedTypes().Where(t => t.Namespace != "Skvare.CmsUser")
            .Select(t => t.FullName).Should().BeEmpty();

    [Fact]
    public void No_core_namespace_is_named_Options() =>
        typeof(IUserProvisioner).Assembly.GetTypes().Select(t => t.Namespace).Distinct()
            .Should().NotContain(n => n != null && n.Split('.').Contains("Options"));
}
