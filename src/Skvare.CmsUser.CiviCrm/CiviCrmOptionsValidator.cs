using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>Start-up checks of <see cref="CiviCrmOptions"/>.</summary>
internal sealed class CiviCrmOptionsValidator : IValidateOptions<CiviCrmOptions>
{
    public ValidateOptionsResult Validate(string? name, CiviCrmOptions options)
    {
        var failures = new List<string>();
        const string key = "CmsUser:CiviCrm";
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, $"{key}:BaseUrl", failures);
        if (options.TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            failures.Add($"{key}:TimeZone '{zone}' is not a known time zone id; use the site's IANA id, e.g. America/Chicago or Europe/Berlin.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add($"{key}:ApiKey is missing: set the API key of the CiviCRM contact the SDK acts as (see docs/civicrm-setup.md).");
        }

        HttpEndpointGuard.ValidateHeaderSecret(options.ApiKey, $"{key}:ApiKey", failures);
        HttpEndpointGuard.ValidateHeaderSecret(options.SiteKey, $"{key}:SiteKey", failures);

        if (options.UrlStyle == CiviCrmUrlStyle.Template)
        {
            if (string.IsNullOrWhiteSpace(options.UrlTemplate) || !options.UrlTemplate.Contains("{path}", StringComparison.Ordinal))
            {
                failures.Add($"{key}:UrlTemplate must contain {{path}} when UrlStyle is Template, e.g. https://site/index.php?q={{path}}.");
            }
            else if (!Uri.TryCreate(options.UrlTemplate.Replace("{path}", "x", StringComparison.Ordinal), UriKind.Absolute, out var templated))
            {
                failures.Add($"{key}:UrlTemplate '{options.UrlTemplate}' is not an absolute URL.");
            }
            else
            {
                HttpEndpointGuard.Validate(templated, options.Http?.AllowInsecureHttp ?? false, $"{key}:UrlTemplate", failures);
            }
        }

        HttpEndpointGuard.ValidateHttp(options.Http, $"{key}:Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
