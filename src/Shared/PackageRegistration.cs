using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>The registration every HTTP package makes (shared source, compiled into each package).</summary>
internal static class PackageRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated at start. Returns <see langword="false"/> when the package was
    /// registered before: its options still receive this call's configuration, but the one-time registrations are
    /// skipped (a second HTTP pipeline would double the retries).
    /// </summary>
    public static bool TryAddPackage<TOptions, TValidator>(this ICmsUserBuilder builder, string section, Action<TOptions>? configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<TOptions>();
        if (builder.Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection(section));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return false;
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return true;
    }

    /// <summary>The package's named <see cref="HttpClient"/> with the shared resilience pipeline.</summary>
    public static IHttpClientBuilder AddPackageHttpClient<TOptions>(this IServiceCollection services, string name, Func<TOptions, HttpClientSettings> settings)
        where TOptions : class =>
        services.AddHttpClient(name)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Stateless APIs: a session cookie sent back can change who the server thinks we are (authx
                // refuses it, Drupal then demands a CSRF token); packages that need a session send it themselves.
                UseCookies = false,
                // A redirect would turn a POST into a GET and drop or leak the Authorization header; packages see it as an answer.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddCmsUserResilience(sp => ValidatedOrDefault(sp, settings));

    // The resilience options are validated on start too: reading invalid package options here would throw the
    // package's validation failure a second time. The package's own validation reports it (the host does not start).
    private static HttpClientSettings ValidatedOrDefault<TOptions>(IServiceProvider services, Func<TOptions, HttpClientSettings> settings)
        where TOptions : class
    {
        try
        {
            return settings(services.GetRequiredService<IOptions<TOptions>>().Value);
        }
        catch (OptionsValidationException)
        {
            return new HttpClientSettings();
        }
    }

    /// <summary>Registers the provider as itself and as the <see cref="ICmsAccountProvider"/>.</summary>
    public static void AddProvider<TProvider>(this IServiceCollection services)
        where TProvider : class, ICmsAccountProvider
    {
        services.TryAddSingleton<TProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<TProvider>());
    }
}
