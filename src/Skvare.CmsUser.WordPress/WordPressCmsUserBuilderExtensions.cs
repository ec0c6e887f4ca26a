using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
        if (builder.TryAddPackage<WordPressOptions, WordPressOptionsValidator, WordPressOptionsAnnotationsValidator>("WordPress", configure, static (section, options) => section.Bind(options)))
        {
            CmsRequestThrottle.Register(builder.Services);
            builder.Services.AddPackageHttpClient<WordPressOptions>(WordPressAccountProvider.HttpClientName, o => o.Http, CmsRequestThrottle.LimiterOf);
            builder.Services.AddSingleton<IValidateOptions<CmsUserOptions>>(new FlatFieldMappingsValidator("WordPress", "its REST API writes user meta as one value per key registered with show_in_rest; map each part to a meta key of its own."));
            UsernameSuffixSeparatorValidator.Register<WordPressOptions>(builder.Services, static o => (o.Multisite ? "WordPress multisite (CmsUser:WordPress:Multisite)" : "WordPress", WordPressAccountProvider.RulesFor(o)));
            builder.Services.AddProvider<WordPressAccountProvider>();
            builder.Services.CheckSecretsAtStart<WordPressAccountProvider>();
        }

        return builder;
    }
}
