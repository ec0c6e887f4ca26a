using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the Joomla provider.</summary>
public static class JoomlaBuilderExtensions
{
    /// <summary>Uses Joomla 4/5 as the CMS. Options from <c>CmsUser:Joomla</c> and <paramref name="configure"/>, validated at start.</summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddJoomla(this ICmsUserBuilder builder, Action<JoomlaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<JoomlaOptions>();
        if (builder.Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection(JoomlaOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JoomlaOptions>, JoomlaOptionsValidator>());
        if (!builder.Services.Any(d => d.ServiceType == typeof(JoomlaAccountProvider)))
        {
            builder.Services.AddHttpClient(JoomlaAccountProvider.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false })
                .AddCmsUserResilience(sp => sp.GetRequiredService<IOptions<JoomlaOptions>>().Value.Http);
        }

        builder.Services.TryAddSingleton<JoomlaAccountProvider>();
        builder.Services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<JoomlaAccountProvider>());
        return builder;
    }
}
