using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal7;

/// <summary>Start-up checks whose messages name the setting and the fix.</summary>
internal sealed class Drupal7OptionsValidator : IValidateOptions<Drupal7Options>
{
    private const string Prefix = "CmsUser:Drupal7:";

    public ValidateOptionsResult Validate(string? name, Drupal7Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, Prefix + "BaseUrl", failures);

        var endpoint = options.Endpoint?.Trim('/') ?? string.Empty;
        if (endpoint.Length == 0)
        {
            failures.Add($"{Prefix}Endpoint is missing: set the path of the Services endpoint from admin/structure/services (e.g. api).");
        }
        else if (endpoint.IndexOfAny(['?', '#', ':', '\\', '.']) >= 0 || endpoint.Contains("//", StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}Endpoint '{options.Endpoint}' must be the endpoint's relative path, such as 'api'.");
        }

        if (string.IsNullOrWhiteSpace(options.Username))
        {
            failures.Add($"{Prefix}Username is missing: name the Drupal account the SDK logs in as (it needs the \"administer users\" permission).");
        }

        if (string.IsNullOrEmpty(options.Password))
        {
            failures.Add($"{Prefix}Password is missing: set the API account's password (use a secret store, not appsettings.json).");
        }

        foreach (var (role, rid) in options.RoleIds)
        {
            if (!uint.TryParse(rid, out var id) || id == 0)
            {
                failures.Add($"{Prefix}RoleIds:{role} is '{rid}'; it must be the role's numeric id (rid) from admin/people/permissions/roles.");
            }
        }

        DrupalFieldNames.Check(failures, Prefix + "FirstNameField", options.FirstNameField);
        DrupalFieldNames.Check(failures, Prefix + "LastNameField", options.LastNameField);

        HttpEndpointGuard.ValidateHttp(options.Http, Prefix + "Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
