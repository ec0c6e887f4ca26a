using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Standalone;

namespace Skvare.CmsUser;

/// <summary>Registers the CiviCRM Standalone provider.</summary>
public static class StandaloneBuilderExtensions
{
    /// <summary>
    /// Uses CiviCRM Standalone users as the CMS accounts. Options come from <c>CmsUser:Standalone</c>
    /// (when the builder was created from configuration) and from <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddStandalone(this ICmsUserBuilder builder, Action<StandaloneOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<StandaloneOptions>();
        if (builder.Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection(StandaloneOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StandaloneOptions>, StandaloneOptionsValidator>());
        if (!builder.Services.Any(d => d.ServiceType == typeof(StandaloneAccountProvider)))
        {
            builder.Services.AddHttpClient(StandaloneAccountProvider.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false })
                .AddCmsUserResilience(sp => sp.GetRequiredService<IOptions<StandaloneOptions>>().Value.Http);
        }

        builder.Services.TryAddSingleton<StandaloneAccountProvider>();
        builder.Services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<StandaloneAccountProvider>());
        return builder;
    }
}
