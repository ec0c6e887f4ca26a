using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers and maps the provisioning webhook.</summary>
public static class CmsUserWebhookExtensions
{
    /// <summary>
    /// Adds the webhook's services and options (<c>CmsUser:Webhook</c>, validated at start). An
    /// <see cref="IWebhookReplayStore"/> registered before this call replaces the built-in replay stores.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddWebhook(this ICmsUserBuilder builder, Action<WebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.AddPackageOptions<WebhookOptions, WebhookOptionsAnnotationsValidator>(WebhookOptions.SectionName, configure, static (section, options) => section.Bind(options));
        if (!services.Any(d => d.ServiceType == typeof(WebhookOptionsValidator)))
        {
            services.AddSingleton<WebhookOptionsValidator>();
            services.AddSingleton<IValidateOptions<WebhookOptions>>(sp => sp.GetRequiredService<WebhookOptionsValidator>());
        }

        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ServiceType == typeof(IWebhookReplayStore)))
        {
            services.AddSingleton<ReplayStoreMarker>();
            services.AddSingleton<MemoryReplayStore>();
            services.AddSingleton<IWebhookReplayStore>(sp => sp.GetRequiredService<IOptions<WebhookOptions>>().Value.ReplayStore switch
            {
                WebhookReplayStore.HybridCache => new HybridCacheReplayStore(sp.GetRequiredService<HybridCache>()),
                WebhookReplayStore.DistributedCache => new DistributedCacheReplayStore(sp.GetRequiredService<IDistributedCache>()),
                _ => sp.GetRequiredService<MemoryReplayStore>(),
            });
        }

        return builder;
    }

    /// <summary>Maps <c>POST {pattern}</c> to the provisioning webhook.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route; default <c>/cmsuser/webhook</c>.</param>
    /// <returns>The endpoint convention builder, e.g. to add rate limiting or host filtering.</returns>
    public static IEndpointConventionBuilder MapCmsUserWebhook(this IEndpointRouteBuilder endpoints, string pattern = "/cmsuser/webhook")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        return endpoints.MapPost(pattern, WebhookEndpoint.HandleAsync).WithDisplayName("Skvare.CmsUser webhook");
    }

    /// <summary>
    /// Maps <c>POST {pattern}</c>, whose <c>{site}</c> route parameter names one of the sites of
    /// <c>AddCmsUserSites</c> (<c>CmsUser:Sites:{site}</c>), to that site's webhook: the site's own
    /// <c>Webhook</c> section (its secret), replay store, rules and provisioner. Each site that receives webhooks
    /// calls <c>AddWebhook()</c> in <c>configureSite</c>. A name that is not such a site gets 404 <c>unknown_site</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route, with a <c>{site}</c> parameter; default <c>/cmsuser/sites/{site}/webhook</c>.</param>
    /// <returns>The endpoint convention builder, e.g. to add rate limiting or host filtering.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> has no <c>{site}</c> parameter.</exception>
    /// <exception cref="InvalidOperationException">The application did not call <c>AddCmsUserSites</c>.</exception>
    public static IEndpointConventionBuilder MapCmsUserSiteWebhooks(this IEndpointRouteBuilder endpoints, string pattern = "/cmsuser/sites/{site}/webhook")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (!RoutePatternFactory.Parse(pattern).Parameters.Any(p => string.Equals(p.Name, WebhookEndpoint.SiteParameter, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"The route '{pattern}' has no {{{WebhookEndpoint.SiteParameter}}} parameter to name the site.", nameof(pattern));
        }

        if (endpoints.ServiceProvider.GetService<ICmsUserSites>() is null)
        {
            throw new InvalidOperationException("MapCmsUserSiteWebhooks needs the sites of services.AddCmsUserSites(…), each calling AddWebhook() in configureSite; a single-site host maps MapCmsUserWebhook.");
        }

        return endpoints.MapPost(pattern, WebhookEndpoint.HandleSiteAsync).WithDisplayName("Skvare.CmsUser site webhook");
    }
}
