using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Hosting;

namespace Skvare.CmsUser;

/// <summary>Registers Skvare.CmsUser provisioning in a service collection.</summary>
public static class CmsUserServiceCollectionExtensions
{
    /// <summary>
    /// Adds the provisioning engine (<see cref="IUserProvisioner"/>) with options from code.
    /// Safe to call more than once; each call adds its configuration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder for the CiviCRM and CMS packages.</returns>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The two overloads differ by a required IConfiguration; no call is ambiguous.")]
    public static ICmsUserBuilder AddCmsUserProvisioning(this IServiceCollection services, Action<CmsUserOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new CmsUserBuilder(services, null);
    }

    /// <summary>
    /// Adds the provisioning engine (<see cref="IUserProvisioner"/>) with options bound from a
    /// configuration section (usually <c>configuration.GetSection("CmsUser")</c>), then from code.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The <c>CmsUser</c> section.</param>
    /// <param name="configure">Further configuration from code.</param>
    /// <returns>A builder for the CiviCRM and CMS packages.</returns>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The two overloads differ by a required IConfiguration; no call is ambiguous.")]
    public static ICmsUserBuilder AddCmsUserProvisioning(this IServiceCollection services, IConfiguration configuration, Action<CmsUserOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(services);
        // Bound like Configure<T>(configuration), except that a value the binder cannot convert does not throw
        // from the options factory: the validator reports it with every other problem, in one message.
        services.AddSingleton<IOptionsChangeTokenSource<CmsUserOptions>>(new ConfigurationChangeTokenSource<CmsUserOptions>(Options.DefaultName, configuration));
        services.Configure<CmsUserOptions>(options =>
        {
            try
            {
                // Values that do not convert are left out, so the binder neither stops at one nor drops the rule
                // that holds it: everything else is bound in its place and validated.
                BindableView(configuration).Bind(options);
            }
            catch (InvalidOperationException)
            {
                // SettingsCheck.CheckConfiguration (in the validator) names the key and the expected value.
            }
        });
        if (configuration is IConfigurationSection section)
        {
            services.AddSingleton(new CmsUserConfigurationSource(section));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new CmsUserBuilder(services, configuration);
    }

    /// <summary>
    /// Adds the hosted service that runs the rules on <see cref="ScheduleOptions.Interval"/>
    /// (inside the off-peak window when one is set). Leave it out to call
    /// <see cref="UserProvisionerExtensions.RunScheduledCycleAsync"/> (or <see cref="IUserProvisioner.RunOnceAsync"/>) from
    /// your own scheduler.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the schedule.</param>
    /// <returns>The builder.</returns>
    public static ICmsUserBuilder AddScheduledRuns(this ICmsUserBuilder builder, Action<ScheduleOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (configure is not null)
        {
            builder.Services.Configure<CmsUserOptions>(o => configure(o.Schedule));
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScheduledProvisioningService>());
        return builder;
    }

    // The walked option types are the validator's, kept when trimmed by its DynamicDependency attributes.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The walked option types are kept by CmsUserOptionsValidator's DynamicDependency attributes.")]
    private static IConfiguration BindableView(IConfiguration configuration) =>
        configuration is IConfigurationSection section
            ? SettingsCheck.WithoutUnconvertibleValues(section, typeof(CmsUserOptions), CmsUserOptionsValidator.PackageSections)
            : configuration;

    private static void AddCore(IServiceCollection services)
    {
        // One validator checks everything (configuration keys, ranges including nested objects, cross-field
        // rules); DataAnnotations on top would report the same problems a second time.
        services.AddOptions<CmsUserOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CmsUserOptions>, CmsUserOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IUserProvisioner>(CreateProvisioner);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LoginLinkSettingsNotice>());
    }

    /// <summary>
    /// Builds the engine. A host service that takes <see cref="IUserProvisioner"/> in its constructor (the usual
    /// <c>BackgroundService</c>) builds it before the host validates the settings at start, so the settings are validated
    /// here first: every package's problems come in one failure, as they do at start. A missing package is named with
    /// the call that adds it, instead of the container's "Unable to resolve service" for one of its services.
    /// </summary>
    private static UserProvisioner CreateProvisioner(IServiceProvider services)
    {
        services.GetService<IStartupValidator>()?.Validate();
        // Asked without building anything: the providers are built once, for the engine.
        var registered = services.GetService<IServiceProviderIsService>();
        bool Absent(Type type) => registered is not null && !registered.IsService(type);
        var missing = new List<string>(2);
        if (Absent(typeof(ICmsAccountProvider)))
        {
            missing.Add($"no CMS package is registered (nothing provides {nameof(ICmsAccountProvider)}): add one on the builder that AddCmsUserProvisioning() returns, e.g. .AddWordPress(), .AddDrupal(), .AddDrupal7(), .AddBackdrop(), .AddJoomla() or .AddStandalone()");
        }

        Type[] civiCrm = [typeof(ITriggerSourceFactory), typeof(IContactDirectory), typeof(IActivityRecorder), typeof(IAccountLinkStore)];
        if (civiCrm.Where(Absent).Select(t => t.Name).ToList() is { Count: > 0 } absent)
        {
            missing.Add($"no CiviCRM package is registered (nothing provides {string.Join(", ", absent)}): add .AddCiviCrm() on the builder that AddCmsUserProvisioning() returns");
        }

        return missing.Count == 0
            ? ActivatorUtilities.CreateInstance<UserProvisioner>(services)
            : throw new InvalidOperationException($"Skvare.CmsUser cannot provision: {string.Join("; ", missing)}.");
    }

    private sealed class CmsUserBuilder(IServiceCollection services, IConfiguration? configuration) : ICmsUserBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration? Configuration { get; } = configuration;
    }
}
