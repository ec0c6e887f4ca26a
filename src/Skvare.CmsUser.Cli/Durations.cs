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

    /// <summary>
    /// Reads a duration a person types on the command line: a whole or decimal number and a unit, <c>s</c>, <c>m</c> or
    /// <c>min</c>, <c>h</c>, <c>d</c> (<c>90m</c>, <c>2 h</c>, <c>1.5d</c>). <see langword="false"/> for anything else, a
    /// negative number included.
    /// </summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var trimmed = text?.Trim() ?? "";
        var split = trimmed.Length;
        while (split > 0 && char.IsAsciiLetter(trimmed[split - 1]))
        {
            split--;
        }

        var number = trimmed[..split].TrimEnd();
        var unit = trimmed[split..].ToLowerInvariant() switch
        {
            "s" => TimeSpan.TicksPerSecond,
            "m" or "min" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            "d" => TimeSpan.TicksPerDay,
            _ => 0,
        };
        if (unit == 0 || number.Length == 0
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value > TimeSpan.MaxValue.Ticks / unit)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)decimal.Round(value * unit));
        return true;
    }

    // "2 min 5 s", or "2 min" when the smaller unit is zero.
    private static string Two(int large, string largeUnit, int small, string smallUnit) =>
        small == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{large} {largeUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{large} {largeUnit} {small} {smallUnit}");
}
