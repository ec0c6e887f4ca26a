using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Usernames;

/// <summary>
/// A pattern such as <c>{contact.first_name}.{contact.last_name}</c>, parsed once. Tokens are CiviCRM's: the standard
/// ones, <c>{contact.custom_N}</c>, CiviCRM's other contact tokens (<see cref="ContactTokens"/>), each optionally with
/// one of CiviCRM's token filters (<c>|lower</c>, <c>|upper</c>, <c>|capitalize</c>, <c>|boolean</c>,
/// <c>|default:"text"</c>), and the contact's dates with or without <c>|crmDate</c> (<see cref="DateTokens"/>: printed by
/// the contact read) or with <c>|boolean</c>.
/// Unknown tokens and filters are rejected when the pattern is parsed (at start-up), not when it is used.
/// </summary>
internal sealed partial class UsernameTemplate
{
    /// <summary>The standard contact tokens (without the <c>contact.</c> prefix).</summary>
    public static IReadOnlyCollection<string> KnownTokens { get; } =
    [
        "contact_id", "id", "first_name", "middle_name", "last_name", "nick_name",
        "display_name", "email", "external_identifier", "preferred_language",
    ];

    private readonly List<Segment> _segments;

    private UsernameTemplate(string pattern, List<Segment> segments)
    {
        Pattern = pattern;
        _segments = segments;
        TextWithoutTokens = segments.Exists(s => s.IsToken) ? string.Concat(segments.Where(s => !s.IsToken).Select(s => s.Text)) : null;
    }

    /// <summary>The pattern text.</summary>
    public string Pattern { get; }

    /// <summary>
    /// The pattern's own text with its tokens left out (<c>member-</c> of <c>member-{contact.last_name}</c>), or
    /// <see langword="null"/> for a pattern without a token.
    /// </summary>
    public string? TextWithoutTokens { get; }

    /// <summary>Extra contact fields (such as <c>custom_12</c>) this pattern needs beyond the standard tokens.</summary>
    public IReadOnlyCollection<string> ExtraFields =>
        _segments.Where(s => s.IsToken && !KnownTokens.Contains(s.Text)).Select(s => s.Text).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <exception cref="CmsUserConfigurationException">A token is unknown or a brace is unbalanced.</exception>
    public static UsernameTemplate Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var segments = new List<Segment>();
        var position = 0;
        while (position < pattern.Length)
        {
            var open = pattern.IndexOf('{', position);
            var strayClose = pattern.IndexOf('}', position);
            if (strayClose >= 0 && (open < 0 || strayClose < open))
            {
                throw new CmsUserConfigurationException($"The pattern '{pattern}' has a '}}' without a matching '{{' at position {strayClose}.");
            }

            if (open < 0)
            {
                segments.Add(new Segment(false, pattern[position..]));
                break;
            }

            if (open > position)
            {
                segments.Add(new Segment(false, pattern[position..open]));
            }

            var close = pattern.IndexOf('}', open);
            if (close < 0)
            {
                throw new CmsUserConfigurationException($"The pattern '{pattern}' has a '{{' without a matching '}}' at position {open}.");
            }

            var token = pattern[(open + 1)..close].Trim();
            var bar = token.IndexOf('|', StringComparison.Ordinal);
            var field = ValidateToken(pattern, bar < 0 ? token : token[..bar].TrimEnd());
            var filterText = bar < 0 ? null : token[(bar + 1)..];
            if (DateTokens.Fields.Contains(field) && filterText?.Trim() == TokenFilter.Boolean)
            {
                // StandardFilters::boolean of the date: 1 when the contact has it (a DateTime is true), 0 when not.
                segments.Add(new Segment(true, field, TokenFilter.Parse(pattern, filterText)));
            }
            else if (DateTokens.Fields.Contains(field))
            {
                // CiviCRM prints a date with the site's formats: the contact read prints it, its filter included.
                segments.Add(new Segment(true, DateTokens.Key(pattern, field, filterText)));
            }
            else
            {
                segments.Add(new Segment(true, field, filterText is null ? null : TokenFilter.Parse(pattern, filterText, CustomFieldToken().IsMatch(field) ? field : null)));
            }

            position = close + 1;
        }

        return new UsernameTemplate(pattern, segments);
    }

    /// <summary>Renders the pattern for a contact (not yet made valid for a CMS).</summary>
    /// <param name="contact">The contact.</param>
    public string Render(Contact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var builder = new StringBuilder();
        foreach (var segment in _segments)
        {
            builder.Append(segment.IsToken ? segment.Value(contact) : segment.Text);
        }

        return builder.ToString();
    }

    /// <summary>Whether every token in the pattern has a non-empty value for this contact.</summary>
    /// <param name="contact">The contact.</param>
    public bool HasAllValues(Contact contact) => EmptyToken(contact) is null;

    /// <summary>The first token of the pattern without a value for this contact (<c>{contact.last_name}</c>), or <see langword="null"/>.</summary>
    /// <param name="contact">The contact.</param>
    public string? EmptyToken(Contact contact)
    {
        // A loop, not LINQ: called for every contact of a batch.
        foreach (var segment in _segments)
        {
            if (segment.IsToken && string.IsNullOrWhiteSpace(segment.Value(contact)))
            {
                return "{contact." + segment.Text + "}";
            }
        }

        return null;
    }

    private static string ValidateToken(string pattern, string token)
    {
        const string prefix = "contact.";
        if (!token.StartsWith(prefix, StringComparison.Ordinal))
        {
            var bare = token.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? token[prefix.Length..] : token;
            throw new CmsUserConfigurationException(
                $"The pattern '{pattern}' uses the token '{{{token}}}'; tokens look like {{contact.first_name}}.{DidYouMean(bare)} Known: {string.Join(", ", KnownTokens.Select(t => "{contact." + t + "}"))}, and {{contact.custom_N}} for custom fields.");
        }

        var name = token[prefix.Length..];
        if (KnownTokens.Contains(name) || CustomFieldToken().IsMatch(name))
        {
            return name;
        }

        if (PaddedCustomFieldToken().IsMatch(name))
        {
            // CiviCRM 6.17.2 fetches field 12 for {contact.custom_012} but files the value under custom_12, so the token as
            // written prints nothing, whatever its filter (CRM_Core_EntityTokens::evaluateToken, TokenRow::customToken).
            var id = name["custom_".Length..].TrimStart('0');
            throw new CmsUserConfigurationException(
                $"The pattern '{pattern}' uses the token '{{{token}}}': CiviCRM reads a custom field token only without leading zeros, so its token processor prints nothing for it. "
                + (id.Length > 0 ? $"Write {{contact.custom_{id}}}." : "Custom field ids start at 1."));
        }

        if (ContactTokens.StandardAliases.TryGetValue(name, out var standard))
        {
            return standard;
        }

        if (ContactTokens.Fields.TryGetValue(name, out var field))
        {
            return field;
        }

        if (DateTokens.Fields.Contains(name))
        {
            return name;
        }

        throw new CmsUserConfigurationException(
            $"The pattern '{pattern}' uses the unknown token '{{{token}}}'.{DidYouMean(name)} Known: {string.Join(", ", KnownTokens.Select(t => "{contact." + t + "}"))}, {{contact.custom_N}} for custom fields, and CiviCRM's other contact tokens such as {{contact.sort_name}}, {{contact.job_title}} or {{contact.address_primary.city}} (docs/configuration.md lists them).");
    }

    /// <summary>
    /// The tokens within two edits of a mistyped name (<c>lastname</c>, <c>frist_name</c>, <c>First_Name</c>), as the
    /// settings check suggests keys; empty when none is near. Found in trial17: a typo listed every token, naming none.
    /// </summary>
    private static string DidYouMean(string name)
    {
        var near = EditDistance.Nearest(name, KnownTokens.Concat(ContactTokens.StandardAliases.Keys).Concat(ContactTokens.Fields.Keys).Concat(DateTokens.Fields).Distinct(StringComparer.Ordinal), 2);
        return near.Count == 0 ? "" : " " + EditDistance.Sentence(EditDistance.Suggest(near.Take(3), n => "{contact." + n + "}"));
    }

    private static string? Resolve(Contact contact, string token) => token switch
    {
        "contact_id" or "id" => contact.Id.ToString(CultureInfo.InvariantCulture),
        "first_name" => contact.FirstName,
        "middle_name" => contact.MiddleName,
        "last_name" => contact.LastName,
        "nick_name" => contact.NickName,
        "display_name" => contact.DisplayName,
        "email" => contact.Email,
        "external_identifier" => contact.ExternalIdentifier,
        "preferred_language" => contact.PreferredLanguage,
        _ => contact.Fields.TryGetValue(token, out var value) ? value : null,
    };

    [GeneratedRegex("^custom_[1-9][0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex CustomFieldToken();

    /// <summary><c>custom_012</c>, <c>custom_0</c>: a custom field token CiviCRM accepts and prints as nothing.</summary>
    [GeneratedRegex("^custom_0[0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PaddedCustomFieldToken();

    private readonly record struct Segment(bool IsToken, string Text, TokenFilter? Filter = null)
    {
        public string? Value(Contact contact) => Filter is { } filter ? filter.Apply(Resolve(contact, Text)) : Resolve(contact, Text);
    }
}
