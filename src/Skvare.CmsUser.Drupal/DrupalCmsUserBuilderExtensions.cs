using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Drupal;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the Drupal 8+ (10/11) provider.</summary>
public static class DrupalCmsUserBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="DrupalAccountProvider"/> as the <see cref="ICmsAccountProvider"/>, with options bound
    /// from <c>CmsUser:Drupal</c> (when the builder has configuration) and then from
    /// <paramref name="configure"/>; validated at start. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Further configuration from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddDrupal(this ICmsUserBuilder builder, Action<DrupalOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<DrupalOptions>();
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection(DrupalOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(DrupalAccountProvider)))
        {
            // The client and its pipeline are registered once; a second pipeline would double the retries.
            return builder;
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DrupalOptions>, DrupalOptionsValidator>());
        services.AddHttpClient(DrupalAccountProvider.HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A session cookie would make Drupal demand X-CSRF-Token; Basic and Bearer need no cookies.
                UseCookies = false,
                AllowAutoRedirect = false, // a redirect would drop or leak the Authorization header
            })
            .RemoveAllLoggers()
            .AddCmsUserResilience(sp => sp.GetRequiredService<IOptions<DrupalOptions>>().Value.Http);
        services.TryAddSingleton<DrupalAccountProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<DrupalAccountProvider>());
        return builder;
    }
}
