using System.Diagnostics.CodeAnalysis;

namespace Skvare.CmsUser;

/// <summary>
/// A key of <see cref="CmsUserOptions.FieldMappings"/>: the CMS field, and for one part of a compound field the path to
/// that part in the reference extension's bracket form (its field lines are parsed as a query string):
/// <c>field_address[0][locality]</c> is the <c>locality</c> of the first item of <c>field_address</c>. A key without
/// brackets is a plain field, whatever other characters it holds (a WordPress meta key may hold dots).
/// </summary>
/// <remarks>Which CMS takes a compound value, and how, is up to its provider: docs/configuration.md lists them.</remarks>
public sealed class CmsFieldKey
{
    private CmsFieldKey(string field, string[] parts)
    {
        Field = field;
        Parts = parts;
    }

    /// <summary>The CMS field (<c>field_address</c>).</summary>
    public string Field { get; }

    /// <summary>The parts inside the brackets, in order (<c>0</c>, <c>locality</c>); empty for a plain field.</summary>
    public IReadOnlyList<string> Parts { get; }

    /// <summary>Whether the key names a part of a compound field.</summary>
    public bool IsCompound => Parts.Count > 0;

    /// <summary>Parses a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="result">The key parsed, when it is valid.</param>
    /// <param name="error">Why it is not, in a sentence that quotes the key, when it is not.</param>
    /// <returns>Whether the key is valid.</returns>
    public static bool TryParse(string key, [NotNullWhen(true)] out CmsFieldKey? result, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(key);
        result = null;
        var open = key.IndexOf('[', StringComparison.Ordinal);
        var close = key.IndexOf(']', StringComparison.Ordinal);
        if (open < 0 && close < 0)
        {
            result = new CmsFieldKey(key, []);
            error = null;
            return true;
        }

        if (close >= 0 && (open < 0 || close < open))
        {
            error = $"The field key '{key}' has a ']' without a '[' before it; a part of a compound field is written field_name[0][part].";
            return false;
        }

        if (string.IsNullOrWhiteSpace(key[..open]))
        {
            error = $"The field key '{key}' has no field name before its first '['.";
            return false;
        }

        var parts = new List<string>();
        var position = open;
        while (position < key.Length)
        {
            if (key[position] != '[')
            {
                error = $"The field key '{key}' has text after a ']' that does not start a new '[…]' part (at position {position}).";
                return false;
            }

            var end = key.IndexOf(']', position + 1);
            var nested = key.IndexOf('[', position + 1);
            if (end < 0 || (nested >= 0 && nested < end))
            {
                error = $"The field key '{key}' has a '[' without a matching ']' (at position {position}).";
                return false;
            }

            var part = key[(position + 1)..end];
            if (string.IsNullOrWhiteSpace(part))
            {
                error = $"The field key '{key}' has an empty part '[{part}]' (at position {position}); give the item's number or the property's name, e.g. field_address[0][locality].";
                return false;
            }

            parts.Add(part);
            position = end + 1;
        }

        result = new CmsFieldKey(key[..open], [.. parts]);
        error = null;
        return true;
    }

    /// <summary>Parses a key.</summary>
    /// <param name="key">The key.</param>
    /// <exception cref="CmsUserConfigurationException">The key is not valid.</exception>
    public static CmsFieldKey Parse(string key) =>
        TryParse(key, out var result, out var error) ? result : throw new CmsUserConfigurationException(error);

    /// <summary>
    /// The item number and the property path of a compound key as Drupal reads it: a first part of digits is the item
    /// (<c>[1][locality]</c>), otherwise the item is the first (<c>[locality]</c> is <c>[0][locality]</c>); a key that
    /// names only the item (<c>[1]</c>) sets its <c>value</c>.
    /// </summary>
    /// <returns>The item number and the path inside it (never empty).</returns>
    public (int Item, IReadOnlyList<string> Path) ItemPath()
    {
        if (Parts.Count > 0 && Parts[0].All(char.IsAsciiDigit) && int.TryParse(Parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var item))
        {
            return (item, Parts.Count == 1 ? ["value"] : Parts.Skip(1).ToArray());
        }

        return (0, Parts.Count == 0 ? ["value"] : Parts);
    }

    /// <summary>The key as written in the bracket form.</summary>
    public override string ToString() => Field + string.Concat(Parts.Select(p => "[" + p + "]"));
}
