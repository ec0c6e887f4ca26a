using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Backdrop;

/// <summary>Start-up checks whose messages name the setting and the fix.</summary>
internal sealed class BackdropOptionsValidator : IValidateOptions<BackdropOptions>
{
    private const string Prefix = "CmsUser:Backdrop:";

    public ValidateOptionsResult Validate(string? name, BackdropOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, Prefix + "BaseUrl", failures);

        if (string.IsNullOrWhiteSpace(options.Secret))
        {
            failures.Add($"{Prefix}Secret is missing: generate one at admin/config/people/cmsuser-provision on the Backdrop site and put it in this setting (use a secret store, not appsettings.json).");
        }
        else if (options.Secret.Trim().Length < BackdropOptions.MinimumSecretLength)
        {
            failures.Add($"{Prefix}Secret is shorter than {BackdropOptions.MinimumSecretLength} characters: generate a new one at admin/config/people/cmsuser-provision.");
        }

        HttpEndpointGuard.ValidateHeaderSecret(options.Secret?.Trim(), Prefix + "Secret", failures);

        var prefix = options.PathPrefix?.Trim('/') ?? string.Empty;
        if (prefix.Length == 0 || prefix.IndexOfAny(['?', '#', ':', '\\']) >= 0 || prefix.Contains("//", StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}PathPrefix '{options.PathPrefix}' must be a relative path such as '{BackdropOptions.DefaultPathPrefix}'.");
        }

        HttpEndpointGuard.ValidateHttp(options.Http, Prefix + "Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
