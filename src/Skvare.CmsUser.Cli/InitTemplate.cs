namespace Skvare.CmsUser.Cli;

/// <summary>The commented <c>appsettings.json</c> that <c>cmsuser init CMS</c> writes.</summary>
internal static class InitTemplate
{
    /// <summary>The site URL the template holds until a person sets theirs.</summary>
    public const string ExampleUrl = "https://www.example.org/";

    public static string For(CmsKind cms)
    {
        var (urlStyle, section) = cms switch
        {
            CmsKind.WordPress => ("WordPress", $$"""
                // WordPress: an administrator's application password (Users > Profile > Application Passwords).
                // docs/cms-wordpress.md. Set the password in the environment: CmsUser__WordPress__ApplicationPassword
                "WordPress": {
                  "BaseUrl": "{{ExampleUrl}}",
                  "Username": "provisioner",
                  "ApplicationPassword": "",
                  // true when the Skvare CmsUser companion plugin is active (reset emails, lookups by email)
                  "UseCompanionPlugin": true
                }
            """),
            CmsKind.Drupal => ("Clean", $$"""
                // Drupal 8+ with JSON:API and the companion module. docs/cms-drupal.md.
                // Set the password in the environment: CmsUser__Drupal__Password
                "Drupal": {
                  "BaseUrl": "{{ExampleUrl}}",
                  // Basic or OAuth2 (then ClientId, ClientSecret, Scope)
                  "Authentication": "Basic",
                  "Username": "provisioner",
                  "Password": "",
                  "UseCompanionModule": true
                }
            """),
            CmsKind.Drupal7 => ("Clean", $$"""
                // Drupal 7 with the Services module. docs/cms-drupal7.md.
                // Set the password in the environment: CmsUser__Drupal7__Password
                "Drupal7": {
                  "BaseUrl": "{{ExampleUrl}}",
                  "Endpoint": "api",
                  "Username": "provisioner",
                  "Password": ""
                }
            """),
            CmsKind.Backdrop => ("Clean", $$"""
                // Backdrop CMS with the companion module. docs/cms-backdrop.md.
                // Set the shared secret (32 characters or more) in the environment: CmsUser__Backdrop__Secret
                "Backdrop": {
                  "BaseUrl": "{{ExampleUrl}}",
                  "Secret": ""
                }
            """),
            CmsKind.Joomla => ("Joomla", $$"""
                // Joomla 4/5 Web Services API with an API token. docs/cms-joomla.md.
                // Set the token in the environment: CmsUser__Joomla__ApiToken
                "Joomla": {
                  "BaseUrl": "{{ExampleUrl}}",
                  "ApiToken": "",
                  // Joomla group id given to new users when no role maps (2 = Registered)
                  "DefaultGroupId": 2,
                  "UseCompanionPlugin": false
                }
            """),
            CmsKind.Standalone => ("Clean", """
                // CiviCRM Standalone: users are CiviCRM's own, reached with CmsUser:CiviCrm above (its URL and key;
                // nothing else to connect). docs/cms-standalone.md.
                "Standalone": {
                  // How long the link in the set-password email works.
                  "ResetLinkLifetime": "1.00:00:00"
                }
            """),
            _ => throw new ArgumentOutOfRangeException(nameof(cms), cms, null),
        };

        return $$"""
            // Settings of cmsuser (Skvare.CmsUser) for {{cms}}. Comments are allowed in this file.
            // Secrets belong in environment variables, which override this file: CmsUser__CiviCrm__ApiKey, ...
            // Every key is checked when a command starts: a misspelled key or value stops it with exit code 3.
            // Reference: docs/configuration.md and docs/cli.md.
            {
              "CmsUser": {
                // Which CMS package to use: WordPress, Drupal, Drupal7, Backdrop, Joomla or Standalone.
                "Cms": "{{cms}}",
                // Contacts in a trigger (Group, Tag or SavedSearch, by name or id) get an account.
                "Rules": [
                  {
                    "Name": "members",
                    "Trigger": { "Kind": "Group", "Reference": "website_members" },
                    // Done contacts move here (a group or a tag); optional.
                    "History": { "Kind": "Group", "Reference": "website_members_done" },
            {{Indent(RolesFor(cms), 8)}}
                  }
                ],
                // Linked contacts in this tag get the CMS's password reset email (cmsuser reset).
                "PasswordResets": [
                  { "Name": "migration", "Trigger": { "Kind": "Tag", "Reference": "send_password_reset" } }
                ],
                "UsernamePattern": "{contact.first_name}.{contact.last_name}",
                // A contact that fails this many times leaves the trigger (cmsuser failures shows who).
                "Retry": { "MaxAttempts": 4, "AttemptWindow": "30.00:00:00" },
                // CiviCRM API v4. UrlStyle: Clean, WordPress, Joomla or Template. docs/civicrm-setup.md.
                "CiviCrm": {
                  "BaseUrl": "{{ExampleUrl}}",
                  "UrlStyle": "{{urlStyle}}",
                  "ApiKey": ""
                },
            {{Indent(section.Trim('\n'), 4)}}
              }
            }

            """;
    }

    /// <summary>The rule's roles: WordPress's "subscriber"; elsewhere none (a made-up role name would fail every create with unknown_role).</summary>
    private static string RolesFor(CmsKind cms) => cms switch
    {
        CmsKind.WordPress => """
            "Roles": [ "subscriber" ]
            """,
        CmsKind.Joomla => """
            // Group names mapped in Joomla:GroupIds, or group ids; none: Joomla:DefaultGroupId (2 = Registered).
            "Roles": []
            """,
        CmsKind.Standalone => """
            // Standalone role names to give (e.g. "staff"); none: the user has no role beyond being a user.
            "Roles": []
            """,
        _ => """
            // Role machine names to give (e.g. "member"); none: the account is only "authenticated".
            "Roles": []
            """,
    };

    private static string Indent(string text, int spaces)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var common = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= common ? new string(' ', spaces) + l[common..] : l));
    }
}
