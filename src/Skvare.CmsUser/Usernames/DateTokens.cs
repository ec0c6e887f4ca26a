using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Usernames;

/// <summary>
/// CiviCRM's date tokens of a contact (<c>{contact.birth_date}</c>, <c>{contact.deceased_date}</c>,
/// <c>{contact.created_date}</c>, <c>{contact.modified_date}</c>) and the one filter CiviCRM 6.17.2 lets them take,
/// <c>|crmDate</c> (bare, with a named format such as <c>"Full"</c> or <c>"shortdate"</c>, or with a pattern such as
/// <c>"%Y"</c>). CiviCRM's token processor turns their value into a date and prints it with the site's date formats
/// (<c>Civi\Token\TokenProcessor::filterTokenValue</c>, <c>smarty_modifier_crmDate</c>, <c>CRM_Utils_Date::customFormat</c>),
/// which API v4's ISO text is not; so the token is handed to the contact read as a field whose name carries the filter
/// (<c>birth_date|crmDate:"%Y"</c>), and the CiviCRM package prints it as CiviCRM does.
/// </summary>
/// <remarks>
/// Refused at start, because CiviCRM's output cannot be reproduced or is an error: any other filter on a date
/// (<c>|upper</c>, <c>|default:"…"</c>: CiviCRM 6.17.2 stops the whole message with a PHP error once a contact has the
/// date), <c>|crmDate</c> on a token that is not a date (but for a custom field, <see cref="CheckOnCustomField"/>), <c>|crmDate:"Timestamp"</c> and <c>%Z</c> (the server's time
/// zone), an empty argument or more than one (CiviCRM: "Malformed token parameters"), and an argument with a character
/// CiviCRM's token syntax does not allow (CiviCRM then does not see a token at all).
/// </remarks>
internal static partial class DateTokens
{
    /// <summary>The filter's name.</summary>
    public const string Filter = "crmDate";

    /// <summary>The contact's date fields CiviCRM offers as tokens (<c>CRM_Contact_Tokens::getExposedFields</c>), read under the same API v4 names.</summary>
    public static IReadOnlyCollection<string> Fields { get; } = ["birth_date", "deceased_date", "created_date", "modified_date"];

    /// <summary>The named formats <c>|crmDate</c> takes, each read from the site's setting <c>dateformat</c> + name.</summary>
    public static IReadOnlyCollection<string> NamedFormats { get; } = ["Datetime", "Full", "Partial", "Time", "Year", "FinancialBatch", "shortdate"];

    /// <summary>
    /// The field a date token reads: the field itself without a filter, else <c>field|crmDate</c> or
    /// <c>field|crmDate:"argument"</c>.
    /// </summary>
    /// <param name="pattern">The whole pattern, for the message.</param>
    /// <param name="field">The date field (one of <see cref="Fields"/>).</param>
    /// <param name="filter">The text after the token's <c>|</c>, or <see langword="null"/>.</param>
    /// <exception cref="CmsUserConfigurationException">The filter is not one CiviCRM prints a date with, or cannot be reproduced.</exception>
    public static string Key(string pattern, string field, string? filter)
    {
        if (filter is null)
        {
            return field;
        }

        var trimmed = filter.Trim();
        if (trimmed == Filter)
        {
            return field + "|" + Filter;
        }

        if (!trimmed.StartsWith(Filter + ":", StringComparison.Ordinal))
        {
            throw new CmsUserConfigurationException(
                $"The pattern '{pattern}' uses '{{contact.{field}|{trimmed}}}': a date takes only CiviCRM's |crmDate filter (CiviCRM 6.17.2 stops the whole message with an error for any other once a contact has the date). "
                + $"Write {{contact.{field}}}, {{contact.{field}|crmDate:\"Full\"}} or a pattern such as {{contact.{field}|crmDate:\"%Y\"}}.");
        }

        var format = Argument(pattern, field, trimmed);
        if (format == "Timestamp" || format.Contains("%Z", StringComparison.Ordinal))
        {
            // CiviCRM has no escape for %: "%%Z" prints "%" and the zone's name (checked on 6.17.2: "%UTC").
            throw new CmsUserConfigurationException(
                $"The pattern '{pattern}' uses '{{contact.{field}|{trimmed}}}': what CiviCRM prints for it depends on the CiviCRM server's time zone (a Unix time, or the zone's name for %Z, even after another %: CiviCRM prints %%Z as % and the name), which cmsuser cannot reproduce. Use the date's parts instead, e.g. crmDate:\"%Y%m%d\".");
        }

        return $"{field}|{Filter}:\"{format}\"";
    }

    /// <summary>
    /// Checks <c>|crmDate</c> on a custom field token (<c>{contact.custom_N|crmDate:"%Y"}</c>), which CiviCRM 6.17.2
    /// accepts on any custom field but does not apply: its token processor prints a custom field as the field displays
    /// it (a date field in the field's own date format, <c>CRM_Core_BAO_CustomField::displayValue</c>), which is text, and
    /// <c>|crmDate</c> of text is the text itself (<c>StandardFilters::crmDate</c>). So the filter prints the value as it
    /// is; only its argument's syntax is checked, as CiviCRM's token parser does (a format such as <c>"%Z"</c> is not
    /// used, so it is no problem here).
    /// </summary>
    /// <param name="pattern">The whole pattern, for the message.</param>
    /// <param name="field">The custom field (<c>custom_N</c>).</param>
    /// <param name="filter">The text after the token's <c>|</c>, trimmed: <see cref="Filter"/>, or it and <c>:</c> and the argument.</param>
    /// <exception cref="CmsUserConfigurationException">The argument is malformed or has a character CiviCRM's token syntax does not allow.</exception>
    public static void CheckOnCustomField(string pattern, string field, string filter)
    {
        if (filter != Filter)
        {
            Argument(pattern, field, filter);
        }
    }

    /// <summary>The format of <c>crmDate:"…"</c>, checked as CiviCRM's token parser reads it.</summary>
    private static string Argument(string pattern, string field, string trimmed)
    {
        var argument = trimmed[(Filter.Length + 1)..];
        if (argument.Length < 3 || argument[0] != '"' || argument[^1] != '"' || argument.IndexOf('"', 1) != argument.Length - 1)
        {
            throw new CmsUserConfigurationException(
                $"The pattern '{pattern}' uses '{{contact.{field}|{trimmed}}}': CiviCRM takes one non-empty argument in double quotes, e.g. {{contact.{field}|crmDate:\"%Y\"}} (it refuses the message otherwise: \"Malformed token parameters\").");
        }

        var format = argument[1..^1];
        if (!AllowedArgument().IsMatch(format))
        {
            throw new CmsUserConfigurationException(
                $"The pattern '{pattern}' uses '{{contact.{field}|{trimmed}}}': CiviCRM's token syntax allows only ASCII letters, digits, spaces and % - _ ( ) [ ] + / # @ ! , . ? in a filter's argument, so CiviCRM does not read it as a token and prints nothing for it. Put other text outside the braces.");
        }

        return format;
    }

    /// <summary>CiviCRM's filter argument characters (<c>TokenProcessor::visitTokens</c>, <c>\w</c> without the Unicode flag), quotes excluded.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_: %\-()\[\]+/#@!,.?]+$", RegexOptions.CultureInvariant)]
    private static partial Regex AllowedArgument();
}
