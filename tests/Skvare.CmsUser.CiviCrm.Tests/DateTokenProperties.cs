using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The date tokens' printing against a reference written apart from it (each <c>%</c> code through .NET's own date
/// formatting, English names from <see cref="CultureInfo.InvariantCulture"/>): any date and time of years 1000–9999 in
/// any format of codes, <c>%%</c> followed by any character and text prints the same; and whatever API v4 answers for a date, the read never throws and
/// never prints a value that is not a date (it prints the date, nothing, or notes a problem).
/// </summary>
public sealed class DateTokenProperties
{
    private static readonly DateTimeFormatInfo English = CultureInfo.InvariantCulture.DateTimeFormat;

    private static readonly Gen<DateTime> Moment = Gen.Select(Gen.Int[1000, 9999], Gen.Int[1, 12], Gen.Int[1, 31], Gen.Int[0, 86399])
        .Select((y, m, d, seconds) => new DateTime(y, m, Math.Min(d, DateTime.DaysInMonth(y, m)), 0, 0, 0, DateTimeKind.Unspecified).AddSeconds(seconds));

    private static readonly string[] Pieces =
    [
        "%A", "%a", "%b", "%B", "%d", "%e", "%E", "%f", "%H", "%h", "%I", "%k", "%l", "%m", "%M", "%i", "%p", "%P", "%Y", "%y", "%s", "%S", "%D",
        "%x", "%%", "%", " ", "/", ".", "-", ",", "(", ")", "x", "Y", "é",
    ];

    // "%%" and any character CiviCRM's token syntax allows in an argument, but Z (the server's zone, refused at start):
    // CiviCRM has no escape for %, so it prints "%" and then that character's code, or both characters as they are.
    private const string ArgumentCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYabcdefghijklmnopqrstuvwxyz0123456789_: %-()[]+/#@!,.?";

    private static readonly Gen<string> Format = Gen.OneOf(
            Gen.OneOf(Pieces.Select(Gen.Const).ToArray()),
            Gen.Char[ArgumentCharacters].Select(c => "%%" + c),
            Gen.Char[ArgumentCharacters].Select(c => "%" + c))
        .Array[0, 12].Select(parts => string.Concat(parts));

    [Fact]
    public void Any_date_in_any_format_prints_as_the_reference_computes_it() =>
        Gen.Select(Moment, Format).Sample((moment, format) =>
        {
            var date = new CiviDate(moment.Year, moment.Month, moment.Day, moment.Hour, moment.Minute, moment.Second);
            var printed = DateTokens.CustomFormat(date, format);
            return printed == Reference(moment, format);
        }, iter: 3000);

    [Fact]
    public void Any_date_token_prints_its_date_or_nothing_and_never_throws_whatever_the_answer_holds()
    {
        var answer = Gen.OneOf(
            Moment.Select(m => (object?)m.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            Moment.Select(m => (object?)m.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
            Gen.String.Select(s => (object?)s),
            Gen.OneOf(new object?[] { null, "", 19850704, true, new[] { 1 }, "2000-02-30", "0000-00-00", "secret-api-key", "2000-02-29T00:00:00" }.Select(Gen.Const).ToArray()));
        string[] fields = ["birth_date", "birth_date|crmDate", "birth_date|crmDate:\"Full\"", "birth_date|crmDate:\"%Y%m%d\"", "birth_date|crmDate:\"shortdate\""];

        Gen.Select(answer, Gen.OneOf(fields.Select(Gen.Const).ToArray())).Sample((value, field) =>
        {
            using var row = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object?> { ["birth_date"] = value }));
            var problems = new List<string>();
            var printed = DateTokens.Text(row.RootElement, field, null, problems);

            if (value is string text && CiviDate.TryParse(text) is { } date)
            {
                return printed == DateTokens.Print(date, field, DateTokens.SiteDateFormats.Default) && problems.Count == 0;
            }

            // Not a date: nothing printed, and only an answer that is something (not null or empty) is a problem; the
            // problem names the field, never the value.
            return printed is null && (value is null or "" ? problems.Count == 0 : problems.Count == 1 && !problems[0].Contains("secret", StringComparison.Ordinal));
        }, iter: 2000);
    }

    /// <summary>CiviCRM's <c>customFormat</c> computed apart: a code at a time with .NET's formats, left to right.</summary>
    private static string Reference(DateTime moment, string format)
    {
        format = format.Replace("%D", "%m/%d/%y", StringComparison.Ordinal);
        if (format.Length == 0 || format == "0")
        {
            format = "%B %E%f, %Y %l:%M %P";
        }

        var output = new StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var piece = i + 1 < format.Length && format[i] == '%' ? Piece(moment, format[i + 1]) : null;
            output.Append(piece ?? format[i].ToString());
            i += piece is null ? 1 : 2;
        }

        return output.ToString();
    }

    private static string? Piece(DateTime moment, char code)
    {
        string F(string f) => moment.ToString(f, English);
        return code switch
        {
            'A' => F("dddd"),
            'a' => F("ddd"),
            'b' => F("MMM"),
            'B' => F("MMMM"),
            'd' => F("dd"),
            'e' => F("%d").PadLeft(2),
            'E' => F("%d"),
            'f' => (moment.Day is 11 or 12 or 13) ? "th" : (moment.Day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" },
            'H' => F("HH"),
            'h' or 'I' => F("hh"),
            'k' => F("%H").PadLeft(2),
            'l' => F("%h").PadLeft(2),
            'm' => F("MM"),
            'M' or 'i' => F("mm"),
            'p' => F("tt").ToLowerInvariant(),
            'P' => F("tt"),
            'Y' => F("yyyy"),
            'y' => F("yy"),
            's' or 'S' => F("ss"),
            _ => null,
        };
    }
}
