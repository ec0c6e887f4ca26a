using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

public sealed class ArgumentValidationTests : ProviderArgumentContract
{
    public ArgumentValidationTests()
    {
        var site = Own(new FakeJoomlaServer());
        Use(Wire(b => b.AddJoomla(o => { o.BaseUrl = site.BaseUrl; o.ApiToken = site.Token; })), () => site.Requests.Count);
    }
}
