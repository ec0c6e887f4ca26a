using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>
/// How MariaDB's <c>utf8mb4_general_ci</c> (Backdrop's collation on MySQL/MariaDB) compares text with
/// <c>=</c>: letter case and accents are ignored (<c>José Müller</c> = <c>jose muller</c>, <c>ß</c> = <c>s</c>)
/// and so are trailing spaces (PAD SPACE); leading spaces count. Ligatures such as <c>æ</c> and letters
/// such as <c>ø</c> stay distinct, as in the collation.
/// </summary>
internal static class MariaDbCollation
{
    /// <summary>Whether the database considers the two values equal.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other value.</param>
    public static bool AreEqual(string? left, string? right) =>
        left is not null && right is not null && string.Equals(Key(left), Key(right), StringComparison.Ordinal);

    /// <summary>A key that is equal for values the collation treats as equal (for sorting and comparing).</summary>
    /// <param name="value">The value.</param>
    public static string Key(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.TrimEnd(' ').Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            builder.Append(c == 'ß' ? 'S' : char.ToUpperInvariant(c));
        }

        return builder.ToString();
    }
}
