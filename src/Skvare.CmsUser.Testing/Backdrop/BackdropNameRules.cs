using System.Globalization;

namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>Backdrop core's <c>user_validate_name()</c> and <c>valid_email_address()</c>, as the fake applies them.</summary>
internal static class BackdropNameRules
{
    public const int MaxLength = 60;

    /// <summary>The error Backdrop would give for <paramref name="name"/>, or <see langword="null"/> when valid.</summary>
    public static string? Validate(string name)
    {
        if (name.Length == 0)
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

        foreach (var c in name)
        {
            if (!IsAllowed(c))
            {
                return "The username contains an illegal character.";
            }
        }

        return name.Length > MaxLength
            ? $"The username {name} is too long: it must be {MaxLength} characters or less."
            : null;
    }

    /// <summary>An approximation of PHP's <c>FILTER_VALIDATE_EMAIL</c>: local part, one @, a dotted domain.</summary>
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

    private static bool IsAllowed(char c)
    {
        if (c < 128)
        {
            return char.IsAsciiLetterOrDigit(c) || " @+_.'-".Contains(c, StringComparison.Ordinal);
        }

        // Core also refuses non-ASCII spaces, controls, format (bidi) marks and private-use characters.
        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        return category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.SpaceSeparator
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
            or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned);
    }
}
