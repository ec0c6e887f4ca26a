using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.Samples.Console;

/// <summary>Wires the real CiviCRM and CMS packages from configuration (section <c>CmsUser</c>).</summary>
internal static class RealBackends
{
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.AddCmsUserProvisioning(configuration.GetSection(CmsUserOptions.SectionName));
        throw new InvalidOperationException("The CiviCRM and CMS packages are not wired yet; use the demo command.");
    }
}
