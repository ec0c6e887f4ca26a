using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    private readonly FakeWordPressServer _server = new();
    private readonly WordPressTestHost _host;

    public ArgumentValidationTests() => _host = WordPressTestHost.For(_server, companion: true);

    protected override ICmsAccountProvider Provider => _host.Provider;

    protected override int RequestsSent => _server.Requests.Count;

    public override void Dispose()
    {
        _host.Dispose();
        _server.Dispose();
    }
}
