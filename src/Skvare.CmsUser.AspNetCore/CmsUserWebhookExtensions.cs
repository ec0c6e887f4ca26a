using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.AspNetCore;

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
}
