using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>Checks at start the clock skew's range and that the chosen replay store is registered.</summary>
internal sealed class WebhookOptionsValidator(IServiceProvider services) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxClockSkew < TimeSpan.FromSeconds(5) || options.MaxClockSkew > TimeSpan.FromHours(1))
        {
            return ValidateOptionsResult.Fail($"CmsUser:Webhook:MaxClockSkew '{options.MaxClockSkew}' must be between 5 seconds and 1 hour.");
        }

        if (services.GetService<ReplayStoreMarker>() is null)
        {
            // The application registered its own IWebhookReplayStore; ReplayStore does not apply.
            return ValidateOptionsResult.Success;
        }

        return options.ReplayStore switch
        {
            WebhookReplayStore.HybridCache when services.GetService<HybridCache>() is null =>
                ValidateOptionsResult.Fail("CmsUser:Webhook:ReplayStore is HybridCache, but no HybridCache is registered: call services.AddHybridCache() (and register a shared IDistributedCache, e.g. Redis, as its second level)."),
            WebhookReplayStore.DistributedCache when services.GetService<IDistributedCache>() is null =>
                ValidateOptionsResult.Fail("CmsUser:Webhook:ReplayStore is DistributedCache, but no IDistributedCache is registered: register a shared one (e.g. AddStackExchangeRedisCache)."),
            _ => ValidateOptionsResult.Success,
        };
    }
}

/// <summary>Registered by <c>AddWebhook</c> only when it also registers the built-in replay store.</summary>
internal sealed class ReplayStoreMarker;
