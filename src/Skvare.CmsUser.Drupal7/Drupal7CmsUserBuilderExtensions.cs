using Microsoft.Extensions.Configuration;
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
        if (builder.TryAddPackage<Drupal7Options, Drupal7OptionsValidator>(Drupal7Options.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            CmsRequestThrottle.Register(builder.Services);
            builder.Services.AddPackageHttpClient<Drupal7Options>(Drupal7AccountProvider.HttpClientName, o => o.Http, CmsRequestThrottle.LimiterOf);
            UsernameSuffixSeparatorValidator.Register(builder.Services, "Drupal 7", Drupal7AccountProvider.Rules);
            builder.Services.AddProvider<Drupal7AccountProvider>();
            builder.Services.CheckSecretsAtStart<Drupal7AccountProvider>();
        }

        return builder;
    }
}
