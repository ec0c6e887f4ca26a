using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Skvare.CmsUser.Shared;

/// <summary>The registration every CMS provider package makes.</summary>
internal static class ProviderRegistration
{
    /// <summary>Registers the provider as itself and as the <see cref="ICmsAccountProvider"/>.</summary>
    public static void AddProvider<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProvider>(this IServiceCollection services)
        where TProvider : class, ICmsAccountProvider
    {
        services.TryAddSingleton<TProvider>();
        services.TryAddSingleton<ICmsAccountProvider>(sp => sp.GetRequiredService<TProvider>());
    }
}
