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
/// finds false (<c>0</c>) prints nothing. Checked on the real site (recording <c>civicrm-6.17.2-filters-*</c>).
/// </summary>
/// <remarks>
/// The rest of that conversion (white space runs become one space, the ends are trimmed, entities are decoded, tags are
/// dropped) is not repeated: such a value prints here as the field holds it.
/// </remarks>
internal static class CustomFieldText
{
    /// <summary>The custom fields' HTML types that <see cref="Printed"/> treats apart.</summary>
    public const string Link = "Link", TextArea = "TextArea";

    /// <summary>The display value as the token processor prints it: <see langword="null"/> when it prints nothing.</summary>
    /// <param name="display">The field's display value (its text, label or labels joined), or <see langword="null"/>.</param>
    /// <param name="htmlType">The field's <c>html_type</c>.</param>
    public static string? Printed(string? display, string? htmlType)
    {
        if (display is null)
        {
            return null;
        }

        if (htmlType == Link)
        {
            return display is "" or "0" ? null : display;
        }

        if (htmlType == TextArea && display.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return display;
        }

        // PHP's trim(): space, tab, line feed, carriage return, NUL and vertical tab.
        var trimmed = display.AsSpan().Trim(" \t\n\r\0\v");
        return trimmed.IsEmpty || trimmed is "0" ? null : display;
    }
}
