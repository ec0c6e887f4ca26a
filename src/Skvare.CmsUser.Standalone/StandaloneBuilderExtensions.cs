using Microsoft.Extensions.Configuration;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Standalone;

namespace Skvare.CmsUser;

/// <summary>Registers the CiviCRM Standalone provider.</summary>
public static class StandaloneBuilderExtensions
{
    /// <summary>
    /// Uses CiviCRM Standalone users as the CMS accounts. Options come from <c>CmsUser:Standalone</c>
    /// (when the builder was created from configuration) and from <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddStandalone(this ICmsUserBuilder builder, Action<StandaloneOptions>? configure = null)
    {
        if (builder.TryAddPackage<StandaloneOptions, StandaloneOptionsValidator, StandaloneOptionsAnnotationsValidator>(StandaloneOptions.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            builder.Services.AddPackageHttpClient<StandaloneOptions>(StandaloneAccountProvider.HttpClientName, o => o.Http);
            builder.Services.AddProvider<StandaloneAccountProvider>();
        }

        return builder;
    }
}
