namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>
/// Drupal core's <c>UserNameConstraintValidator</c> (8+), <c>user_validate_name()</c> (Drupal 7 and its fork Backdrop)
/// and a close stand-in for their email checks, as the Drupal-family fakes apply them: same checks, same order, same texts.
/// </summary>
internal static class DrupalNameRules
{
    public const int MaxLength = 60;

    /// <summary>The error the site gives for <paramref name="name"/>, or <see langword="null"/> when valid.</summary>
    /// <param name="name">The username.</param>
    /// <param name="allowPlus">Drupal 8+ and Backdrop allow <c>+</c>; Drupal 7's <c>user_validate_name</c> does not.</param>
    /// <param name="zeroIsEmpty">PHP's <c>!$name</c> (Drupal 7, Backdrop) is also true for <c>"0"</c>.</param>
    public static string? Validate(string name, bool allowPlus, bool zeroIsEmpty = false)
    {
        if (name.Length == 0 || (zeroIsEmpty && name == "0"))
        {
            return "You must enter a username.";
        }

        if (name[0] == ' ')
        {
            return "The username cannot begin with a space.";
        }

        if (name[^1] == ' ')
        {
            return "The username cannot end with a space.";
        }

        if (name.Contains("  ", StringComparison.Ordinal))
        {
            return "The username cannot contain multiple spaces in a row.";
        }

        foreach (var rune in name.EnumerateRunes())
        {
            if (!IsAllowed(rune.Value, allowPlus))
            {
                return "The username contains an illegal character.";
            }
        }

        // Lengths count characters (mb_strlen, backdrop_strlen), not UTF-16 units.
        return name.EnumerateRunes().Count() > MaxLength
            ? $"The username {name} is too long: it must be {MaxLength} characters or less."
            : null;
    }

    /// <summary>An approximation of the email checks (Egulias in Drupal 8+, <c>valid_email_address</c> in 7): local part, one @, a dotted domain.</summary>
    public static bool IsValidMail(string mail)
    {
        var at = mail.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != mail.LastIndexOf('@') || at == mail.Length - 1 || mail.Length > 254)
        {
            return false;
        }

        var local = mail[..at];
        var domain = mail[(at + 1)..];
        return local.All(c => c < 128 && (char.IsLetterOrDigit(c) || "!#$%&'*+/=?^_`{|}~.-".Contains(c, StringComparison.Ordinal)))
            && !local.StartsWith('.') && !local.EndsWith('.') && !local.Contains("..", StringComparison.Ordinal)
            && domain.Contains('.', StringComparison.Ordinal)
            && domain.Split('.').All(label => label.Length is > 0 and <= 63 && !label.StartsWith('-') && !label.EndsWith('-')
                && label.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '-')));
    }

    private static bool IsAllowed(int c, bool allowPlus)
    {
        if (c < 128)
        {
            return char.IsAsciiLetterOrDigit((char)c) || " @_.'-".Contains((char)c, StringComparison.Ordinal) || (allowPlus && c == '+');
        }

        // Core's exclusions: Latin-1 controls and NBSP, soft hyphen, special spaces, bidi marks,
        // BOM, full-width Latin and replacement characters.
        return !(c is <= 0xA0 or 0xAD or (>= 0x2000 and <= 0x200F) or (>= 0x2028 and <= 0x202F)
            or (>= 0x205F and <= 0x206F) or 0xFEFF or (>= 0xFF01 and <= 0xFF60) or (>= 0xFFF9 and <= 0xFFFD));
    }
}
