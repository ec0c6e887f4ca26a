namespace Skvare.CmsUser.Shared;

/// <summary>
/// PHP's truth of a string, as CiviCRM's token filters (<c>|default</c>, <c>|boolean</c>) and its HTML-to-text converter
/// (<c>if (!$html)</c>) test a value: false for <see langword="null"/>, the empty string and <c>"0"</c>; true for anything
/// else, <c>"00"</c>, <c>"0.0"</c>, <c>" 0"</c> and <c>"false"</c> included.
/// </summary>
internal static class PhpTruth
{
    /// <summary>Whether PHP finds <paramref name="value"/> true.</summary>
    public static bool IsTrue(string? value) => !string.IsNullOrEmpty(value) && value != "0";
}
