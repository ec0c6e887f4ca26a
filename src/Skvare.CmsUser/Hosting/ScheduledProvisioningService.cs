using Microsoft.Extensions.Hosting;

namespace Skvare.CmsUser.Hosting;

/// <summary>Placeholder replaced by the real hosted service.</summary>
internal sealed class ScheduledProvisioningService : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}
