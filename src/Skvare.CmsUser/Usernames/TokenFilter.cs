using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Usernames;

/// <summary>
/// One of CiviCRM's token filters after a token's <c>|</c>, as its token processor applies them to plain text
/// (<c>Civi\Token\StandardFilters</c>, CiviCRM 6.17.2): <c>lower</c>, <c>upper</c> and <c>capitalize</c> (PHP 8.2's
/// <c>mb_strtolower</c>, <c>mb_strtoupper</c> and <c>mb_convert_case</c> title case, <see cref="PhpCase"/>) and
/// <c>default:"text"</c> (the text when the value is empty or <c>0</c>). A token
/// takes at most one filter, as in CiviCRM. <c>crmDate</c> on a custom field prints the value as it is, as CiviCRM does
/// (<see cref="DateTokens.CheckOnCustomField"/>). Any other filter is a configuration error at start (CiviCRM fails the
/// message when it renders it).
/// </summary>
internal sealed class TokenFilter
{
    private readonly string _name;
    private readonly string? _argument;

    private TokenFilter(string name, string? argument)
    {
        _name = name;
        _argument = argument;
    }

    /// <summary>Parses the text after a token's <c>|</c>.</summary>
    /// <param name="pattern">The whole pattern, for the message.</param>
    /// <param name="text">The filter, e.g. <c>lower</c> or <c>default:"member"</c>.</param>
    /// <param name="customField">The token's custom field (<c>custom_N</c>), which may take <c>crmDate</c>; <see langword="null"/> for another token.</param>
    /// <exception cref="CmsUserConfigurationException">The filter is unknown or malformed.</exception>
    public static TokenFilter Parse(string pattern, string text, string? customField = null)
    {
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? trimmed : trimmed[..colon];
        switch (name)
        {
            case "lower" or "upper" or "capitalize" or Boolean when colon < 0:
                return new TokenFilter(name, null);
            case "default" when colon > 0 && QuotedArgument(trimmed[(colon + 1)..]) is { } argument:
                return new TokenFilter(name, argument);
            case DateTokens.Filter when customField is not null:
                DateTokens.CheckOnCustomField(pattern, customField, trimmed);
                return new TokenFilter(name, null);
            case DateTokens.Filter:
                throw new CmsUserConfigurationException($"The pattern '{pattern}' uses the filter '|{trimmed}' on a token that is not a date: only {string.Join(", ", DateTokens.Fields.Select(f => "{contact." + f + "}"))} take |crmDate (and {{contact.custom_N}}, which it leaves as CiviCRM prints the field).");
            case "default":
                throw new CmsUserConfigurationException($"The pattern '{pattern}' uses the filter '|{trimmed}'; write the default text in double quotes, e.g. {{contact.nick_name|default:\"member\"}}.");
            default:
                throw new CmsUserConfigurationException($"The pattern '{pattern}' uses the filter '|{trimmed}'. Known filters: |lower, |upper, |capitalize, |boolean and |default:\"text\" (one per token), and |crmDate for a date.");
        }
    }

    /// <summary>The filtered value.</summary>
    /// <param name="value">The token's value, or <see langword="null"/> when the contact has none.</param>
    public string? Apply(string? value) => _name switch
    {
        "lower" => value is null ? null : PhpCase.Lower(value),
        "upper" => value is null ? null : PhpCase.Upper(value),
        "capitalize" => value is null ? null : PhpCase.Title(value),
        // StandardFilters::boolean: (int) (bool) $value.
        Boolean => PhpTruth.IsTrue(value) ? "1" : "0",
        // A custom field's text as it is (StandardFilters::crmDate of text that is not empty).
        DateTokens.Filter => value,
        // PHP's !$value: an empty text and "0" take the default.
        _ => PhpTruth.IsTrue(value) ? value : _argument,
    };

    /// <summary>The name of the <c>|boolean</c> filter.</summary>
    public const string Boolean = "boolean";

    private static string? QuotedArgument(string text) =>
        text.Length >= 2 && text[0] == '"' && text[^1] == '"' && text.IndexOf('"', 1) == text.Length - 1 ? text[1..^1] : null;
}
