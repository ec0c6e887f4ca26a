using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>The options registration every package makes: bound from configuration and code, validated at start.</summary>
internal static class PackageRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated at start. Returns <see langword="false"/> when the package was
    /// registered before: its options still receive this call's configuration, but the one-time registrations are
    /// skipped (a second HTTP pipeline would double the retries).
    /// </summary>
    public static bool TryAddPackage<TOptions, TValidator>(this ICmsUserBuilder builder, string section, Action<TOptions>? configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = builder.AddPackageOptions(section, configure);
        var services = builder.Services;
        if (services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return false;
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return true;
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated with their data annotations at start. Each call adds its
    /// configuration; the validation is registered once.
    /// </summary>
    public static OptionsBuilder<TOptions> AddPackageOptions<TOptions>(this ICmsUserBuilder builder, string section, Action<TOptions>? configure)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TOptions>();
        if (builder.Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection(section));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!builder.Services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationInstance is DataAnnotationValidateOptions<TOptions>))
        {
            options.ValidateDataAnnotations().ValidateOnStart();
        }

        return options;
    }
}
