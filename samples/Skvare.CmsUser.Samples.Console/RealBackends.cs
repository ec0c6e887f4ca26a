using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.Samples.Console;

/// <summary>
/// Wires the real packages from configuration: <c>CmsUser</c> for the engine, <c>CmsUser:CiviCrm</c> for
/// CiviCRM, and the CMS named by <c>CmsUser:Cms</c> (default WordPress) from its own section.
/// </summary>
internal static class RealBackends
{
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(CmsUserOptions.SectionName);
        var builder = services.AddCmsUserProvisioning(section).AddCiviCrm();
        var cms = section["Cms"] ?? "WordPress";
        switch (cms)
        {
            case "WordPress":
                builder.AddWordPress();
                break;
            case "Drupal":
                builder.AddDrupal();
                break;
            case "Drupal7":
                builder.AddDrupal7();
                break;
            case "Backdrop":
                builder.AddBackdrop();
                break;
            case "Joomla":
                builder.AddJoomla();
                break;
            case "Standalone":
                builder.AddStandalone();
                break;
            default:
                throw new InvalidOperationException($"CmsUser:Cms '{cms}' is not supported by this sample.");
        }
    }
}
