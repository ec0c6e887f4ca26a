using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Quartz;

namespace Skvare.CmsUser.Quartz;

/// <summary>
/// Every check of <see cref="CmsUserQuartzOptions"/>, run when the host starts (before the scheduler is built):
/// the ranges, the cluster timings, the cron expressions, the time zone, and that the driver chosen at
/// registration is still the configured one. Never echoes the connection string.
/// </summary>
internal sealed class CmsUserQuartzOptionsValidator(QuartzRegistration registration) : IValidateOptions<CmsUserQuartzOptions>
{
    public ValidateOptionsResult Validate(string? name, CmsUserQuartzOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"CmsUser:Quartz:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }

        if (options.CheckinMisfireThreshold <= options.CheckinInterval)
        {
            failures.Add("CmsUser:Quartz:CheckinMisfireThreshold must be longer than CheckinInterval, or live instances are taken for dead.");
        }

        if (options.IdleWaitTime < TimeSpan.FromSeconds(1) || options.MisfireThreshold < TimeSpan.FromSeconds(1))
        {
            failures.Add("CmsUser:Quartz:IdleWaitTime and MisfireThreshold must be at least 1 second.");
        }

        foreach (var (key, cron) in options.Sites.SelectMany(s => new[] { ($"Sites:{s.Key}:Cron", s.Value.Cron), ($"Sites:{s.Key}:ResetCron", s.Value.ResetCron) })
            .Append(("Cron", options.Cron)).Append(("ResetCron", options.ResetCron)))
        {
            if (cron is not null && !CronExpression.TryParse(cron, out _))
            {
                failures.Add($"CmsUser:Quartz:{key} is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. '0 0/15 * * * ?').");
            }
        }

        if (options.TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            failures.Add($"CmsUser:Quartz:TimeZone '{zone}' is not a known time zone.");
        }

        if (options.Provider != registration.Provider)
        {
            failures.Add($"CmsUser:Quartz:Provider is {options.Provider}, but the first AddCmsUserQuartz call registered the {registration.Provider} driver: set Provider in that call's configuration.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
