using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Joomla;

/// <summary>Start-up checks of <see cref="JoomlaOptions"/>.</summary>
internal sealed class JoomlaOptionsValidator : IValidateOptions<JoomlaOptions>
{
    public ValidateOptionsResult Validate(string? name, JoomlaOptions options)
    {
        var failures = new List<string>();
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, "CmsUser:Joomla:BaseUrl", failures);
        if (string.IsNullOrWhiteSpace(options.ApiToken))
        {
            failures.Add("CmsUser:Joomla:ApiToken is missing: copy the \"Joomla API Token\" from the API user's profile (the user must be a Super User, and the \"API Authentication - Web Services Joomla Token\" plugin enabled).");
        }

        HttpEndpointGuard.ValidateHeaderSecret(options.ApiToken, "CmsUser:Joomla:ApiToken", failures);

        if (string.IsNullOrWhiteSpace(options.ApiPath) || options.ApiPath.Contains("://", StringComparison.Ordinal))
        {
            failures.Add("CmsUser:Joomla:ApiPath must be a path under the site, e.g. api/index.php/v1.");
        }

        foreach (var (role, id) in options.GroupIds)
        {
            if (id <= 0)
            {
                failures.Add($"CmsUser:Joomla:GroupIds:{role} is {id}; group ids are positive.");
            }
        }

        HttpEndpointGuard.ValidateHttp(options.Http, "CmsUser:Joomla:Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
