using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;
using Skvare.CmsUser.Quartz;

namespace Skvare.CmsUser;

/// <summary>Registers the clustered Quartz scheduler for the host's sites.</summary>
public static class CmsUserQuartzServiceCollectionExtensions
{
    /// <summary>The job store's connection string while the settings are invalid (the host does not start then).</summary>
    private const string InvalidSettings = "invalid CmsUser:Quartz settings";

    /// <summary>
    /// Runs each site's batch (and reset campaigns) as Quartz jobs in a clustered, persistent job store: every
    /// instance started with the same <c>CmsUser:Quartz</c> settings shares the work, each firing runs on exactly
    /// one instance, a site's job never runs twice at once, and the jobs of an instance that dies are run again by
    /// another. Call after <c>AddCmsUserSites</c>; apply sql/quartz-mysql.sql to the store first. Use it instead
    /// of <c>AddScheduledRuns</c>. Options from code only; the settings are validated when the host starts.
    /// </summary>
    /// <remarks>
    /// Safe to call more than once: the scheduler, its hosted services and the site jobs are registered once, and
    /// each call adds its configuration (applied in call order, as with <c>services.Configure</c>). The first call
    /// chooses the job store's database driver (<see cref="CmsUserQuartzOptions.Provider"/>); a later call that
    /// changes it is refused when the host starts.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services.</returns>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The two overloads differ by a required IConfiguration; no call is ambiguous.")]
    public static IServiceCollection AddCmsUserQuartz(this IServiceCollection services, Action<CmsUserQuartzOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services, null, configure);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    /// <summary>
    /// Runs each site's batch (and reset campaigns) as clustered Quartz jobs (see the other overload), with options
    /// bound from a configuration section (usually <c>configuration.GetSection("CmsUser:Quartz")</c>), then from
    /// code. The settings are validated when the host starts.
    /// </summary>
    /// <remarks>
    /// Safe to call more than once: the scheduler, its hosted services and the site jobs are registered once, and
    /// each call adds its configuration (applied in call order). The first call chooses the job store's database
    /// driver (<see cref="CmsUserQuartzOptions.Provider"/>); a later call that changes it is refused at start.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The <c>CmsUser:Quartz</c> section.</param>
    /// <param name="configure">Further configuration from code.</param>
    /// <returns>The services.</returns>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The two overloads differ by a required IConfiguration; no call is ambiguous.")]
    public static IServiceCollection AddCmsUserQuartz(this IServiceCollection services, IConfiguration configuration, Action<CmsUserQuartzOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(services, configuration, configure);
        services.Configure<CmsUserQuartzOptions>(configuration);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    private static void AddCore(IServiceCollection services, IConfiguration? configuration, Action<CmsUserQuartzOptions>? configure)
    {
        if (services.Any(d => d.ServiceType == typeof(QuartzRegistration)))
        {
            return;
        }

        // The database driver is a registration, not an option: the first call's settings choose it.
        var provider = ProviderOf(configuration, configure);
        services.AddSingleton(new QuartzRegistration(provider));
        services.AddOptions<CmsUserQuartzOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CmsUserQuartzOptions>, CmsUserQuartzOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<SiteProvisioningJob>();
        services.TryAddTransient<SitePasswordResetJob>();

        var before = services.Count;
        services.AddQuartz(q => q.UsePersistentStore(store =>
        {
            switch (provider)
            {
                case QuartzStoreProvider.PostgreSql:
                    store.UsePostgres(_ => { });
                    break;
                default:
                    store.UseMySqlConnector(_ => { });
                    break;
            }

            store.UseClustering();
        }));

        // Quartz reads these options when the scheduler is built, so they follow every AddCmsUserQuartz call's
        // configuration rather than the first call's.
        var dataSource = services.Skip(before).Select(d => d.ImplementationInstance).OfType<ConfigureNamedOptions<DataSourceOptions>>().FirstOrDefault()?.Name
            ?? throw new InvalidOperationException("Quartz registered no data source options for the job store; this Quartz version is not supported.");
        Follow(
            services.AddOptions<DataSourceOptions>(dataSource),
            (o, settings) => o.ConnectionString = settings.ConnectionString,
            o => o.ConnectionString = InvalidSettings); // so Quartz's own check does not repeat "ConnectionString is required"
        Follow(services.AddOptions<QuartzSchedulerOptions>(), (o, settings) =>
        {
            o.InstanceName = settings.SchedulerName;
            o.IdleWaitTime = settings.IdleWaitTime;
            if (settings.InstanceId is { Length: > 0 } id)
            {
                o.InstanceId = id;
                o.GenerateInstanceId = false;
            }
            else
            {
                o.GenerateInstanceId = true;
            }
        });
        Follow(services.AddOptions<ThreadPoolOptions>(), (o, settings) => o.MaxConcurrency = settings.MaxConcurrency);
        Follow(services.AddOptions<AdoJobStoreOptions>(), (o, settings) =>
        {
            o.TablePrefix = settings.TablePrefix;
            o.MisfireThreshold = settings.MisfireThreshold;
            o.StoreJobDataAsStrings = true; // job data is strings only: readable rows, no serialized objects
        });
        Follow(services.AddOptions<ClusteringOptions>(), (o, settings) =>
        {
            o.CheckinInterval = settings.CheckinInterval;
            o.CheckinMisfireThreshold = settings.CheckinMisfireThreshold;
        });

        // The registrar runs before Quartz's hosted service starts the scheduler, so the jobs exist when it does.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SiteJobRegistrar>());
        services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            o.AwaitApplicationStarted = true;
        });
    }

    /// <summary>Applies the package's options to one of Quartz's when Quartz builds them.</summary>
    private static void Follow<T>(OptionsBuilder<T> quartz, Action<T, CmsUserQuartzOptions> apply, Action<T>? whenInvalid = null)
        where T : class =>
        quartz.Configure<IOptions<CmsUserQuartzOptions>>((options, settings) =>
        {
            CmsUserQuartzOptions value;
            try
            {
                value = settings.Value;
            }
            catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
            {
                // Invalid settings (or a value the binder cannot convert) stop the host through their own
                // ValidateOnStart, reported once, not once more per Quartz option.
                whenInvalid?.Invoke(options);
                return;
            }

            apply(options, value);
        });

    private static QuartzStoreProvider ProviderOf(IConfiguration? configuration, Action<CmsUserQuartzOptions>? configure)
    {
        var probe = new CmsUserQuartzOptions();
        if (Enum.TryParse<QuartzStoreProvider>(configuration?[nameof(CmsUserQuartzOptions.Provider)], ignoreCase: true, out var configured))
        {
            probe.Provider = configured;
        }

        configure?.Invoke(probe);
        return probe.Provider;
    }
}

/// <summary>Marks the scheduler as registered, and which database driver the registration chose.</summary>
internal sealed record QuartzRegistration(QuartzStoreProvider Provider);
