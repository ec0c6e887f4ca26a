using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;
using Skvare.CmsUser.CiviCrm.Links;
using Skvare.CmsUser.CiviCrm.Triggers;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the CiviCRM side of Skvare.CmsUser.</summary>
public static class CiviCrmCmsUserBuilderExtensions
{
    /// <summary>
    /// Uses CiviCRM API v4 for triggers, contacts, activities and links. Options come from
    /// <c>CmsUser:CiviCrm</c> (when the builder was created from configuration) and from
    /// <paramref name="configure"/>, and are validated at start.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddCiviCrm(this ICmsUserBuilder builder, Action<CiviCrmOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (builder.TryAddPackage<CiviCrmOptions, CiviCrmOptionsValidator, CiviCrmOptionsAnnotationsValidator>(CiviCrmOptions.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            services.AddPackageHttpClient<CiviCrmOptions>(CiviCrmApiClient.HttpClientName, o => o.Http);
        }

        services.TryAddSingleton(sp => new CiviCrmApiClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(CiviCrmApiClient.HttpClientName),
            sp.GetRequiredService<IOptions<CiviCrmOptions>>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<CiviCrmApiClient>>()));
        services.CheckSecretsAtStart<CiviCrmApiClient>();
        services.TryAddSingleton<CiviCrmTriggerSourceFactory>();
        services.TryAddSingleton<ITriggerSourceFactory>(sp => sp.GetRequiredService<CiviCrmTriggerSourceFactory>());
        services.TryAddSingleton<IContactDirectory>(sp => sp.GetRequiredService<CiviCrmTriggerSourceFactory>());
        services.TryAddSingleton<IActivityRecorder, CiviCrmActivityRecorder>();
        services.TryAddSingleton<IAccountLinkStore, CiviCrmLinkStore>();

        // The on-demand read in one request stands for CiviCRM's trigger sources, directory and recorder together: when
        // another store replaced one of them (the in-memory kit, a custom recorder), none is registered and the engine
        // composes those instead.
        services.TryAddSingleton<IProvisioningContactReader>(static sp =>
            sp.GetRequiredService<ITriggerSourceFactory>() is CiviCrmTriggerSourceFactory civicrm
            && ReferenceEquals(sp.GetRequiredService<IContactDirectory>(), civicrm)
            && sp.GetRequiredService<IActivityRecorder>() is CiviCrmActivityRecorder
                ? civicrm
                : null!);

        // The page write-back in two requests, used only while links and activities are CiviCRM's own: a replaced link
        // store or recorder (a decorator, a test double) keeps receiving every call.
        services.TryAddSingleton<IPageWriteBackStore>(sp =>
            sp.GetService<IAccountLinkStore>() is CiviCrmLinkStore && sp.GetService<IActivityRecorder>() is CiviCrmActivityRecorder
                ? new CiviCrmPageWriteBack(sp.GetRequiredService<CiviCrmApiClient>(), sp.GetService<ILogger<CiviCrmPageWriteBack>>())
                : null!);
        services.TryAddSingleton<CiviCrmConnectivityCheck>();
        return builder;
    }
}
