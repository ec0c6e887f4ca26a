using System.Globalization;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// A date custom field's token (<c>{contact.custom_N}</c> of a field whose HTML type is <c>Select Date</c>) as CiviCRM
/// 6.17.2's token processor prints it: the field's display value (<c>CRM_Core_BAO_CustomField::displayValue</c>), not the
/// site's date formats. The field's own <c>date_format</c> (a date picker format such as <c>mm/dd/yy</c>) picks a PHP
/// <c>date()</c> format (<c>CRM_Utils_Date::datePluginToPHPFormats</c>), its <c>time_format</c> adds the time (1:
/// <c>g:iA</c>, 2: <c>G:i</c>; none: the date alone); a field without a date format, or with one outside that list,
/// prints nothing (PHP's <c>date()</c> of no format). Names are PHP's own English ones in any site language. Checked on the
/// real site (<c>WorkflowMessage.render</c>, recording <c>civicrm-6.17.2-customdates-*</c>). <c>|crmDate</c> on such a
/// token changes nothing (the core keeps the value as it is).
/// </summary>
internal static class CustomDateFields
{
    /// <summary>The HTML type of a date custom field (what <c>displayValue</c> switches on).</summary>
    public const string HtmlType = "Select Date";

    /// <summary>The fields <c>CustomField.get</c> selects for a date field's display.</summary>
    public static readonly string[] Select = ["html_type", "date_format", "time_format"];

    // CRM_Utils_Date::datePluginToPHPFormats (6.17.2).
    private static readonly Dictionary<string, string> PhpFormats = new(StringComparer.Ordinal)
    {
        ["mm/dd/yy"] = "m/d/Y",
        ["dd/mm/yy"] = "d/m/Y",
        ["yy-mm-dd"] = "Y-m-d",
        ["dd-mm-yy"] = "d-m-Y",
        ["dd.mm.yy"] = "d.m.Y",
        ["M d"] = "M j",
        ["M d, yy"] = "M j, Y",
        ["d M yy"] = "j M Y",
        ["MM d, yy"] = "F j, Y",
        ["d MM yy"] = "j F Y",
        ["DD, d MM yy"] = "l, j F Y",
        ["mm/dd"] = "m/d",
        ["dd-mm"] = "d-m",
        ["yy-mm"] = "Y-m",
        ["M yy"] = "M Y",
        ["M Y"] = "M Y",
        ["yy"] = "Y",
    };

    /// <summary>
    /// The PHP <c>date()</c> format a <c>CustomField.get</c> row displays its value with: <see langword="null"/> when the
    /// field is not a date field, empty when it is one that prints nothing (no date format, or one CiviCRM does not know).
    /// </summary>
    public static string? FormatOf(JsonElement field)
    {
        if (field.GetString("html_type") != HtmlType)
        {
            return null;
        }

        if (field.GetString("date_format") is not { Length: > 0 } datePicker || !PhpFormats.TryGetValue(datePicker, out var format))
        {
            return "";
        }

        var time = field.TryGetProperty("time_format", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
            : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var text) ? text : 0;
        return time switch
        {
            1 => format + " g:iA",
            2 => format + " G:i",
            _ => format,
        };
    }

    /// <summary>
    /// The token's text for the field's value in a contact's row (API v4's <c>yyyy-MM-dd</c> or <c>yyyy-MM-dd HH:mm:ss</c>):
    /// the date in <paramref name="format"/>, <see langword="null"/> when the contact has none or the field prints nothing;
    /// a value that is not a date is a problem (never printed).
    /// </summary>
    public static string? Text(JsonElement row, string path, string format, List<string> problems)
    {
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(path, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.AsText() is not { } text)
        {
            problems.Add($"{path} is a JSON {value.ValueKind.ToString().ToLowerInvariant()} where a date was expected");
            return null;
        }

        if (text.Length == 0 || format.Length == 0)
        {
            return null;
        }

        if (CiviDate.TryParse(text) is not { } date)
        {
            problems.Add($"{path} is not a date");
            return null;
        }

        return PhpDate(date, format);
    }

    /// <summary>
    /// PHP's <c>date()</c> with the codes of the formats above (<c>d j m M F l Y g G i A</c>); any other character is
    /// itself. The date is the site's wall clock as API v4 gave it (CiviCRM turns it into a time and back in the same zone).
    /// </summary>
    public static string PhpDate(CiviDate date, string format)
    {
        var builder = new StringBuilder(format.Length + 16);
        foreach (var code in format)
        {
            builder.Append(code switch
            {
                'd' => date.Day.ToString("00", CultureInfo.InvariantCulture),
                'j' => Number(date.Day),
                'm' => date.Month.ToString("00", CultureInfo.InvariantCulture),
                'M' => DateTokens.AbbreviatedMonthNames[date.Month - 1],
                'F' => DateTokens.MonthNames[date.Month - 1],
                'l' => DateTokens.WeekdayNames[(int)date.DayOfWeek],
                // PHP 8.2: at least four digits.
                'Y' => date.Year.ToString("0000", CultureInfo.InvariantCulture),
                'g' => Number(date.Hour % 12 == 0 ? 12 : date.Hour % 12),
                'G' => Number(date.Hour),
                'i' => date.Minute.ToString("00", CultureInfo.InvariantCulture),
                'A' => date.Hour < 12 ? "AM" : "PM",
                _ => code.ToString(),
            });
        }

        return builder.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
