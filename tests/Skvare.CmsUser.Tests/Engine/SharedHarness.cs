using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>A second engine (its own locks, as another process has) over the same CiviCRM and CMS.</summary>
internal static class SharedHarness
{
    public static IUserProvisioner Build(FakeCiviCrm civi, FakeCmsAccountProvider cms)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(EngineHarness.GroupRule("subscriber"));
            o.PageSize = 10;
        }).UseInMemory(civi, cms);
        return services.BuildServiceProvider().GetRequiredService<IUserProvisioner>();
    }
}
