using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Standalone;

/// <summary>Start-up checks of <see cref="StandaloneOptions"/>.</summary>
internal sealed class StandaloneOptionsValidator : IValidateOptions<StandaloneOptions>
{
    public ValidateOptionsResult Validate(string? name, StandaloneOptions options) =>
        options.ResetLinkLifetime < TimeSpan.FromMinutes(1)
            ? ValidateOptionsResult.Fail($"CmsUser:Standalone:ResetLinkLifetime is {options.ResetLinkLifetime}; it must be at least one minute.")
            : ValidateOptionsResult.Success;
}
