namespace Skvare.CmsUser.Shared;

/// <summary>Language codes of the Drupal family (Drupal 7, Drupal 8+, Backdrop), which all use the same code list.</summary>
internal static class DrupalFamilyLanguage
{
    /// <summary>
    /// A CiviCRM locale (<c>de_DE</c>) as a Drupal-family language code (<c>de</c>); the codes that keep a region or
    /// script (<c>pt-br</c>, <c>pt-pt</c>, <c>zh-hans</c>, <c>zh-hant</c>) are mapped explicitly.
    /// </summary>
    /// <param name="language">The CiviCRM locale, or <see langword="null"/>.</param>
    /// <returns>The language code, or <see langword="null"/> when none is given.</returns>
    public static string? FromCiviCrmLocale(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return null;
        }

        var code = language.Trim().Replace('_', '-').ToLowerInvariant();
        return code switch
        {
            "pt-br" or "pt-pt" or "zh-hans" or "zh-hant" => code,
            "zh-cn" or "zh-sg" => "zh-hans",
            "zh-tw" or "zh-hk" => "zh-hant",
            _ => code.Split('-')[0],
        };
    }
}
