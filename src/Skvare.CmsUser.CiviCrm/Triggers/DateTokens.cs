using System.Globalization;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// The contact's date tokens as CiviCRM 6.17.2's token processor prints them. The core hands each as a field named
/// <c>birth_date</c> (no filter), <c>birth_date|crmDate</c> or <c>birth_date|crmDate:"…"</c>; the read selects the date
/// itself in the same <c>Contact.get</c> and prints it here:
/// <list type="bullet">
/// <item>no filter: a date at midnight (every <c>birth_date</c> and <c>deceased_date</c>) with the site's
/// <c>dateformatFull</c>, any other time with <c>dateformatDatetime</c> (<c>TokenProcessor::filterTokenValue</c>);</item>
/// <item><c>|crmDate</c>: the date as <c>Y-m-d H:i:s</c> with no format, so <c>dateformatDatetime</c>
/// (<c>CRM_Utils_Date::customFormat</c>: longer than 10 characters); <c>|crmDate:"Full"</c> and the other names: the
/// site's <c>dateformat</c> + name; any other argument: itself, a pattern of <c>%</c> codes;</item>
/// <item>an empty date: nothing, whatever the filter.</item>
/// </list>
/// The site's formats and language (<c>lcMessages</c>) are read once per process with one <c>Setting.get</c>, and only
/// when a token needs them. Month and weekday names are English as CiviCRM prints them for <c>en_US</c> (ICU's);
/// CiviCRM prints them in the site's language otherwise, which the SDK does not reproduce: a site in another language
/// whose token prints a name fails the read with a message instead of giving other names (another English passes but
/// for month abbreviations, <see cref="EnglishNamesMatch"/>).
/// </summary>
internal static class DateTokens
{
    private const string FilterMark = "|crmDate";

    /// <summary>The contact's date fields offered as tokens (the core's list).</summary>
    private static readonly string[] Fields = ["birth_date", "deceased_date", "created_date", "modified_date"];

    /// <summary>CiviCRM 6.17.2's defaults (<c>settings/Localization.setting.php</c>), by the name <c>|crmDate</c> takes.</summary>
    private static readonly Dictionary<string, string> Defaults = new(StringComparer.Ordinal)
    {
        ["Datetime"] = "%B %E%f, %Y %l:%M %P",
        ["Full"] = "%B %E%f, %Y",
        ["Partial"] = "%B %Y",
        ["Time"] = "%l:%M %P",
        ["Year"] = "%Y",
        ["FinancialBatch"] = "%m/%d/%Y",
        ["shortdate"] = "%m/%d/%Y",
    };

    /// <summary>The contact's date fields this package prints (held against the core's list by a test: the two must not drift).</summary>
    public static IReadOnlyList<string> TokenFields => Fields;

    /// <summary>The names <c>|crmDate</c> takes that this package prints with a site setting (held against the core's list by a test).</summary>
    public static IReadOnlyCollection<string> NamedFormats => Defaults.Keys;

    private const string SettingPrefix = "dateformat";
    private const string LocaleSetting = "lcMessages";

    /// <summary>The API v4 field a date token's field reads, or <see langword="null"/> when the field is not a date token.</summary>
    public static string? PathOf(string field)
    {
        var bar = field.IndexOf('|', StringComparison.Ordinal);
        var name = bar < 0 ? field : field[..bar];
        return Array.IndexOf(Fields, name) >= 0 && (bar < 0 || field.AsSpan(bar).StartsWith(FilterMark, StringComparison.Ordinal)) ? name : null;
    }

    /// <summary>Whether the fields name a date token that needs the site's formats or language (one <c>Setting.get</c>).</summary>
    public static bool NeedSettings(IEnumerable<string> fields) =>
        fields.Any(f => PathOf(f) is not null && (Argument(f) is not { } argument || Defaults.ContainsKey(argument) || HasNames(argument)));

    /// <summary>The read of the site's date formats and language.</summary>
    public static Api4Params SettingsQuery() =>
        new Api4Params().WithSelect([.. Defaults.Keys.Select(n => SettingPrefix + n), LocaleSetting]);

    /// <summary>The site's formats from <c>Setting.get</c>'s rows (a missing or non-text value: CiviCRM's default).</summary>
    public static SiteDateFormats ReadSettings(IReadOnlyList<JsonElement> rows)
    {
        var formats = new Dictionary<string, string>(Defaults, StringComparer.Ordinal);
        var locale = "en_US";
        foreach (var row in rows)
        {
            if (row.ValueKind != JsonValueKind.Object || row.GetString("name") is not { } name || !row.TryGetProperty("value", out var value))
            {
                continue;
            }

            var text = value.ValueKind == JsonValueKind.String ? value.AsText() : null;
            if (name == LocaleSetting && !string.IsNullOrEmpty(text))
            {
                locale = text;
            }
            else if (name.StartsWith(SettingPrefix, StringComparison.Ordinal) && formats.ContainsKey(name[SettingPrefix.Length..]))
            {
                // CiviCRM reads an empty setting as no format (then the date's own shape picks one).
                formats[name[SettingPrefix.Length..]] = value.ValueKind == JsonValueKind.Null ? "" : text ?? formats[name[SettingPrefix.Length..]];
            }
        }

        return new SiteDateFormats(formats, locale);
    }

    /// <summary>
    /// Checks the fields' date tokens against the site's formats: a format that prints the server's time zone
    /// (<c>%Z</c>), or names on a site whose language is not <c>en_US</c>, fails with a configuration error naming the token.
    /// </summary>
    /// <exception cref="CiviCrmApiException">A token's format cannot be printed as CiviCRM prints it.</exception>
    public static void Check(SiteDateFormats site, IEnumerable<string> fields)
    {
        foreach (var field in fields.Where(f => PathOf(f) is not null))
        {
            foreach (var format in site.FormatsOf(field))
            {
                if (format.Contains("%Z", StringComparison.Ordinal))
                {
                    throw new CiviCrmApiException(FailureKind.Configuration,
                        $"The date token {{contact.{field}}} prints with the site's date format '{format}', whose %Z is the CiviCRM server's time zone name, which cmsuser cannot reproduce. Give the token a format of its own, e.g. |crmDate:\"%Y-%m-%d\".",
                        "Setting", "get");
                }

                if (!EnglishNamesMatch(site.Locale, format))
                {
                    throw new CiviCrmApiException(FailureKind.Configuration,
                        $"The date token {{contact.{field}}} prints month or weekday names (format '{format}'), which CiviCRM prints in the site's language ({site.Locale}) and cmsuser only in US English, so the text would differ from CiviCRM's. Give the token a format of numbers, e.g. |crmDate:\"%d.%m.%Y\".",
                        "Setting", "get");
                }
            }
        }
    }

    /// <summary>
    /// The token's text for a contact's row: the date printed, <see langword="null"/> when the contact has none; a value
    /// that is not an API v4 date is a problem (never printed).
    /// </summary>
    public static string? Text(JsonElement row, string field, SiteDateFormats? site, List<string> problems)
    {
        var path = PathOf(field)!;
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(path, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.AsText() is not { } text)
        {
            problems.Add($"{path} is a JSON {value.ValueKind.ToString().ToLowerInvariant()} where a date was expected");
            return null;
        }

        if (text.Length == 0)
        {
            return null;
        }

        if (CiviDate.TryParse(text) is not { } date)
        {
            problems.Add($"{path} is not a date");
            return null;
        }

        return Print(date, field, site ?? SiteDateFormats.Default);
    }

    /// <summary>The token's text for a date, as CiviCRM prints it with these site formats.</summary>
    public static string Print(CiviDate date, string field, SiteDateFormats site)
    {
        var argument = Argument(field);
        var format = argument is null
            ? field.EndsWith(FilterMark, StringComparison.Ordinal) || !date.IsMidnight ? "" : site.Named("Full")
            : site.Formats.TryGetValue(argument, out var named) ? named : argument;
        return CustomFormat(date, format, site);
    }

    /// <summary>
    /// <c>CRM_Utils_Date::customFormat</c> of <c>Y-m-d H:i:s</c> text: <c>%D</c> is <c>%m/%d/%y</c>; an empty format is
    /// <c>dateformatDatetime</c> (the text is longer than 10 characters); each <c>%</c> code is replaced once, left to
    /// right (PHP's <c>strtr</c>), an unknown one stays as it is.
    /// </summary>
    public static string CustomFormat(CiviDate date, string format, SiteDateFormats? site = null)
    {
        format = format.Replace("%D", "%m/%d/%y", StringComparison.Ordinal);
        if (!PhpTruth.IsTrue(format))
        {
            // PHP's !$format.
            format = (site ?? SiteDateFormats.Default).Named("Datetime").Replace("%D", "%m/%d/%y", StringComparison.Ordinal);
        }

        var hour12 = date.Hour % 12 == 0 ? 12 : date.Hour % 12;
        var builder = new StringBuilder(format.Length + 16);
        for (var i = 0; i < format.Length; i++)
        {
            var code = format[i] == '%' && i + 1 < format.Length ? Code(format[i + 1], date, hour12) : null;
            if (code is null)
            {
                builder.Append(format[i]);
                continue;
            }

            builder.Append(code);
            i++;
        }

        return builder.ToString();
    }

    private static string? Code(char letter, CiviDate date, int hour12) => letter switch
    {
        'A' => WeekdayNames[(int)date.DayOfWeek],
        'a' => WeekdayNames[(int)date.DayOfWeek][..3],
        'b' => AbbreviatedMonthNames[date.Month - 1],
        'B' => MonthNames[date.Month - 1],
        'd' => Two(date.Day, '0'),
        'e' => Two(date.Day, ' '),
        'E' => Number(date.Day),
        'f' => date.Day % 10 == 1 && date.Day != 11 ? "st" : date.Day % 10 == 2 && date.Day != 12 ? "nd" : date.Day % 10 == 3 && date.Day != 13 ? "rd" : "th",
        'H' => Two(date.Hour, '0'),
        'h' or 'I' => Two(hour12, '0'),
        'k' => Two(date.Hour, ' '),
        'l' => Two(hour12, ' '),
        'm' => Two(date.Month, '0'),
        'M' or 'i' => Two(date.Minute, '0'),
        'p' => date.Hour < 12 ? "am" : "pm",
        'P' => date.Hour < 12 ? "AM" : "PM",
        'Y' => Number(date.Year),
        // PHP's substr((string) $year, 2).
        'y' => Number(date.Year) is { Length: > 2 } year ? year[2..] : "",
        's' or 'S' => Two(date.Second, '0'),
        _ => null,
    };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Two(int value, char pad) => value > 9 ? Number(value) : pad + Number(value);

    /// <summary>The filter's argument (<c>Full</c>, <c>%Y</c>), or <see langword="null"/> without one.</summary>
    private static string? Argument(string field)
    {
        var start = field.IndexOf(FilterMark + ":\"", StringComparison.Ordinal);
        return start < 0 || field[^1] != '"' ? null : field[(start + FilterMark.Length + 2)..^1];
    }

    /// <summary>
    /// Whether CiviCRM prints the format's names as the SDK does in this language: any name in <c>en_US</c>; in another
    /// English (<c>en_GB</c>, <c>en_AU</c>, …) the same full month and weekday names and weekday abbreviations, but not
    /// always the same month abbreviations (ICU 72: <c>Sept</c>, <c>June</c>); none in any other language.
    /// </summary>
    private static bool EnglishNamesMatch(string locale, string format) =>
        locale == "en_US" || !HasNames(format)
        || ((locale == "en" || locale.StartsWith("en_", StringComparison.Ordinal)) && !format.Contains("%b", StringComparison.Ordinal));

    private static bool HasNames(string format) =>
        format.Contains("%A", StringComparison.Ordinal) || format.Contains("%a", StringComparison.Ordinal)
        || format.Contains("%B", StringComparison.Ordinal) || format.Contains("%b", StringComparison.Ordinal);

    // ICU's en_US names (CRM_Utils_Date::getFullMonthNames and the others, IntlDateFormatter 'MMMM', 'MMM', 'EEEE', 'E'),
    // which are also PHP date()'s own ('F', 'M', 'l': CustomDateFields).
    internal static readonly string[] MonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    internal static readonly string[] AbbreviatedMonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    internal static readonly string[] WeekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    /// <summary>The site's date formats (by <c>|crmDate</c>'s names) and language, as read once per process.</summary>
    internal sealed record SiteDateFormats(IReadOnlyDictionary<string, string> Formats, string Locale)
    {
        /// <summary>CiviCRM's defaults in <c>en_US</c>.</summary>
        public static SiteDateFormats Default { get; } = new(Defaults, "en_US");

        /// <summary>A named format's pattern.</summary>
        public string Named(string name) => Formats[name];

        /// <summary>Every format the field's token may print with (a check at the settings' read).</summary>
        public IEnumerable<string> FormatsOf(string field)
        {
            var argument = Argument(field);
            if (argument is null)
            {
                if (!field.EndsWith(FilterMark, StringComparison.Ordinal))
                {
                    yield return Named("Full");
                }

                yield return Named("Datetime");
            }
            else
            {
                var format = Formats.TryGetValue(argument, out var named) ? named : argument;
                yield return PhpTruth.IsTrue(format) ? format : Named("Datetime");
            }
        }
    }
}

/// <summary>A date or date-time as API v4 answers it (<c>yyyy-MM-dd</c> or <c>yyyy-MM-dd HH:mm:ss</c>, the site's wall clock).</summary>
internal readonly record struct CiviDate(int Year, int Month, int Day, int Hour, int Minute, int Second)
{
    /// <summary>Whether the time is 00:00:00 (CiviCRM then prints the token with the site's full date format).</summary>
    public bool IsMidnight => Hour == 0 && Minute == 0 && Second == 0;

    /// <summary>The day of the week (the proleptic Gregorian calendar, as PHP's).</summary>
    public DayOfWeek DayOfWeek => new DateOnly(Year, Month, Day).DayOfWeek;

    /// <summary>The date of API v4 text, or <see langword="null"/> when it is not one.</summary>
    public static CiviDate? TryParse(string text)
    {
        string[] shapes = ["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"];
        return DateTime.TryParseExact(text, shapes, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? new CiviDate(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second)
            : null;
    }
}
