using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// Tolerant readers for API v4 rows (numbers may arrive as strings, booleans as 0/1). Shared source
/// (<c>InjectSharedCiviCrmApi</c>): each package that reads CiviCRM rows compiles its own internal copy, so the
/// readers are no public API of any package.
/// </summary>
internal static class Api4Row
{
    /// <summary>Whether the row has the key at all (a vanished join leaves its keys out).</summary>
    /// <param name="row">The row.</param>
    /// <param name="field">The key.</param>
    public static bool Has(this JsonElement row, string field) => row.ValueKind == JsonValueKind.Object && row.TryGetProperty(field, out _);

    /// <summary>Reads a whole number, or <see langword="null"/>.</summary>
    /// <param name="row">The row.</param>
    /// <param name="field">The key.</param>
    public static long? GetInt64(this JsonElement row, string field)
    {
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(field, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(v.AsText(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }

    /// <summary>Reads a string (numbers are returned as their text), or <see langword="null"/>.</summary>
    /// <param name="row">The row.</param>
    /// <param name="field">The key.</param>
    public static string? GetString(this JsonElement row, string field)
    {
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(field, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => v.AsText(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "1",
            JsonValueKind.False => "0",
            _ => null,
        };
    }

    /// <summary>Reads a flag: <c>true</c>/<c>false</c>, or a non-zero number or string.</summary>
    /// <param name="row">The row.</param>
    /// <param name="field">The key.</param>
    public static bool GetFlag(this JsonElement row, string field)
    {
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(field, out var v))
        {
            return false;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.Number => v.TryGetDecimal(out var d) && d != 0,
            JsonValueKind.String => PhpTruth.IsTrue(v.AsText()),
            _ => false,
        };
    }

    /// <summary>
    /// A JSON string's text; <see langword="null"/> for any other kind, and for text that is not valid UTF-16 (an escaped
    /// lone surrogate, which <see cref="JsonElement.GetString"/> refuses with <see cref="InvalidOperationException"/>).
    /// </summary>
    /// <param name="value">The value.</param>
    public static string? AsText(this JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Reads a CiviCRM site-time datetime (<c>YYYY-MM-DD HH:MM:SS</c>) as UTC, or <see langword="null"/>.</summary>
    /// <param name="row">The row.</param>
    /// <param name="field">The key.</param>
    public static DateTimeOffset? GetDateTime(this JsonElement row, string field) =>
        GetString(row, field) is { } s && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? new DateTimeOffset(d, TimeSpan.Zero)
            : null;
}
