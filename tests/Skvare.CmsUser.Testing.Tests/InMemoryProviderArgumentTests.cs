using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Testing.Tests;

/// <summary>The in-memory provider keeps the same argument contract as the HTTP ones, so engine tests stay honest.</summary>
public sealed class InMemoryProviderArgumentTests : ProviderArgumentContract
{
    private readonly InMemoryCmsAccountProvider _provider = new();

    protected override ICmsAccountProvider Provider => _provider;

    protected override int RequestsSent => _provider.Calls.Values.Sum();

    public override void Dispose()
    {
    }
}
