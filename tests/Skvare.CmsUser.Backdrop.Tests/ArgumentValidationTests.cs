using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    private readonly BackdropTestHost _host = new();

    protected override ICmsAccountProvider Provider => _host.Provider;

    protected override int RequestsSent => _host.Server.Requests.Count;

    public override void Dispose() => _host.Dispose();

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
