using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    public ArgumentValidationTests()
    {
        var server = Own(new FakeWordPressServer());
        Use(Own(WordPressTestHost.For(server, companion: true)).Provider, () => server.Requests.Count);
    }
}
