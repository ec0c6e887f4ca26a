using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    public ArgumentValidationTests()
    {
        var host = Own(new BackdropTestHost());
        Use(host.Provider, () => host.Server.Requests.Count);
    }

    [Fact]
    public void AddBackdrop_requires_a_builder()
    {
        var act = () => BackdropCmsUserBuilderExtensions.AddBackdrop(null!);
        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Constructor_requires_its_dependencies()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new BackdropOptions());
        var act = () => new BackdropAccountProvider(null!, options);
        act.Should().Throw<ArgumentNullException>();
    }
}
