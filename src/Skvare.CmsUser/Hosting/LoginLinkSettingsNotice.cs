using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Hosting;

/// <summary>
/// Warns once when the host starts (event 1104) when the login link settings let an administrator role through
/// (<see cref="LoginLinkOptions.AllowAdministrators"/> with a <see cref="LoginLinkOptions.BlockedRoles"/> that leaves one
/// out). Options are validated before hosted services start, so the values are the checked ones.
/// </summary>
internal sealed class LoginLinkSettingsNotice(IOptions<CmsUserOptions> options, ILogger<LoginLinkSettingsNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.LoginLinks?.UnblockedAdministratorRoles() is { Count: > 0 } roles)
        {
            Log.AdministratorLinksAllowed(logger, string.Join(", ", roles));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
