using System.Text.RegularExpressions;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// Whether CiviCRM 6.17.2's token processor prints a custom field's display value in a plain-text message at all. The
/// value goes in as HTML (<c>Civi\Token\TokenRow::customToken</c>) and comes out through
/// <c>CRM_Utils_String::htmlToText</c>, whose HTML-to-text converter (<c>Soundasleep\Html2Text::convert</c>) starts with
/// <c>$html = trim($html); if (!$html)</c>: a value that PHP's <c>trim()</c> leaves empty or <c>0</c> prints nothing,
/// whatever the field's type (text, whole number, decimal number <c>0</c>, a note, an option or yes/no label <c>0</c>,
/// <c>" 0 "</c>, <c>"\t0\n"</c>). <c>00</c>, <c>0.0</c>, <c>-0</c> and a money field's <c>0.00</c> print. Two HTML types
/// differ: a note (<c>TextArea</c>) goes through <c>nl2br</c> first, so one with a line break (<c>"0\n"</c>) prints; a
/// link (<c>Link</c>) that PHP finds true is printed as it is (<c>customToken</c> keeps its plain text), and one that it
/// finds false (<c>0</c>) prints nothing. A money field is never empty there (CiviCRM prints <c>0.00</c>). Checked on the
/// real site (recording <c>civicrm-6.17.2-filters-*</c>).
/// </summary>
/// <remarks>
/// A value that prints is converted as that converter converts plain text: non-breaking spaces become spaces,
/// zero-width non-joiners go, each run of white space becomes one space and the ends are trimmed (<c>" a  b "</c>
/// prints <c>a b</c>; a non-breaking space and <c>0</c> prints <c>0</c>, which <c>|default</c> then replaces); a note
/// keeps its line breaks (one each, blank lines at most two; <c>"0\n"</c> prints <c>0</c>). Not repeated: what the
/// converter does with markup (entities such as <c>&amp;amp;</c> decoded, tags dropped) and the site's number formats
/// for decimal and money fields (<c>1,234.5</c>, <c>0.00</c>): such a value prints here as API v4 answers it.
/// </remarks>
internal static partial class CustomFieldText
{
    /// <summary>The custom fields' HTML types that <see cref="Printed"/> treats apart.</summary>
    public const string Link = "Link", TextArea = "TextArea";

    /// <summary>The data type of a money field, which CiviCRM prints with its decimals (never as <c>0</c>).</summary>
    public const string Money = "Money";

    /// <summary>The display value as the token processor prints it: <see langword="null"/> when it prints nothing.</summary>
    /// <param name="display">The field's display value (its text, label or labels joined), or <see langword="null"/>.</param>
    /// <param name="htmlType">The field's <c>html_type</c>.</param>
    /// <param name="dataType">The field's <c>data_type</c>.</param>
    public static string? Printed(string? display, string? htmlType, string? dataType)
    {
        if (display is null || dataType == Money)
        {
            return display;
        }

        if (htmlType == Link)
        {
            return display is "" or "0" ? null : display;
        }

        // PHP's trim(): space, tab, line feed, carriage return, NUL and vertical tab.
        var trimmed = display.AsSpan().Trim(PhpTrimmed);
        if (htmlType == TextArea && display.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            // nl2br: a <br /> before each line break, which the conversion prints as one; blank lines at most two.
            var lines = string.Join('\n', LineBreak().Split(display).Select(line => Converted(line).Trim(' ')));
            var text = ExtraBlankLines().Replace(lines, "\n\n").Trim(PhpTrimmed);
            return text.Length == 0 ? null : text;
        }

        if (trimmed.IsEmpty || trimmed is "0")
        {
            return null;
        }

        var converted = Converted(display).Trim(PhpTrimmed);
        return converted.Length == 0 ? null : converted;
    }

    private static readonly char[] PhpTrimmed = [' ', '\t', '\n', '\r', '\0', '\v'];

    /// <summary>Html2Text's text node: non-breaking spaces become spaces, zero-width non-joiners go, white space runs become one space.</summary>
    private static string Converted(string text) => WhiteSpace().Replace(text.Replace('\u00A0', ' ').Replace("\u200C", "", StringComparison.Ordinal), " ");

    [GeneratedRegex("[\t\n\f\r ]+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();

    [GeneratedRegex("\r\n|\n\r|\n|\r", RegexOptions.CultureInvariant)]
    private static partial Regex LineBreak();

    [GeneratedRegex("\n\n\n+", RegexOptions.CultureInvariant)]
    private static partial Regex ExtraBlankLines();
}
