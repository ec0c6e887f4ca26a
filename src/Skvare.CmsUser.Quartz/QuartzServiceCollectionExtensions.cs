using System.ComponentModel.DataAnnotations;
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
    /// <summary>
    /// Runs each site's batch (and reset campaigns) as Quartz jobs in a clustered, persistent job store: every
    /// instance started with the same <c>CmsUser:Quartz</c> settings shares the work, each firing runs on exactly
    /// one instance, a site's job never runs twice at once, and the jobs of an instance that dies are run again by
    /// another. Call after <c>AddCmsUserSites</c>; apply sql/quartz-mysql.sql to the store first. Use it instead
    /// of <c>AddScheduledRuns</c>.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The <c>CmsUser:Quartz</c> section, or <see langword="null"/>.</param>
    /// <param name="configure">Further settings from code.</param>
    /// <returns>The services.</returns>
    /// <exception cref="OptionsValidationException">The settings are not valid (checked here: Quartz is configured at registration).</exception>
    public static IServiceCollection AddCmsUserQuartz(this IServiceCollection services, IConfiguration? configuration, Action<CmsUserQuartzOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = new CmsUserQuartzOptions();
        configuration?.Bind(settings);
        configure?.Invoke(settings);
        Validate(settings);

        services.AddSingleton(Options.Create(settings));
        services.TryAddSingleton(TimeProvider.System);
        services.AddTransient<SiteProvisioningJob>();
        services.AddTransient<SitePasswordResetJob>();
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = settings.SchedulerName;
                o.IdleWaitTime = settings.IdleWaitTime;
                if (settings.InstanceId is { Length: > 0 } id)
                {
                    o.InstanceId = id;
                }
                else
                {
                    o.GenerateInstanceId = true;
                }
            });
            q.UseDefaultThreadPool(settings.MaxConcurrency);
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(o =>
                {
                    o.TablePrefix = settings.TablePrefix;
                    o.MisfireThreshold = settings.MisfireThreshold;
                    o.StoreJobDataAsStrings = true; // job data is strings only: readable rows, no serialized objects
                });
                switch (settings.Provider)
                {
                    case QuartzStoreProvider.PostgreSql:
                        store.UsePostgres(settings.ConnectionString);
                        break;
                    default:
                        store.UseMySqlConnector(settings.ConnectionString);
                        break;
                }

                store.UseClustering(c =>
                {
                    c.CheckinInterval = settings.CheckinInterval;
                    c.CheckinMisfireThreshold = settings.CheckinMisfireThreshold;
                });
            });
        });

        // The registrar runs before Quartz's hosted service starts the scheduler, so the jobs exist when it does.
        services.AddHostedService<SiteJobRegistrar>();
        services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            o.AwaitApplicationStarted = true;
        });
        return services;
    }

    private static void Validate(CmsUserQuartzOptions settings)
    {
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"CmsUser:Quartz:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }

        if (settings.CheckinMisfireThreshold <= settings.CheckinInterval)
        {
            failures.Add("CmsUser:Quartz:CheckinMisfireThreshold must be longer than CheckinInterval, or live instances are taken for dead.");
        }

        if (settings.IdleWaitTime < TimeSpan.FromSeconds(1) || settings.MisfireThreshold < TimeSpan.FromSeconds(1))
        {
            failures.Add("CmsUser:Quartz:IdleWaitTime and MisfireThreshold must be at least 1 second.");
        }

        foreach (var (name, cron) in settings.Sites.SelectMany(s => new[] { ($"Sites:{s.Key}:Cron", s.Value.Cron), ($"Sites:{s.Key}:ResetCron", s.Value.ResetCron) })
            .Append(("Cron", settings.Cron)).Append(("ResetCron", settings.ResetCron)))
        {
            if (cron is not null && !CronExpression.TryParse(cron, out _))
            {
                failures.Add($"CmsUser:Quartz:{name} is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. '0 0/15 * * * ?').");
            }
        }

        if (settings.TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            failures.Add($"CmsUser:Quartz:TimeZone '{zone}' is not a known time zone.");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(CmsUserQuartzOptions), failures);
        }
    }
}
