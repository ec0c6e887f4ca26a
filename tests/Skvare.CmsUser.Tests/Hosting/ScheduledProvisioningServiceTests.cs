using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Hosting;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Hosting;

public sealed class ScheduledProvisioningServiceTests
{
    [Theory]
    [InlineData("10:00", null, null, 0)]
    [InlineData("23:30", "22:00", "06:00", 0)]
    [InlineData("03:00", "22:00", "06:00", 0)]
    [InlineData("12:00", "22:00", "06:00", 600)]
    [InlineData("06:00", "22:00", "06:00", 960)]
    [InlineData("01:00", "02:00", "04:00", 60)]
    [InlineData("05:00", "02:00", "04:00", 1260)]
    public void Waits_for_the_off_peak_window(string now, string? start, string? end, int expectedMinutes)
    {
        var schedule = new ScheduleOptions
        {
            OffPeakStart = start is null ? null : TimeOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            OffPeakEnd = end is null ? null : TimeOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture),
        };
        var at = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero) + TimeOnly.Parse(now, System.Globalization.CultureInfo.InvariantCulture).ToTimeSpan();

        ScheduledProvisioningService.DelayUntilWindow(at, schedule).Should().Be(TimeSpan.FromMinutes(expectedMinutes));
    }

    [Fact]
    public async Task A_run_held_back_by_the_off_peak_window_says_why_it_waits_in_the_log()
    {
        // A host started at 10:00 with a 22:00-06:00 window logs a wait of 12 hours at start; without the window named, it looks stuck.
        var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddLogging(b => b.AddFakeLogging(o => o.OutputSink = line => { if (line.Contains("Scheduled run waiting", StringComparison.Ordinal)) { logged.TrySetResult(); } }))
            .AddSingleton<TimeProvider>(time);
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") });
            o.Schedule.OffPeakStart = new TimeOnly(22, 0);
            o.Schedule.OffPeakEnd = new TimeOnly(6, 0);
        }).UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider()).AddScheduledRuns();
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetServices<IHostedService>().OfType<ScheduledProvisioningService>().Single();

        await service.StartAsync(CancellationToken.None);
        await logged.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await service.StopAsync(CancellationToken.None);

        var wait = provider.GetFakeLogCollector().GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1010).Subject;
        wait.Message.Should().Contain("12:00:00").And.Contain("off-peak window 22:00-06:00").And.Contain("local time");
    }

    /// <summary>A host with one rule on group <c>g</c>, runs every 10 minutes of a fake clock, over the in-memory fakes.</summary>
    private sealed class ScheduledHost : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;

        public ScheduledHost(Action<CmsUserOptions>? configure = null)
        {
            var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(Time);
            services.AddCmsUserProvisioning(o =>
            {
                o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") });
                o.Schedule.Interval = TimeSpan.FromMinutes(10);
                configure?.Invoke(o);
            }).UseInMemory(Civi, Cms).AddScheduledRuns();
            _provider = services.BuildServiceProvider();
            Service = (ScheduledProvisioningService)_provider.GetServices<IHostedService>().OfType<ScheduledProvisioningService>().Single();
            Service.RunCompleted += s => Runs.Writer.TryWrite(s);
        }

        public FakeCiviCrm Civi { get; } = new();

        public FakeCmsAccountProvider Cms { get; } = new();

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

        public ScheduledProvisioningService Service { get; }

        public System.Threading.Channels.Channel<RunSummary> Runs { get; } = System.Threading.Channels.Channel.CreateUnbounded<RunSummary>();

        public Task<RunSummary> NextRunAsync() => Runs.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        public ValueTask DisposeAsync() => _provider.DisposeAsync();
    }

    [Fact]
    public async Task Runs_the_rules_every_interval()
    {
        await using var host = new ScheduledHost();
        var (civi, cms, time, service, runs) = (host.Civi, host.Cms, host.Time, host.Service, host.Runs);

        var first = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddToGroup("g", first.Id);
        await service.StartAsync(CancellationToken.None);
        var run1 = await runs.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        run1.Count(OutcomeKind.Created).Should().Be(1);

        var second = civi.AddContact("Bea", "Costa", "bea@example.org");
        civi.AddToGroup("g", second.Id);
        runs.Reader.TryRead(out _).Should().BeFalse("the next run waits for the interval");
        time.Advance(TimeSpan.FromMinutes(9));
        runs.Reader.TryRead(out _).Should().BeFalse();
        time.Advance(TimeSpan.FromMinutes(1));
        var run2 = await runs.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        run2.Count(OutcomeKind.Created).Should().Be(1);
        cms.Accounts.Should().HaveCount(2);

        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_idle_cycle_with_reset_campaigns_checks_the_cms_credentials_once_per_cycle()
    {
        await using var host = new ScheduledHost(o =>
        {
            o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Group("reset") });
            o.Schedule.IncludePasswordResets = true;
        });
        var cms = host.Cms;

        await host.Service.StartAsync(CancellationToken.None);
        var first = await host.NextRunAsync();
        var afterFirstCycle = cms.Calls.GetValueOrDefault("CheckCredentials");
        host.Time.Advance(TimeSpan.FromMinutes(10));
        await host.NextRunAsync();
        await host.Service.StopAsync(CancellationToken.None);

        first.CmsCredentialsCheck!.Passed.Should().BeTrue();
        afterFirstCycle.Should().Be(1, "the run and its reset campaigns share one check (RunCompleted is raised after both)");
        cms.Calls.GetValueOrDefault("CheckCredentials").Should().Be(2, "one per cycle");
        cms.Calls.Keys.Should().Equal(["CheckCredentials"], "an idle cycle asks the CMS nothing else");
    }

    /// <summary>
    /// A hosted service registered after the scheduler that holds the host's start until the scheduler is either waiting
    /// for the host to start or has finished a run (the defect: a run during start), then lets the start go on or fail.
    /// </summary>
    private sealed class HeldStart(bool fail) : IHostedService
    {
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int CallsWhenReleased { get; private set; } = -1;

        public Func<int>? CountCalls { get; set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await Released.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            CallsWhenReleased = CountCalls!();
            if (fail)
            {
                throw new IOException("Failed to bind to address http://127.0.0.1:5000: address already in use.");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static (IHost Host, ScheduledProvisioningService Service, FakeCiviCrm Civi, FakeCmsAccountProvider Cms, HeldStart Held, System.Threading.Channels.Channel<RunSummary> Runs) BuildHeldHost(bool failStart)
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var held = new HeldStart(failStart);
        held.CountCalls = () => civi.Calls.Values.Sum() + cms.Calls.Values.Sum();
        var contact = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddToGroup("g", contact.Id);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") }))
            .UseInMemory(civi, cms).AddScheduledRuns();
        builder.Services.AddSingleton<IHostedService>(held);
        var host = builder.Build();
        var service = host.Services.GetServices<IHostedService>().OfType<ScheduledProvisioningService>().Single();
        var runs = System.Threading.Channels.Channel.CreateUnbounded<RunSummary>();
        service.WaitingForHostStart += () => held.Released.TrySetResult();
        service.RunCompleted += s =>
        {
            runs.Writer.TryWrite(s);
            held.Released.TrySetResult();
        };
        return (host, service, civi, cms, held, runs);
    }

    [Fact]
    public async Task The_first_run_waits_until_the_host_has_started()
    {
        var (host, _, _, cms, held, runs) = BuildHeldHost(failStart: false);
        using (host)
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var first = await runs.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

            held.CallsWhenReleased.Should().Be(0, "nothing reaches CiviCRM or the CMS while the host is still starting");
            first.Count(OutcomeKind.Created).Should().Be(1, "the run starts once the host has started");
            cms.Accounts.Should().HaveCount(1);
        }
    }

    [Fact]
    public async Task No_run_starts_when_the_host_fails_to_start()
    {
        var (host, service, civi, cms, held, runs) = BuildHeldHost(failStart: true);
        var start = async () => await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await start.Should().ThrowAsync<IOException>();
        host.Dispose();
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));

        held.CallsWhenReleased.Should().Be(0);
        service.ExecuteTask.IsCompletedSuccessfully.Should().BeTrue("the service ends quietly");
        runs.Reader.TryRead(out _).Should().BeFalse("no run was started");
        civi.Calls.Should().BeEmpty();
        cms.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task A_host_with_scheduled_runs_reports_every_package_settings_problem_in_one_start_up_failure()
    {
        // The host builds its hosted services before it validates the options: a scheduled service that built the
        // provisioner then stopped the start at the engine's problem alone, and the other package's went unreported.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") });
            o.MaxConcurrency = 0;
        }).UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider()).AddScheduledRuns();
        builder.Services.AddOptions<OtherPackageOptions>().Validate(_ => false, "CmsUser:Other:Secret is missing.").ValidateOnStart();
        using var host = builder.Build();

        var start = async () => await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var failure = (await start.Should().ThrowAsync<AggregateException>()).Which;
        var problems = failure.InnerExceptions.OfType<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        problems.Should().Contain(p => p.Contains("CmsUser:MaxConcurrency", StringComparison.Ordinal));
        problems.Should().Contain("CmsUser:Other:Secret is missing.");
    }

    private sealed class OtherPackageOptions;

    [Fact]
    public async Task A_host_with_scheduled_runs_and_no_cms_package_fails_to_start()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("g") })).AddScheduledRuns();
        using var host = builder.Build();

        var start = async () => await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        await start.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{nameof(ICmsAccountProvider)}*");
    }

    [Fact]
    public async Task Health_check_reports_the_provider_connectivity()
    {
        var check = new CmsProviderHealthCheck(new FakeCmsAccountProvider());

        var result = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext
        {
            Registration = new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("cms", check, null, null),
        });

        result.Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
        _ = NullLogger.Instance;
    }
}
