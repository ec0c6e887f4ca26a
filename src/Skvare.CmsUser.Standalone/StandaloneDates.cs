using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Skvare.CmsUser.Standalone;

/// <summary>
/// Reads <c>User.when_created</c> as API v4 answers it: the site's wall-clock time, <c>yyyy-MM-dd HH:mm:ss</c>, without
/// an offset. Anything else (another form, an offset, a zero or impossible date) is unknown, never an exception.
/// </summary>
internal static class StandaloneDates
{
    private const string Format = "yyyy-MM-dd HH:mm:ss";

    /// <summary>Whether <paramref name="text"/> is a wall-clock time in API v4's form (after 1970, as no user is older).</summary>
    public static bool IsSiteTime([NotNullWhen(true)] string? text) => Parse(text) is not null;

    /// <summary>The instant (in UTC) of the wall-clock time <paramref name="text"/> shown at <paramref name="offset"/>, or <see langword="null"/>.</summary>
    public static DateTimeOffset? FromSiteTime(string? text, TimeSpan offset) =>
        Parse(text) is { } local && offset.Ticks % TimeSpan.TicksPerMinute == 0 && offset.Duration() <= TimeSpan.FromHours(14)
            ? new DateTimeOffset(local, offset).ToUniversalTime()
            : null;

    private static DateTime? Parse(string? text) =>
        text is not null && DateTime.TryParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) && local.Year > 1970
            ? DateTime.SpecifyKind(local, DateTimeKind.Unspecified)
            : null;
}
