namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// <see cref="SiteTime.FromSite"/> around the offset changes of every system zone: a deterministic sample of the manual sweep
/// of session 20 (every zone's changes 2000–2100, 27,857 of them, every 7 minutes within three hours of each: no failure).
/// Here every zone's changes in a few years, and the hard cases by name: Morocco's Ramadan hour (a summer offset smaller than
/// the standard one, which <see cref="TimeZoneInfo.IsAmbiguousTime(DateTime)"/> does not call ambiguous), Antarctica/Casey's
/// three-hour change back of 2010, Lord Howe's half hour, and the day Samoa skipped in 2011.
/// </summary>
public sealed class SiteTimeTransitionTests
{
    private static readonly int[] Years = [2011, 2045];

    private static readonly (string Zone, int Year)[] HardCases =
    [
        ("Africa/Casablanca", 2045),
        ("Africa/Casablanca", 2024),
        ("Africa/El_Aaiun", 2045),
        ("Antarctica/Casey", 2010),
        ("Antarctica/Casey", 2009),
        ("Australia/Lord_Howe", 2024),
        ("Pacific/Apia", 2011),
        ("Europe/Moscow", 2011),
        ("Europe/Dublin", 2024),
    ];

    private static readonly TimeSpan Around = TimeSpan.FromHours(3);

    private static readonly TimeSpan Step = TimeSpan.FromMinutes(7);

    [Fact]
    public void Every_instant_near_an_offset_change_reads_back_within_three_hours_as_the_same_wall_time()
    {
        var zones = TimeZoneInfo.GetSystemTimeZones().ToArray();
        var sample = zones.SelectMany(z => Years.Select(y => (Zone: z, Year: y)))
            .Concat(HardCases.Select(c => (Zone: TimeZoneInfo.FindSystemTimeZoneById(c.Zone), c.Year)))
            .SelectMany(c => Changes(c.Zone, c.Year).Select(at => (c.Zone, At: at)))
            .ToArray();
        sample.Length.Should().BeGreaterThan(500, "the sample covers the offset changes of many zones");

        var failures = new List<string>();
        foreach (var (zone, at) in sample)
        {
            var site = new SiteTime(zone);
            for (var instant = at - Around; instant <= at + Around; instant += Step)
            {
                if (Check(site, instant) is { } failure)
                {
                    failures.Add($"{zone.Id} {instant:O}: {failure}");
                }
            }
        }

        failures.Should().BeEmpty();
    }

    [Theory]
    [InlineData("Africa/Casablanca", 2045)]
    [InlineData("Antarctica/Casey", 2010)]
    [InlineData("Australia/Lord_Howe", 2024)]
    [InlineData("Pacific/Apia", 2011)]
    public void The_hard_cases_have_the_changes_the_sweep_relies_on(string zoneId, int year)
    {
        // Each hard case must still be an offset change in the system's zone data, or the sweep would test nothing there.
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var changes = Changes(zone, year);
        changes.Should().NotBeEmpty();
        changes.Select(at => (zone.GetUtcOffset(at) - zone.GetUtcOffset(at.AddSeconds(-1))).Duration()).Max()
            .Should().BeGreaterThanOrEqualTo(TimeSpan.FromMinutes(30));
    }

    /// <summary>
    /// What must hold for <paramref name="instant"/>: its wall time read as the earliest instant is at most three hours
    /// before it, read as the latest at most three hours after it, and both show the same wall time; null when it holds.
    /// </summary>
    private static string? Check(SiteTime site, DateTimeOffset instant)
    {
        var wall = site.ToSite(instant);
        var earliest = site.FromSite(wall);
        var latest = site.FromSite(wall, latest: true);
        if (earliest is not { } e || latest is not { } l)
        {
            return $"{wall} read as no date";
        }

        if (instant - e < TimeSpan.Zero || instant - e > Around)
        {
            return $"{wall} read as {e:O} (earliest), not within three hours before";
        }

        if (l - instant < TimeSpan.Zero || l - instant > Around)
        {
            return $"{wall} read as {l:O} (latest), not within three hours after";
        }

        return site.ToSite(e) != wall || site.ToSite(l) != wall ? $"{wall} read as {e:O} / {l:O}, shown as {site.ToSite(e)} / {site.ToSite(l)}" : null;
    }

    /// <summary>The instants of <paramref name="year"/> at which <paramref name="zone"/>'s offset changes (found day by day, then to the second).</summary>
    private static List<DateTimeOffset> Changes(TimeZoneInfo zone, int year)
    {
        var changes = new List<DateTimeOffset>();
        var day = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var end = day.AddYears(1);
        var offset = zone.GetUtcOffset(day);
        for (; day < end; day = day.AddDays(1))
        {
            var next = zone.GetUtcOffset(day.AddDays(1));
            if (next == offset)
            {
                continue;
            }

            var (before, after) = (day, day.AddDays(1));
            while (after - before > TimeSpan.FromSeconds(1))
            {
                var middle = before + ((after - before) / 2);
                (before, after) = zone.GetUtcOffset(middle) == offset ? (middle, after) : (before, middle);
            }

            // Whole seconds, as CiviCRM's date-times are (a change falls on a whole second anyway).
            changes.Add(new DateTimeOffset(after.Ticks - (after.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero));
            offset = next;
        }

        return changes;
    }
}
