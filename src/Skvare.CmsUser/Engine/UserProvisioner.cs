namespace Skvare.CmsUser.Engine;

/// <summary>Placeholder replaced by the real engine.</summary>
internal sealed class UserProvisioner : IUserProvisioner
{
    public Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<RunSummary> RunOnceAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<PlanEntry> PlanAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<RunSummary> ResetPasswordsAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
