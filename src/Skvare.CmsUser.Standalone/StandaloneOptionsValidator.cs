using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Standalone;

/// <summary>Start-up checks of <see cref="StandaloneOptions"/>.</summary>
internal sealed class StandaloneOptionsValidator : IValidateOptions<StandaloneOptions>
{
    public ValidateOptionsResult Validate(string? name, StandaloneOptions options)
    {
        var failures = new List<string>();
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, "CmsUser:Standalone:BaseUrl", failures);
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add("CmsUser:Standalone:ApiKey is missing: set the API key of the contact whose Standalone user has \"administer users\".");
        }

        if (options.ResetLinkLifetime < TimeSpan.FromMinutes(1))
        {
            failures.Add($"CmsUser:Standalone:ResetLinkLifetime is {options.ResetLinkLifetime}; it must be at least one minute.");
        }

        HttpEndpointGuard.ValidateHttp(options.Http, "CmsUser:Standalone:Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
