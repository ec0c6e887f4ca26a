using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the Backdrop CMS provider.</summary>
public static class BackdropCmsUserBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="BackdropAccountProvider"/> as the <see cref="ICmsAccountProvider"/>, with options bound
    /// from <c>CmsUser:Backdrop</c> (when the builder has configuration) and then from
    /// <paramref name="configure"/>; validated at start. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Further configuration from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddBackdrop(this ICmsUserBuilder builder, Action<BackdropOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<BackdropOptions>();
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection(BackdropOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(BackdropAccountProvider)))
        {
            // The client and its pipeline are registered once; a second pipeline would double the retries.
            return builder;
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackdropOptions>, BackdropOptionsValidator>());
        services.AddHttpClient(BackdropAccountProvider.HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseCookies = false,
                AllowAutoRedirect = false, // a redirect would drop or leak the Authorization header
            })
            // The factory's default request logging exposes raw header values (the bearer secret) in its
            // structured state even when redaction is configured; the provider logs each answer itself.
            .RemoveAllLoggers()
            .AddCmsUserResilience(sp => sp.GetRequiredService<IOptions<BackdropOptions>>().Value.Http);
        services.TryAddSingleton<BackdropAccountProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<BackdropAccountProvider>());
        return builder;
    }
}
