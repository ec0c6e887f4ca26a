using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>Registers the Backdrop CMS provider.</summary>
public static class BackdropCmsUserBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="BackdropAccountProvider"/> as the <see cref="ICmsAccountProvider"/>, with options bound
    /// from <c>CmsUser:Backdrop</c> (when the builder has configuration) and then from
    /// <paramref name="configure"/>; validated at start. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder from <c>AddCmsUserProvisioning</c>.</param>
    /// <param name="configure">Further configuration from code.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddBackdrop(this ICmsUserBuilder builder, Action<BackdropOptions>? configure = null)
    {
        if (builder.TryAddPackage<BackdropOptions, BackdropOptionsValidator>(BackdropOptions.SectionName, configure, static (section, options) => section.Bind(options)))
        {
            CmsRequestThrottle.Register(builder.Services);
            builder.Services.AddPackageHttpClient<BackdropOptions>(BackdropAccountProvider.HttpClientName, o => o.Http, CmsRequestThrottle.LimiterOf);
            builder.Services.AddSingleton<IValidateOptions<CmsUserOptions>>(new FlatFieldMappingsValidator("Backdrop", "the companion module cmsuser_provision saves one text value per field (its item's value); map the value to a text field."));
            UsernameSuffixSeparatorValidator.Register(builder.Services, "Backdrop", BackdropAccountProvider.Rules);
            builder.Services.AddProvider<BackdropAccountProvider>();
            builder.Services.CheckSecretsAtStart<BackdropAccountProvider>();
        }

        return builder;
    }
}
