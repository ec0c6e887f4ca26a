using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the Joomla provider.</summary>
public static class JoomlaCmsUserBuilderExtensions
{
    /// <summary>Uses Joomla 4/5 as the CMS. Options from <c>CmsUser:Joomla</c> and <paramref name="configure"/>, validated at start.</summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Configures the options from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddJoomla(this ICmsUserBuilder builder, Action<JoomlaOptions>? configure = null)
    {
        if (builder.TryAddPackage<JoomlaOptions, JoomlaOptionsValidator, JoomlaOptionsAnnotationsValidator>(JoomlaOptions.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            CmsRequestThrottle.Register(builder.Services);
            builder.Services.AddPackageHttpClient<JoomlaOptions>(JoomlaAccountProvider.HttpClientName, o => o.Http, CmsRequestThrottle.LimiterOf);
            builder.Services.AddSingleton<IValidateOptions<CmsUserOptions>>(new FlatFieldMappingsValidator("Joomla", "its API takes one value per custom field, sent as a key named after the field; map the value to a custom field of its own."));
            UsernameSuffixSeparatorValidator.Register(builder.Services, "Joomla", JoomlaAccountProvider.Rules);
            builder.Services.AddProvider<JoomlaAccountProvider>();
            builder.Services.CheckSecretsAtStart<JoomlaAccountProvider>();
        }

        return builder;
    }
}
