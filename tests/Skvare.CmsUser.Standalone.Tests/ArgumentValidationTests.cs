using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    private readonly FakeStandaloneServer _site = new();
    private readonly ServiceProvider _services;

    public ArgumentValidationTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddStandalone(o =>
        {
            o.BaseUrl = _site.Url;
            o.ApiKey = _site.ApiKey;
        });
        _services = services.BuildServiceProvider();
    }

    protected override ICmsAccountProvider Provider => _services.GetRequiredService<ICmsAccountProvider>();

    protected override int RequestsSent => _site.Requests.Count;

    public override void Dispose()
    {
        _services.Dispose();
        _site.Dispose();
    }
}
