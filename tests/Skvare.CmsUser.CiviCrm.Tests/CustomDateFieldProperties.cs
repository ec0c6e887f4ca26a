using System.Globalization;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A date custom field's display against a reference written apart from it: each of CiviCRM 6.17.2's date picker formats
/// as a .NET format (English names from <see cref="CultureInfo.InvariantCulture"/>), with the time added as the field's
/// time format says; any date and time of years 1–9999 prints the same; a field without a date format, or with any other
/// text as one, prints nothing; and whatever API v4 answers for the value, the read never throws and never prints what
/// is not a date.
/// </summary>
public sealed class CustomDateFieldProperties
{
    // CRM_Utils_Date::datePluginToPHPFormats, written as .NET formats.
    private static readonly Dictionary<string, string> Reference = new(StringComparer.Ordinal)
    {
        ["mm/dd/yy"] = "MM'/'dd'/'yyyy", ["dd/mm/yy"] = "dd'/'MM'/'yyyy", ["yy-mm-dd"] = "yyyy-MM-dd", ["dd-mm-yy"] = "dd-MM-yyyy",
        ["dd.mm.yy"] = "dd.MM.yyyy", ["M d"] = "MMM d", ["M d, yy"] = "MMM d, yyyy", ["d M yy"] = "d MMM yyyy",
        ["MM d, yy"] = "MMMM d, yyyy", ["d MM yy"] = "d MMMM yyyy", ["DD, d MM yy"] = "dddd, d MMMM yyyy", ["mm/dd"] = "MM'/'dd",
        ["dd-mm"] = "dd-MM", ["yy-mm"] = "yyyy-MM", ["M yy"] = "MMM yyyy", ["M Y"] = "MMM yyyy", ["yy"] = "yyyy",
    };

    private static readonly Gen<DateTime> Moment = Gen.Select(Gen.Int[1, 9999], Gen.Int[1, 12], Gen.Int[1, 31], Gen.Int[0, 86399])
        .Select((y, m, d, seconds) => new DateTime(y, m, Math.Min(d, DateTime.DaysInMonth(y, m)), 0, 0, 0, DateTimeKind.Unspecified).AddSeconds(seconds));

    private static readonly Gen<string?> DateFormat = Gen.OneOf(
        Gen.OneOf(Reference.Keys.Select(Gen.Const).ToArray()).Select(f => (string?)f),
        Gen.OneOf(new string?[] { null, "", "mm-dd-yy", "MM/DD/YY" }.Select(Gen.Const).ToArray()),
        Gen.String[0, 12].Select(s => (string?)s));

    private static readonly Gen<object?> TimeFormat = Gen.OneOf(new object?[] { null, 0, 1, 2, "2", 7 }.Select(Gen.Const).ToArray());

    [Fact]
    public void Any_date_in_any_field_format_prints_as_the_reference_computes_it() =>
        Gen.Select(Moment, DateFormat, TimeFormat).Sample((moment, dateFormat, timeFormat) =>
        {
            using var field = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["html_type"] = "Select Date", ["date_format"] = dateFormat, ["time_format"] = timeFormat,
            }));
            var format = CustomDateFields.FormatOf(field.RootElement);
            var time = timeFormat switch { 1 => " h:mmtt", 2 or "2" => " H:mm", _ => "" };
            var expected = dateFormat is not null && Reference.TryGetValue(dateFormat, out var net)
                ? moment.ToString(time.Length == 0 ? net : net + time, CultureInfo.InvariantCulture)
                : null;
            // API v4 answers a field without a time format as a date, one with as a date and time.
            var value = moment.ToString(time.Length == 0 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

            using var row = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object?> { ["g.f"] = value }));
            var problems = new List<string>();
            return format is not null && CustomDateFields.Text(row.RootElement, "g.f", format, problems) == expected && problems.Count == 0;
        }, iter: 3000);

    [Fact]
    public void A_field_that_is_not_a_date_field_has_no_date_format() =>
        Gen.Select(Gen.OneOf(Gen.Const("Text"), Gen.Const("Select"), Gen.Const("CheckBox"), Gen.String[0, 12]), DateFormat).Sample((html, dateFormat) =>
        {
            using var field = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object?> { ["html_type"] = html, ["date_format"] = dateFormat }));
            return html == "Select Date" || CustomDateFields.FormatOf(field.RootElement) is null;
        });

    [Fact]
    public void Whatever_API_v4_answers_for_the_value_the_read_prints_its_date_or_nothing_and_never_throws()
    {
        var answer = Gen.OneOf(
            Moment.Select(m => (object?)m.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
            Gen.String.Select(s => (object?)s),
            Gen.OneOf(new object?[] { null, "", 20000229, true, new[] { 1 }, "2000-02-30", "0000-00-00 00:00:00", "secret-api-key" }.Select(Gen.Const).ToArray()));

        answer.Sample(value =>
        {
            using var row = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object?> { ["g.f"] = value }));
            var problems = new List<string>();
            var printed = CustomDateFields.Text(row.RootElement, "g.f", "m/d/Y g:iA", problems);

            if (value is string text && CiviDate.TryParse(text) is { } date)
            {
                return printed == CustomDateFields.PhpDate(date, "m/d/Y g:iA") && problems.Count == 0;
            }

            return printed is null && (value is null or "" ? problems.Count == 0 : problems.Count == 1 && !problems[0].Contains("secret", StringComparison.Ordinal));
        }, iter: 2000);
    }
}
