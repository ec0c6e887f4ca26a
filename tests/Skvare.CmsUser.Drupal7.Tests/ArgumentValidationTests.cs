using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    public ArgumentValidationTests()
    {
        var host = Own(new Drupal7TestHost());
        Use(host.Provider, () => host.Server.Requests.Count);
    }

    [Fact]
    public void AddDrupal7_requires_a_builder()
    {
        var act = () => Drupal7CmsUserBuilderExtensions.AddDrupal7(null!);
        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Constructor_requires_its_dependencies()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new Drupal7Options());
        var act = () => new Drupal7AccountProvider(null!, options);
        act.Should().Throw<ArgumentNullException>();
    }
}
