namespace Skvare.CmsUser.WordPress;

/// <summary>Turns a CiviCRM locale into a WordPress user locale.</summary>
internal static class WordPressLocale
{
    /// <summary>
    /// WordPress uses the same <c>ll_CC</c> form as CiviCRM (<c>de_DE</c>); <c>en_US</c> is built in and
    /// always accepted. Hyphens become underscores; anything that is not a locale is dropped so an odd
    /// CiviCRM value cannot make the create fail.
    /// </summary>
    public static string? FromCiviCrm(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return null;
        }

        var value = language.Trim().Replace('-', '_');
        var parts = value.Split('_');
        if (parts[0].Length is < 2 or > 3 || !parts[0].All(char.IsAsciiLetter))
        {
            return null;
        }

        if (parts.Length == 1)
        {
            return parts[0].ToLowerInvariant();
        }

        if (parts.Length != 2 || parts[1].Length == 0 || !parts[1].All(char.IsAsciiLetterOrDigit))
        {
            return null;
        }

        return parts[0].ToLowerInvariant() + "_" + (parts[1].Length == 2 ? parts[1].ToUpperInvariant() : parts[1]);
    }
}
