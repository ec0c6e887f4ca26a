using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
    /// source-generated data-annotations validator <typeparamref name="TAnnotations"/>, merged into one validator (a
    /// problem both see is told once, by the package's sentence; see <see cref="PackageOptionsValidator{TOptions}"/>). Returns <see langword="false"/>
    /// when the package was registered before: its options still receive this call's configuration, but the one-time
    /// registrations are skipped (a second HTTP pipeline would double the retries).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section under <c>CmsUser</c>.</param>
    /// <param name="configure">Configuration from code.</param>
    /// <param name="bind">Binds the section to the options (see the remarks of <see cref="PackageRegistration"/>).</param>
    public static bool TryAddPackage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TValidator,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TAnnotations>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>, new()
        where TAnnotations : class, IValidateOptions<TOptions>, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        var registeredBefore = IsRegistered<TOptions>(builder.Services, typeof(TValidator));
        builder.AddPackageOptions(section, configure, bind, () => new PackageOptionsValidator<TOptions>(
            $"CmsUser:{section}",
            new TValidator(),
            typeof(TValidator) == typeof(TAnnotations) ? null : new TAnnotations()), checkKeys: true);
        return !registeredBefore;
    }

    /// <summary>
    /// <see cref="TryAddPackage{TOptions, TValidator, TAnnotations}"/> for options without data annotations:
    /// <typeparamref name="TValidator"/> is the only validator.
    /// </summary>
    public static bool TryAddPackage<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TValidator>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>, new() =>
        builder.TryAddPackage<TOptions, TValidator, TValidator>(section, configure, bind);

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <c>CmsUser:{section}</c> (when the builder has a configuration) and
    /// from <paramref name="configure"/>, validated at start by the source-generated data-annotations validator
    /// <typeparamref name="TAnnotations"/> (its failures name the configuration key). Each call adds its configuration;
    /// the validation is registered once.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section under <c>CmsUser</c>.</param>
    /// <param name="configure">Configuration from code.</param>
    /// <param name="bind">Binds the section to the options (see the remarks of <see cref="PackageRegistration"/>).</param>
    public static OptionsBuilder<TOptions> AddPackageOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TAnnotations>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TAnnotations : class, IValidateOptions<TOptions>, new() =>
        builder.AddPackageOptions(section, configure, bind, () => new PackageOptionsValidator<TOptions>($"CmsUser:{section}", null, new TAnnotations()), checkKeys: false);

    private static OptionsBuilder<TOptions> AddPackageOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        this ICmsUserBuilder builder, string section, Action<TOptions>? configure, Action<IConfiguration, TOptions> bind, Func<PackageOptionsValidator<TOptions>> validator,
        bool checkKeys)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(bind);
        var services = builder.Services;
        var options = services.AddOptions<TOptions>();
        IConfigurationSection? packageSection = null;
        if (builder.Configuration is { } configuration)
        {
            var bound = packageSection = configuration.GetSection(section);
            // With checkKeys, a value the binder cannot convert ("Wordpres" for an enum) is left out instead of throwing
            // from the options factory, and the validator names it with every other problem.
            options.Configure(o => bind(checkKeys ? Convertible(bound, typeof(TOptions)) : bound, o));
            services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(bound));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        // One validator per options type, so a problem the package's own check and an annotation both see is told once.
        var made = validator();
        var registered = Registered<TOptions>(services, made.Source);
        if (registered is null)
        {
            options.ValidateOnStart();
            services.AddSingleton<IValidateOptions<TOptions>>(made);
            registered = made;
        }

        if (checkKeys && packageSection is not null)
        {
            registered.CheckKeysOf(packageSection, Check);
        }

        return options;
    }

    // The packages' options types are bound by the configuration binding source generator, which references every
    // property a section can set: those properties stay when trimmed, and they are the ones these checks look at.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The properties a section can set are kept by the generated binder that sets them.")]
    private static IConfiguration Convertible(IConfigurationSection section, Type optionsType) =>
        SettingsCheck.WithoutUnconvertibleValues(section, optionsType);

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The properties a section can set are kept by the generated binder that sets them.")]
    private static IReadOnlyList<string> Check(IConfigurationSection section, Type optionsType) =>
        SettingsCheck.CheckConfiguration(section, optionsType, checkRanges: false);

    private static bool IsRegistered<TOptions>(IServiceCollection services, Type source)
        where TOptions : class =>
        Registered<TOptions>(services, source) is not null;

    private static PackageOptionsValidator<TOptions>? Registered<TOptions>(IServiceCollection services, Type source)
        where TOptions : class =>
        services
            .Where(d => !d.IsKeyedService && d.ServiceType == typeof(IValidateOptions<TOptions>))
            .Select(d => d.ImplementationInstance)
            .OfType<PackageOptionsValidator<TOptions>>()
            .FirstOrDefault(registered => registered.Source == source);
}
