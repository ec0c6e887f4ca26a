using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>The registration every HTTP package makes (shared source, compiled into each package).</summary>
internal static class PackageRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated at start by <typeparamref name="TValidator"/> and by the
    /// source-generated data-annotations validator <typeparamref name="TAnnotations"/>. Returns <see langword="false"/>
    /// when the package was registered before: its options still receive this call's configuration, but the one-time
    /// registrations are skipped (a second HTTP pipeline would double the retries).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section under <c>CmsUser</c>.</param>
    /// <param name="configure">Configuration from code.</param>
    /// <param name="bind">
    /// Binds the section to the options, written at the call site (<c>static (section, o) =&gt; section.Bind(o)</c>) so the
    /// configuration binding source generator sees the concrete options type: no reflection, trimming- and AOT-safe.
    /// </param>
    public static bool TryAddPackage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAnnotations>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
        where TAnnotations : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(bind);
        var services = builder.Services;
        var options = services.AddOptions<TOptions>();
        if (builder.Configuration is { } configuration)
        {
            var packageSection = configuration.GetSection(section);
            options.Configure(o => bind(packageSection, o));
            services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(packageSection));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return false;
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TAnnotations>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return true;
    }

    /// <summary>
    /// <see cref="TryAddPackage{TOptions, TValidator, TAnnotations}"/> for options without data annotations:
    /// <typeparamref name="TValidator"/> is the only validator.
    /// </summary>
    public static bool TryAddPackage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions> =>
        builder.TryAddPackage<TOptions, TValidator, TValidator>(section, configure, bind);

    /// <summary>The package's named <see cref="HttpClient"/> with the shared resilience pipeline.</summary>
    public static IHttpClientBuilder AddPackageHttpClient<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(this IServiceCollection services, string name, Func<TOptions, HttpClientSettings> settings)
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
            .AddCmsUserResilience(sp => settings(sp.GetRequiredService<IOptions<TOptions>>().Value));

    /// <summary>Registers the provider as itself and as the <see cref="ICmsAccountProvider"/>.</summary>
    public static void AddProvider<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProvider>(this IServiceCollection services)
        where TProvider : class, ICmsAccountProvider
    {
        services.TryAddSingleton<TProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<TProvider>());
    }
}
