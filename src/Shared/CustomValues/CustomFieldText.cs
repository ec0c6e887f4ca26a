using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// A custom field's value as CiviCRM 6.17.2's token processor prints it in a plain-text message. The display value
/// (<c>CRM_Core_BAO_CustomField::displayValue</c>: a money or decimal field written with the site's separators,
/// <see cref="CiviNumber"/>; a note through <c>nl2br</c>; a link as an <c>&lt;a&gt;</c>) goes in as HTML
/// (<c>Civi\Token\TokenRow::customToken</c>) and comes out through <c>CRM_Utils_String::htmlToText</c>
/// (<see cref="HtmlText"/>), whose converter starts with <c>$html = trim($html); if (!$html)</c>: a value that PHP's
/// <c>trim()</c> leaves empty or <c>0</c> prints nothing, whatever the field's type (text, whole number, decimal <c>0</c>,
/// a note, an option or yes/no label <c>0</c>, <c>" 0 "</c>, <c>"\t0\n"</c>). <c>00</c>, <c>0.0</c>, <c>-0</c> and a money
/// field's <c>0.00</c> print. A link (<c>Link</c>) that PHP finds true is printed as it is (<c>customToken</c> keeps its
/// plain text), and one that it finds false (<c>0</c>) prints nothing. Checked on the real site (recordings
/// <c>civicrm-6.17.2-filters-*</c> and <c>civicrm-6.17.2-money-*</c>).
/// </summary>
/// <remarks>
/// A value that prints is converted as that converter converts HTML: entities decoded (<c>Tom &amp;amp; Jerry</c> prints
/// <c>Tom &amp; Jerry</c>), tags dropped (<c>&lt;b&gt;x&lt;/b&gt;</c> prints <c>x</c>), non-breaking spaces as spaces,
/// zero-width non-joiners gone, each run of white space one space and the ends trimmed (<c>" a  b "</c> prints
/// <c>a b</c>); a note keeps its line breaks (one each, blank lines at most two; <c>"0\n"</c> prints <c>0</c>).
/// </remarks>
internal static partial class CustomFieldText
{
    /// <summary>The custom fields' HTML types that <see cref="Printed"/> treats apart.</summary>
    public const string Link = "Link", TextArea = "TextArea", Text = "Text";

    /// <summary>The data types of a money and a decimal field, which an HTML type <c>Text</c> prints with the site's separators.</summary>
    public const string Money = "Money", Float = "Float";

    /// <summary>The display value as the token processor prints it: <see langword="null"/> when it prints nothing.</summary>
    /// <param name="display">The field's value as API v4 answers it (its text, a number's JSON text, its label or labels joined), or <see langword="null"/>.</param>
    /// <param name="htmlType">The field's <c>html_type</c>.</param>
    /// <param name="dataType">The field's <c>data_type</c>.</param>
    /// <param name="separators">The site's separators for a money or decimal field (<see langword="null"/>: CiviCRM's defaults).</param>
    public static string? Printed(string? display, string? htmlType, string? dataType, CiviNumber.Separators? separators = null)
    {
        if (display is null)
        {
            return null;
        }

        if (htmlType == Link)
        {
            return PhpTruth.IsTrue(display) ? display : null;
        }

        if (htmlType == Text && dataType is Money or Float && display.Length > 0)
        {
            display = NumberDisplay(display, dataType, separators ?? CiviNumber.Separators.Default) ?? display;
        }
        else if (htmlType == TextArea)
        {
            // nl2br: a <br /> before each line break.
            display = LineBreak().Replace(display, "<br />$0");
        }

        var text = HtmlText.Convert(display);
        return text.Length == 0 ? null : text;
    }

    /// <summary>A money or decimal field's display, from API v4's value (a JSON number's text, or text).</summary>
    private static string? NumberDisplay(string value, string dataType, CiviNumber.Separators separators)
    {
        // API v4 hands PHP a float: PHP writes it with 14 significant digits before formatting it.
        if (CiviNumber.Parse(value) is null)
        {
            return null;
        }

        var phpText = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? CiviNumber.PhpText(number)
            : value;
        return dataType == Money ? CiviNumber.Money(phpText, separators) : CiviNumber.Decimal(phpText, separators);
    }

    [GeneratedRegex("\r\n|\n\r|\n|\r", RegexOptions.CultureInvariant)]
    private static partial Regex LineBreak();
}
