using Microsoft.Extensions.Configuration;
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
        if (builder.TryAddPackage<DrupalOptions, DrupalOptionsValidator>(DrupalOptions.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            CmsRequestThrottle.Register(builder.Services);
            builder.Services.AddPackageHttpClient<DrupalOptions>(DrupalAccountProvider.HttpClientName, o => o.Http, CmsRequestThrottle.LimiterOf);
            UsernameSuffixSeparatorValidator.Register(builder.Services, "Drupal", DrupalAccountProvider.Rules);
            builder.Services.AddProvider<DrupalAccountProvider>();
            builder.Services.CheckSecretsAtStart<DrupalAccountProvider>();
        }

        return builder;
    }
}
