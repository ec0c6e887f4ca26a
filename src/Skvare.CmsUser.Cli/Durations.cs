using System.Globalization;

namespace Skvare.CmsUser.Cli;

/// <summary>Durations as a person reads them: <c>850 ms</c>, <c>6.8 s</c>, <c>2 min 5 s</c>, <c>1 h 3 min</c>.</summary>
internal static class Durations
{
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        return duration switch
        {
            { TotalSeconds: < 1 } => $"{Math.Round(duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)} ms",
            { TotalSeconds: < 60 } => $"{duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s",
            { TotalHours: < 1 } => Two((int)duration.TotalMinutes, "min", duration.Seconds, "s"),
            { TotalDays: < 1 } => Two((int)duration.TotalHours, "h", duration.Minutes, "min"),
            _ => Two((int)duration.TotalDays, duration.TotalDays < 2 ? "day" : "days", duration.Hours, "h"),
        };
    }

    // "2 min 5 s", or "2 min" when the smaller unit is zero.
    private static string Two(int large, string largeUnit, int small, string smallUnit) =>
        small == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{large} {largeUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{large} {largeUnit} {small} {smallUnit}");
}
