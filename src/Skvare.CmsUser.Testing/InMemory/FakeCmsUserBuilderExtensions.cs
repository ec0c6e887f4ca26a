using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>Wires the in-memory CiviCRM and CMS into <c>AddCmsUserProvisioning</c>.</summary>
public static class FakeCmsUserBuilderExtensions
{
    /// <summary>Uses <paramref name="civicrm"/> for triggers, contacts, activities and links, and <paramref name="cms"/> as the CMS.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="civicrm">The in-memory CiviCRM.</param>
    /// <param name="cms">The in-memory CMS.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder UseInMemory(this ICmsUserBuilder builder, FakeCiviCrm civicrm, ICmsAccountProvider cms)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(civicrm);
        ArgumentNullException.ThrowIfNull(cms);
        builder.Services.Replace(ServiceDescriptor.Singleton<ITriggerSourceFactory>(civicrm));
        builder.Services.Replace(ServiceDescriptor.Singleton<IContactDirectory>(civicrm));
        builder.Services.Replace(ServiceDescriptor.Singleton<IActivityRecorder>(civicrm));
        builder.Services.Replace(ServiceDescriptor.Singleton<IAccountLinkStore>(civicrm));
        builder.Services.Replace(ServiceDescriptor.Singleton(cms));
        return builder;
    }
}
