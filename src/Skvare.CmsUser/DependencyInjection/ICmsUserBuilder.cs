using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser;

/// <summary>
/// Returned by <c>AddCmsUserProvisioning</c>; packages hang their own registration methods on it
/// (<c>.AddCiviCrm(...)</c>, <c>.AddWordPress(...)</c>).
/// </summary>
public interface ICmsUserBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// The <c>CmsUser</c> configuration section when the configuration overload was used,
    /// so packages can bind their sub-sections (<c>CmsUser:CiviCrm</c>, <c>CmsUser:WordPress</c>).
    /// </summary>
    IConfiguration? Configuration { get; }
}
