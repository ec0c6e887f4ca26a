using System.Globalization;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>
/// CiviCRM's API v4 reads and writes date-times as the site's wall-clock time, without an offset
/// (<c>activity_date_time</c>, <c>SubscriptionHistory.date</c>): the MySQL session runs in the site's time zone.
/// This converts between those strings and instants with the site's zone (<see cref="SiteTimeZoneReader"/>).
/// </summary>
internal sealed class SiteTime
{
    private const string Format = "yyyy-MM-dd HH:mm:ss";

    public SiteTime(TimeZoneInfo zone) => Zone = zone;

    public TimeZoneInfo Zone { get; }

    /// <summary>Whether this is a stand-in after a transient failure: used for the call, read again next time.</summary>
    public bool Provisional { get; init; }

    /// <summary>The instant as the site's wall-clock time, as API v4 expects it in a where clause.</summary>
    public string ToSite(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, Zone).ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>A site wall-clock time read from API v4 as an instant, or <see langword="null"/> when it is not a date-time.</summary>
    /// <param name="text">The wall-clock time.</param>
    /// <param name="latest">
    /// How to read a time the clocks went through twice (going back): <see langword="false"/> as its earlier instant (a
    /// "since" that misses nothing after it), <see langword="true"/> as its later one (a date that must not claim too much).
    /// </param>
    public DateTimeOffset? FromSite(string? text, bool latest = false)
    {
        if (string.IsNullOrWhiteSpace(text)
            || !DateTime.TryParseExact(text.Trim(), [Format, "yyyy-MM-dd HH:mm", "yyyyMMddHHmmss", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }

        if (local.Year is < 2 or > 9998)
        {
            // No date CiviCRM writes, and too near the calendar's ends for an offset.
            return null;
        }

        // A wall-clock time skipped by a DST change does not exist; read it as the instant just after the gap.
        var wall = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var offsets = Offsets(wall);
        for (var step = 0; offsets.Count == 0 && step < 16; step++)
        {
            wall = wall.AddMinutes(15);
            offsets = Offsets(wall);
        }

        if (offsets.Count == 0)
        {
            return new DateTimeOffset(wall, Zone.GetUtcOffset(wall));
        }

        // A time the clocks went through twice (going back) is read as its earlier instant (the larger offset) by default, so
        // no failure after it is missed; as its later one (the smaller offset) when asked.
        return new DateTimeOffset(wall, latest ? offsets.Min() : offsets.Max());
    }

    /// <summary>
    /// The offsets with which <paramref name="wall"/> is a real instant of the zone: those in effect within three hours of it
    /// (any DST change is at most two hours) whose instant the zone shows as <paramref name="wall"/>. None inside a gap; two
    /// in an hour the clocks went through twice. Computed from the zone's conversions rather than asked of
    /// <see cref="TimeZoneInfo.IsAmbiguousTime(DateTime)"/>, which misses the repeated hour of a zone whose summer offset is
    /// smaller than its standard one (Africa/Casablanca goes from +01 to +00 for Ramadan).
    /// </summary>
    private List<TimeSpan> Offsets(DateTime wall)
    {
        var found = new List<TimeSpan>(2);
        var near = new DateTimeOffset(wall, TimeSpan.Zero) - Zone.GetUtcOffset(wall);
        for (var hours = -3; hours <= 3; hours++)
        {
            var offset = Zone.GetUtcOffset(near.AddHours(hours));
            if (!found.Contains(offset) && TimeZoneInfo.ConvertTime(new DateTimeOffset(wall, offset), Zone).DateTime == wall)
            {
                found.Add(offset);
            }
        }

        return found;
    }
}
