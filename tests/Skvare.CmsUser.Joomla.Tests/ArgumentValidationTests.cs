using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    private readonly FakeJoomlaServer _site = new();
    private readonly ServiceProvider _services;

    public ArgumentValidationTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.Url;
            o.ApiToken = _site.Token;
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
