using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    public ArgumentValidationTests()
    {
        var site = Own(new FakeStandaloneServer());
        Use(Wire(b => b.AddCiviCrm(o => { o.BaseUrl = site.Url; o.ApiKey = site.ApiKey; }).AddStandalone()), () => site.Requests.Count);
    }
}
