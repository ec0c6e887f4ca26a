using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>The options registration every package makes: bound from configuration and code, validated at start.</summary>
/// <remarks>
/// Binding goes through a delegate written at the call site (<c>static (section, o) =&gt; section.Bind(o)</c>) so the
/// configuration binding source generator sees the concrete options type, and data annotations are checked by the
/// package's source-generated validator (<c>[OptionsValidator]</c>): no reflection, trimming- and AOT-safe.
/// </remarks>
internal static class PackageRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated at start by <typeparamref name="TValidator"/> and by the
    /// source-generated data-annotations validator <typeparamref name="TAnnotations"/>. Returns <see langword="false"/>
    /// when the package was registered before: its options still receive this call's configuration, but the one-time
    /// registrations are skipped (a second HTTP pipeline would double the retries).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section under <c>CmsUser</c>.</param>
    /// <param name="configure">Configuration from code.</param>
    /// <param name="bind">Binds the section to the options (see the remarks of <see cref="PackageRegistration"/>).</param>
    public static bool TryAddPackage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAnnotations>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
        where TAnnotations : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var registeredBefore = services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator));
        var options = builder.AddPackageOptions<TOptions, TAnnotations>(section, configure, bind);
        if (registeredBefore)
        {
            return false;
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return true;
    }

    /// <summary>
    /// <see cref="TryAddPackage{TOptions, TValidator, TAnnotations}"/> for options without data annotations:
    /// <typeparamref name="TValidator"/> is the only validator.
    /// </summary>
    public static bool TryAddPackage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions> =>
        builder.TryAddPackage<TOptions, TValidator, TValidator>(section, configure, bind);

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated at start by the source-generated data-annotations validator
    /// <typeparamref name="TAnnotations"/>. Each call adds its configuration; the validation is registered once.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section under <c>CmsUser</c>.</param>
    /// <param name="configure">Configuration from code.</param>
    /// <param name="bind">Binds the section to the options (see the remarks of <see cref="PackageRegistration"/>).</param>
    public static OptionsBuilder<TOptions> AddPackageOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAnnotations>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TAnnotations : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(bind);
        var services = builder.Services;
        var options = services.AddOptions<TOptions>();
        if (builder.Configuration is { } configuration)
        {
            var packageSection = configuration.GetSection(section);
            options.Configure(o => bind(packageSection, o));
            services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(packageSection));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TAnnotations)))
        {
            options.ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TAnnotations>());
        }

        return options;
    }
}
