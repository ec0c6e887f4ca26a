using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    public ArgumentValidationTests()
    {
        var host = Own(new DrupalTestHost());
        Use(host.Provider, () => host.Server.Requests.Count);
    }

    [Fact]
    public void AddDrupal_requires_a_builder()
    {
        var act = () => DrupalCmsUserBuilderExtensions.AddDrupal(null!);
        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Constructor_requires_its_dependencies()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new DrupalOptions());
        var act = () => new DrupalAccountProvider(null!, options);
        act.Should().Throw<ArgumentNullException>();
    }
}
