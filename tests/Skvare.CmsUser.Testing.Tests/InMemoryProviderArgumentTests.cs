using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Testing.Tests;

/// <summary>The in-memory provider keeps the same argument contract as the HTTP ones, so engine tests stay honest.</summary>
public sealed class InMemoryProviderArgumentTests : ProviderArgumentContract
{
    public InMemoryProviderArgumentTests()
    {
        var provider = new InMemoryCmsAccountProvider();
        Use(provider, () => provider.Calls.Values.Sum());
    }
}
