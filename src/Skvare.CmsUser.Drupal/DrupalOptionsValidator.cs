using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal;

/// <summary>Start-up checks whose messages name the setting and the fix.</summary>
internal sealed class DrupalOptionsValidator : IValidateOptions<DrupalOptions>
{
    private const string Prefix = "CmsUser:Drupal:";

    public ValidateOptionsResult Validate(string? name, DrupalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, Prefix + "BaseUrl", failures);

        switch (options.Authentication)
        {
            case DrupalAuthenticationMode.Basic:
                if (string.IsNullOrWhiteSpace(options.Username))
                {
                    failures.Add($"{Prefix}Username is missing: name the Drupal account the SDK acts as (it needs the \"administer users\" permission), or set {Prefix}Authentication to OAuth2.");
                }
                else if (options.Username.Contains(':', StringComparison.Ordinal))
                {
                    failures.Add($"{Prefix}Username must not contain ':' (HTTP Basic authentication cannot carry it).");
                }

                if (string.IsNullOrEmpty(options.Password))
                {
                    failures.Add($"{Prefix}Password is missing: set the API account's password (use a secret store, not appsettings.json).");
                }

                break;
            case DrupalAuthenticationMode.OAuth2:
                if (string.IsNullOrWhiteSpace(options.ClientId))
                {
                    failures.Add($"{Prefix}ClientId is missing: create a simple_oauth consumer with the client_credentials grant at admin/config/services/consumer and copy its Client ID.");
                }

                if (string.IsNullOrEmpty(options.ClientSecret))
                {
                    failures.Add($"{Prefix}ClientSecret is missing: set the consumer's secret (use a secret store, not appsettings.json).");
                }

                var tokenPath = options.TokenPath?.Trim('/') ?? string.Empty;
                if (tokenPath.Length == 0 || tokenPath.IndexOfAny(['?', '#', ':', '\\']) >= 0 || tokenPath.Contains("//", StringComparison.Ordinal))
                {
                    failures.Add($"{Prefix}TokenPath '{options.TokenPath}' must be a relative path such as 'oauth/token'.");
                }

                break;
            default:
                failures.Add($"{Prefix}Authentication '{options.Authentication}' is not known: use Basic or OAuth2.");
                break;
        }

        DrupalFieldNames.Check(failures, Prefix + "FirstNameField", options.FirstNameField);
        DrupalFieldNames.Check(failures, Prefix + "LastNameField", options.LastNameField);

        HttpEndpointGuard.ValidateHttp(options.Http, Prefix + "Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
