using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Testing.Tests;

/// <summary>The in-memory provider keeps the same argument contract as the HTTP ones, so engine tests stay honest.</summary>
public sealed class FakeCmsAccountProviderArgumentTests : ProviderArgumentContract
{
    public FakeCmsAccountProviderArgumentTests()
    {
        var provider = new FakeCmsAccountProvider();
        Use(provider, () => provider.Calls.Values.Sum());
    }
}
