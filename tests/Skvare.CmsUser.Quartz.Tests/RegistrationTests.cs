using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary><c>AddCmsUserQuartz</c> follows the Microsoft.Extensions conventions: safe to call twice, bound from configuration, validated at start.</summary>
public sealed class RegistrationTests : IDisposable
{
    private readonly FakeSite _north = new("north", 1);
    private readonly FakeSite _south = new("south", 1);
    private readonly string _database = JobStore.UniqueName("cmsuser_quartz_twice");

    public void Dispose()
    {
        _north.Dispose();
        _south.Dispose();
        JobStore.Drop(_database);
    }

    [Fact]
    public void Called_twice_it_registers_once_and_both_calls_configure()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserQuartz(Section(new { ConnectionString = "Server=db;Database=quartz", SchedulerName = "first", TablePrefix = "Q1_" }));
        services.AddCmsUserQuartz(o =>
        {
            o.MaxConcurrency = 7;
            o.Cron = "0 0 3 1 1 ?";
        });

        services.Where(d => d.ServiceType == typeof(IHostedService)).Select(d => d.ImplementationType?.Name)
            .Should().BeEquivalentTo("SiteJobRegistrar", "QuartzHostedService");
        services.Should().ContainSingle(d => d.ServiceType == typeof(ISchedulerFactory));
        services.Should().ContainSingle(d => d.ServiceType == typeof(IValidateOptions<CmsUserQuartzOptions>));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<CmsUserQuartzOptions>>().Value;
        (options.ConnectionString, options.SchedulerName, options.TablePrefix, options.MaxConcurrency, options.Cron)
            .Should().Be(("Server=db;Database=quartz", "first", "Q1_", 7, "0 0 3 1 1 ?"));
        // What Quartz builds its scheduler from follows both calls too.
        provider.GetRequiredService<IOptions<ThreadPoolOptions>>().Value.MaxConcurrency.Should().Be(7);
        provider.GetRequiredService<IOptions<QuartzSchedulerOptions>>().Value.InstanceName.Should().Be("first");
        var store = provider.GetRequiredService<IOptions<AdoJobStoreOptions>>().Value;
        (store.TablePrefix, store.StoreJobDataAsStrings).Should().Be(("Q1_", true));
        provider.GetRequiredService<IOptions<ClusteringOptions>>().Value.Enabled.Should().BeTrue();
    }

    [Fact]
    public void Options_bind_from_the_configuration_section()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserQuartz(Section(new
        {
            ConnectionString = "Server=db",
            Provider = "PostgreSql",
            InstanceId = "node-1",
            MaxConcurrency = 2,
            CheckinInterval = "00:00:03",
            CheckinMisfireThreshold = "00:00:09",
            ResetCron = "0 0 4 * * ?",
            TimeZone = "Europe/Paris",
            Sites = new { north = new { Cron = "0 0/5 * * * ?" } },
        }));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<CmsUserQuartzOptions>>().Value;

        (options.Provider, options.InstanceId, options.MaxConcurrency, options.ResetCron, options.TimeZone).Should().Be((QuartzStoreProvider.PostgreSql, "node-1", 2, "0 0 4 * * ?", "Europe/Paris"));
        options.Sites["NORTH"].Cron.Should().Be("0 0/5 * * * ?");
        var clustering = provider.GetRequiredService<IOptions<ClusteringOptions>>().Value;
        (clustering.CheckinInterval, clustering.CheckinMisfireThreshold).Should().Be((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(9)));
        var scheduler = provider.GetRequiredService<IOptions<QuartzSchedulerOptions>>().Value;
        (scheduler.InstanceId, scheduler.GenerateInstanceId).Should().Be(("node-1", false));
    }

    [Fact(Timeout = 60_000)]
    public async Task Invalid_settings_stop_the_host_at_start_with_each_setting_named_and_no_connection_string()
    {
        using var host = Build(Section(new
        {
            ConnectionString = "Server=db;Password=s3cret-value",
            CheckinInterval = "00:00:20",
            CheckinMisfireThreshold = "00:00:10",
            Cron = "every day",
            Sites = new { north = new { ResetCron = "0 0 25 * * ?" } },
            TimeZone = "Mars/Olympus",
        }), o => o.Provider = QuartzStoreProvider.PostgreSql);

        var start = () => host.StartAsync();

        var failures = (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.ToList();
        failures.Should().Contain(f => f.StartsWith("CmsUser:Quartz:CheckinMisfireThreshold", StringComparison.Ordinal));
        failures.Should().Contain(f => f.StartsWith("CmsUser:Quartz:Cron ", StringComparison.Ordinal));
        failures.Should().Contain(f => f.StartsWith("CmsUser:Quartz:Sites:north:ResetCron ", StringComparison.Ordinal));
        failures.Should().Contain(f => f.Contains("Mars/Olympus", StringComparison.Ordinal));
        failures.Should().Contain(f => f.StartsWith("CmsUser:Quartz:Provider is PostgreSql", StringComparison.Ordinal), "the second call cannot change the driver the first registered");
        failures.Should().NotContain(f => f.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_missing_connection_string_stops_the_host_at_start()
    {
        using var host = Build(null, o => o.MaxConcurrency = 2);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Contain(f => f.Contains("ConnectionString", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_value_the_binder_cannot_convert_stops_the_host_at_start_naming_its_key()
    {
        using var host = Build(Section(new { ConnectionString = "Server=db", MaxConcurrency = "many" }), _ => { });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("CmsUser:Quartz:MaxConcurrency");
    }

    [MariaDbFact(Timeout = 120_000)]
    public async Task A_host_that_calls_it_twice_stores_one_job_per_site_with_the_second_calls_cron()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        var connection = await JobStore.CreateAsync(_database, timeout.Token);
        using var host = Build(Section(new { ConnectionString = connection, SchedulerName = "twice", InstanceId = "only" }), o => o.Cron = "0 0 3 1 1 ?");

        await host.StartAsync(timeout.Token);
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(timeout.Token);
        var jobs = await scheduler.GetJobKeys(GroupMatcher<JobKey>.AnyGroup(), timeout.Token);
        var triggers = new List<ITrigger>();
        foreach (var job in jobs)
        {
            triggers.AddRange(await scheduler.GetTriggersOfJob(job, timeout.Token));
        }

        var metadata = await scheduler.GetMetadata(timeout.Token);
        await host.StopAsync(timeout.Token);

        jobs.Should().BeEquivalentTo(new[] { SiteJobKeys.Provision("north"), SiteJobKeys.Provision("south") });
        triggers.Should().HaveCount(2).And.OnlyContain(t => t is ICronTrigger && ((ICronTrigger)t).CronExpressionString == "0 0 3 1 1 ?");
        (metadata.SchedulerName, metadata.SchedulerInstanceId, metadata.JobStoreClustered).Should().Be(("twice", "only", true));
    }

    private static IConfigurationSection Section(object quartz) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { CmsUser = new { Quartz = quartz } })))).Build().GetSection(CmsUserQuartzOptions.SectionName);

    private IHost Build(IConfigurationSection? quartz, Action<CmsUserQuartzOptions> more)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var cmsUser = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            CmsUser = new { Sites = new Dictionary<string, object> { ["north"] = _north.Settings(TimeSpan.FromHours(1)), ["south"] = _south.Settings(TimeSpan.FromHours(1)) } },
        })))).Build().GetSection("CmsUser");
        builder.Services.AddCmsUserSites(cmsUser, (_, site) => site.AddCiviCrm().AddWordPress());
        if (quartz is not null)
        {
            builder.Services.AddCmsUserQuartz(quartz);
        }

        builder.Services.AddCmsUserQuartz(more);
        return builder.Build();
    }
}
