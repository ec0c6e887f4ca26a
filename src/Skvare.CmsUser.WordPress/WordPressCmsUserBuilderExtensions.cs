using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser;

/// <summary>Registers the WordPress provider.</summary>
public static class WordPressCmsUserBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="WordPressAccountProvider"/> as the <see cref="ICmsAccountProvider"/>, with
    /// <see cref="WordPressOptions"/> bound from <c>CmsUser:WordPress</c> (when the builder has a
    /// configuration) and then from <paramref name="configure"/>. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddWordPress(this ICmsUserBuilder builder, Action<WordPressOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<WordPressOptions>();
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection("WordPress"));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(WordPressMarker)))
        {
            return builder;
        }

        services.AddSingleton<WordPressMarker>();
        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WordPressOptions>, WordPressOptionsValidator>());
        services.AddHttpClient(WordPressAccountProvider.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
            .RemoveAllLoggers()
            .AddCmsUserResilience(sp => sp.GetRequiredService<IOptions<WordPressOptions>>().Value.Http);
        services.TryAddSingleton<WordPressAccountProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<WordPressAccountProvider>());
        return builder;
    }

    /// <summary>Marks that the one-time registrations were made.</summary>
    private sealed class WordPressMarker;
}
