using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Shared;

/// <summary>Field machine names of the Drupal family (<c>field_first_name</c>), checked at start.</summary>
internal static partial class DrupalFieldNames
{
    /// <summary>Adds a failure when <paramref name="field"/> is set but is not a field machine name.</summary>
    /// <param name="failures">Where messages go.</param>
    /// <param name="settingKey">The full key, e.g. <c>CmsUser:Drupal:FirstNameField</c>.</param>
    /// <param name="field">The configured value.</param>
    public static void Check(ICollection<string> failures, string settingKey, string? field)
    {
        if (!string.IsNullOrEmpty(field) && !MachineName().IsMatch(field))
        {
            failures.Add($"{settingKey} '{field}' is not a Drupal field machine name (lower-case letters, digits and underscores, e.g. field_first_name).");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,31}$")]
    private static partial Regex MachineName();
}
