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
            { TotalHours: < 1 } => $"{(int)duration.TotalMinutes} min {duration.Seconds} s",
            { TotalDays: < 1 } => $"{(int)duration.TotalHours} h {duration.Minutes} min",
            _ => $"{(int)duration.TotalDays} d {duration.Hours} h",
        };
    }
}
