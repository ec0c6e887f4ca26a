using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser.Quartz;

/// <summary>
/// The clustered Quartz scheduler that runs every site's batches and reset campaigns (<c>CmsUser:Quartz</c>).
/// Every instance of the service points at the same job store; each firing runs on exactly one of them.
/// </summary>
public sealed class CmsUserQuartzOptions
{
    /// <summary>The configuration section: <c>CmsUser:Quartz</c>.</summary>
    public const string SectionName = "CmsUser:Quartz";

    /// <summary>The job store's connection string (MySQL/MariaDB by default). A secret: never logged.</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The job store's database. Default <see cref="QuartzStoreProvider.MySql"/> (MySqlConnector).</summary>
    public QuartzStoreProvider Provider { get; set; } = QuartzStoreProvider.MySql;

    /// <summary>The table prefix of the job store's schema. Default <c>QRTZ_</c> (the one sql/quartz-mysql.sql creates).</summary>
    [RegularExpression("^[A-Za-z0-9_]{1,20}$")]
    public string TablePrefix { get; set; } = "QRTZ_";

    /// <summary>The scheduler name: every instance of one cluster uses the same. Default <c>Skvare.CmsUser</c>.</summary>
    [Required]
    [StringLength(120)]
    public string SchedulerName { get; set; } = "Skvare.CmsUser";

    /// <summary>This instance's id in the cluster, or <see langword="null"/> for a generated one (host name + time).</summary>
    [StringLength(200)]
    public string? InstanceId { get; set; }

    /// <summary>How many site jobs this instance runs at once. Default 4.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>How often an instance tells the cluster it is alive. Default 7.5 seconds.</summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

    /// <summary>
    /// How long past its check-in an instance counts as dead; its running jobs are then recovered by another.
    /// Default 15 seconds.
    /// </summary>
    public TimeSpan CheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How late a firing may be before it counts as misfired (then the misfire policy applies). Default 1 minute.</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an idle instance waits before it looks for due firings again. Default 5 seconds.</summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A Quartz cron expression (seconds first, e.g. <c>0 0/15 * * * ?</c>) for every site's batch, instead of the
    /// site's <c>Schedule:Interval</c>. A site can have its own under <see cref="Sites"/>.
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>A cron expression for the reset campaigns; when not set they run after each batch (<c>Schedule:IncludePasswordResets</c>).</summary>
    public string? ResetCron { get; set; }

    /// <summary>The time zone of cron expressions and off-peak windows (IANA or Windows id). Default: the host's.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Per-site overrides of <see cref="Cron"/> and <see cref="ResetCron"/>, by site name.</summary>
    public IDictionary<string, QuartzSiteSchedule> Sites { get; } = new Dictionary<string, QuartzSiteSchedule>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One site's cron expressions (<c>CmsUser:Quartz:Sites:{name}</c>).</summary>
public sealed class QuartzSiteSchedule
{
    /// <summary>The site's batch cron expression.</summary>
    public string? Cron { get; set; }

    /// <summary>The site's reset campaign cron expression.</summary>
    public string? ResetCron { get; set; }
}

/// <summary>The database of the Quartz job store.</summary>
public enum QuartzStoreProvider
{
    /// <summary>MySQL 8 or MariaDB 10.6+ through MySqlConnector (tested).</summary>
    MySql,

    /// <summary>PostgreSQL through Npgsql (add the Npgsql package to the host; apply Quartz's PostgreSQL schema).</summary>
    PostgreSql,
}
