using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>Registers and maps the provisioning webhook.</summary>
public static class CmsUserWebhookExtensions
{
    /// <summary>Adds the webhook's services and options (<c>CmsUser:Webhook</c>, validated at start).</summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddWebhook(this ICmsUserBuilder builder, Action<WebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<WebhookOptions>();
        if (builder.Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection(WebhookOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsAnnotationsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ReplayGuard>();
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
