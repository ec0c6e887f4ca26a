using Quartz;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary>How a site's schedule becomes Quartz triggers. No database needed.</summary>
public sealed class SchedulingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_cron_expression_gives_one_cron_trigger_that_catches_up_once_after_a_misfire()
    {
        var triggers = SiteScheduling.Triggers(SiteJobKeys.Provision("north"), "0 0/15 * * * ?", new ScheduleOptions(), TimeZoneInfo.Utc, Now);

        var cron = triggers.Should().ContainSingle().Which.Should().BeAssignableTo<ICronTrigger>().Subject;
        cron.CronExpressionString.Should().Be("0 0/15 * * * ?");
        cron.MisfireInstruction.Should().Be(CronTriggerMisfireInstruction.FireAndProceed);
        cron.JobKey.Should().Be(SiteJobKeys.Provision("north"));
        cron.JobDataMap.GetString(SiteJobKeys.SiteKey).Should().Be("north");
    }

    [Fact]
    public void An_interval_without_a_window_repeats_for_ever_from_now()
    {
        var simple = SiteScheduling.Triggers(SiteJobKeys.Provision("north"), null, new ScheduleOptions { Interval = TimeSpan.FromMinutes(10) }, TimeZoneInfo.Utc, Now)
            .Should().ContainSingle().Which.Should().BeAssignableTo<ISimpleTrigger>().Subject;

        simple.RepeatInterval.Should().Be(TimeSpan.FromMinutes(10));
        simple.RepeatCount.Should().Be(-1);
        simple.StartTimeUtc.Should().Be(Now);
    }

    [Fact]
    public void An_off_peak_window_over_midnight_becomes_an_evening_and_a_morning_trigger()
    {
        var schedule = new ScheduleOptions { Interval = TimeSpan.FromMinutes(30), OffPeakStart = new TimeOnly(22, 0), OffPeakEnd = new TimeOnly(6, 0) };

        var windows = SiteScheduling.Triggers(SiteJobKeys.Provision("north"), null, schedule, TimeZoneInfo.Utc, Now).Cast<IDailyTimeIntervalTrigger>().ToList();

        windows.Select(w => (w.StartTimeOfDay, w.EndTimeOfDay)).Should().BeEquivalentTo(new[]
        {
            (new TimeOnly(22, 0), new TimeOnly(23, 59, 59)),
            (TimeOnly.MinValue, new TimeOnly(6, 0)),
        });
        windows.Should().OnlyContain(w => w.RepeatInterval == 1800 && w.RepeatIntervalUnit == IntervalUnit.Second
            && w.MisfireInstruction == DailyTimeIntervalTriggerMisfireInstruction.FireAndProceed);
        windows.Select(w => w.Key).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData("21:59", false)]
    [InlineData("22:00", true)]
    [InlineData("03:00", true)]
    [InlineData("06:00", false)]
    public void A_late_firing_runs_only_inside_the_window(string at, bool inside)
    {
        var schedule = new ScheduleOptions { OffPeakStart = new TimeOnly(22, 0), OffPeakEnd = new TimeOnly(6, 0) };
        var local = new DateTimeOffset(new DateTime(2026, 11, 30).Add(TimeOnly.Parse(at, System.Globalization.CultureInfo.InvariantCulture).ToTimeSpan()), TimeSpan.Zero);

        SiteScheduling.InsideWindow(local, schedule).Should().Be(inside);
    }
}
