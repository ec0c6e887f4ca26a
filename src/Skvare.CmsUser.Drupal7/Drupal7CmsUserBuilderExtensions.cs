using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Drupal7;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the Drupal 7 (Services 3.x) provider.</summary>
public static class Drupal7CmsUserBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="Drupal7AccountProvider"/> as the <see cref="ICmsAccountProvider"/>, with options bound
    /// from <c>CmsUser:Drupal7</c> (when the builder has configuration) and then from
    /// <paramref name="configure"/>; validated at start. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Further configuration from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddDrupal7(this ICmsUserBuilder builder, Action<Drupal7Options>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<Drupal7Options>();
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection(Drupal7Options.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(Drupal7AccountProvider)))
        {
            // The client and its pipeline are registered once; a second pipeline would double the retries.
            return builder;
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Drupal7Options>, Drupal7OptionsValidator>());
        services.AddHttpClient(Drupal7AccountProvider.HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The provider sends the session cookie itself: one session for the provider, not one per handler.
                UseCookies = false,
                AllowAutoRedirect = false,
            })
            .RemoveAllLoggers()
            .AddCmsUserResilience(sp => sp.GetRequiredService<IOptions<Drupal7Options>>().Value.Http);
        services.TryAddSingleton<Drupal7AccountProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<Drupal7AccountProvider>());
        return builder;
    }
}
