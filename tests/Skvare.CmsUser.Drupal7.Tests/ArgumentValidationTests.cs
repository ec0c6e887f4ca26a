using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    private readonly Drupal7TestHost _host = new();

    protected override ICmsAccountProvider Provider => _host.Provider;

    protected override int RequestsSent => _host.Server.Requests.Count;

    public override void Dispose() => _host.Dispose();

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
