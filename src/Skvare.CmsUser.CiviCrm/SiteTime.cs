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

        // A wall-clock time skipped by a DST change does not exist; read it as the instant just after the gap.
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(15);
        }

        // An ambiguous time (clocks going back) is read as its earlier instant by default, so no failure after it is missed.
        var offset = !Zone.IsAmbiguousTime(unspecified) ? Zone.GetUtcOffset(unspecified)
            : latest ? Zone.GetAmbiguousTimeOffsets(unspecified).Min() : Zone.GetAmbiguousTimeOffsets(unspecified).Max();
        return new DateTimeOffset(unspecified, offset);
    }
}
