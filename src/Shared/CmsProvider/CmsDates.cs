using System.Globalization;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Reads the date a CMS says it created an account (<see cref="CmsAccount.CreatedAt"/>) from its answer: ISO 8601 text
/// with an offset (WordPress <c>registered_date</c>, Drupal <c>created</c>), the same without an offset or with a space
/// (Joomla <c>registerDate</c>: UTC), or Unix seconds (Drupal 7, Backdrop <c>created</c>). Anything else is unknown
/// (<see langword="null"/>), never an exception: a date read wrong would prove too much, a missing one proves nothing.
/// </summary>
internal static class CmsDates
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>ISO 8601 text as an instant; text without an offset is UTC (as the CMSs store it).</summary>
    public static DateTimeOffset? FromText(string? text) =>
        text is not null && DateTimeOffset.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            && at.Year > 1970
            ? at
            : null;

    /// <summary>Unix seconds (a JSON number or its text) as an instant; 0 and negative values are unknown.</summary>
    public static DateTimeOffset? FromUnixSeconds(string? text) =>
        text is not null && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > 0 and < 253402300800L
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
