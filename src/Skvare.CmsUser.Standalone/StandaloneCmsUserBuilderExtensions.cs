using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Standalone;

namespace Skvare.CmsUser;

/// <summary>Registers the CiviCRM Standalone provider.</summary>
public static class StandaloneCmsUserBuilderExtensions
{
    /// <summary>
    /// Uses CiviCRM Standalone users as the CMS accounts. The users live in the CiviCRM site itself, so the
    /// provider talks through the CiviCRM API client of <c>AddCiviCrm</c> (<c>CmsUser:CiviCrm</c>: URL, API key,
    /// site key, transport), which this call registers when it is not yet. Standalone's own options come from
    /// <c>CmsUser:Standalone</c> (when the builder was created from configuration) and from <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the Standalone options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddStandalone(this ICmsUserBuilder builder, Action<StandaloneOptions>? configure = null)
    {
        if (builder.TryAddPackage<StandaloneOptions, StandaloneOptionsValidator>(StandaloneOptions.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            builder.AddCiviCrm();
            CmsRequestThrottle.Register(builder.Services);
            builder.Services.TryAddSingleton(sp => new StandaloneAccountProvider(
                sp.GetRequiredService<CiviCrmApiClient>(),
                sp.GetRequiredService<IOptions<StandaloneOptions>>(),
                sp.GetService<ILogger<StandaloneAccountProvider>>(),
                sp.GetService<TimeProvider>(),
                sp.GetRequiredService<CmsRequestThrottle>(),
                () => sp.GetService<IOptions<CiviCrmOptions>>()?.Value is { } civi ? [civi.ApiKey, civi.SiteKey] : []));
            builder.Services.AddSingleton<IValidateOptions<CmsUserOptions>>(new FlatFieldMappingsValidator("CiviCRM Standalone", "a Standalone user has no fields of its own (its data lives on its contact)."));
            UsernameSuffixSeparatorValidator.Register(builder.Services, "CiviCRM Standalone", StandaloneAccountProvider.Rules);
            builder.Services.AddProvider<StandaloneAccountProvider>();
        }

        return builder;
    }
}
