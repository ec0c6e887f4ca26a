using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.WordPress;

/// <summary>Checks the WordPress settings at start-up with messages that name the setting and the fix.</summary>
internal sealed class WordPressOptionsValidator : IValidateOptions<WordPressOptions>
{
    public ValidateOptionsResult Validate(string? name, WordPressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        HttpEndpointGuard.Validate(options.BaseUrl, options.Http?.AllowInsecureHttp ?? false, "CmsUser:WordPress:BaseUrl", failures);
        if (string.IsNullOrWhiteSpace(options.Username))
        {
            failures.Add("CmsUser:WordPress:Username is missing: set the login name of the WordPress account the SDK acts as (an administrator, or a role with create_users, list_users and promote_users).");
        }

        if (string.IsNullOrWhiteSpace(options.ApplicationPassword))
        {
            failures.Add("CmsUser:WordPress:ApplicationPassword is missing: create one in WordPress under Users → Profile → Application Passwords and store it as a secret.");
        }
        else if (options.ApplicationPassword.Replace(" ", string.Empty, StringComparison.Ordinal).Length < 8)
        {
            failures.Add("CmsUser:WordPress:ApplicationPassword looks too short to be a WordPress application password (24 characters, shown in groups of four): paste the whole value WordPress displayed.");
        }

        if (options.UseCompanionPlugin && string.IsNullOrWhiteSpace(options.CompanionRoute))
        {
            failures.Add("CmsUser:WordPress:CompanionRoute is empty: leave it at skvare-cmsuser/v1 unless the companion plugin was changed.");
        }

        HttpEndpointGuard.ValidateHttp(options.Http, "CmsUser:WordPress:Http", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
