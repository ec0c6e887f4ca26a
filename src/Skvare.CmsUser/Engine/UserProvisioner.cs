using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The provisioning engine behind <see cref="IUserProvisioner"/>: one class per job (<see cref="BatchRunner"/> for
/// batches, <see cref="OnDemandProvisioner"/>, <see cref="DryRun"/>, <see cref="ResetCampaigns"/>) over one shared
/// <see cref="EngineContext"/>. Data flows one way: the job gives a contact to the pipeline, the pipeline returns an
/// immutable <see cref="ContactResult"/>, the page writer writes it and returns the final one.
/// </summary>
internal sealed class UserProvisioner : IUserProvisioner, IDisposable
{
    private readonly EngineContext _engine;
    private readonly BatchRunner _batches;
    private readonly OnDemandProvisioner _onDemand;
    private readonly DryRun _dryRun;
    private readonly ResetCampaigns _resets;

    public UserProvisioner(
        ICmsAccountProvider cms,
        ITriggerSourceFactory triggers,
        IContactDirectory directory,
        IActivityRecorder activities,
        IAccountLinkStore links,
        IOptions<CmsUserOptions> options,
        TimeProvider time,
        ILogger<UserProvisioner> logger,
        IPageWriteBackStore? writeBack = null,
        IProvisioningContactReader? reader = null)
    {
        var settings = new EngineSettings(options.Value);
        // MaxCmsRequestsPerSecond is enforced by each provider package's HTTP pipeline, per request sent.
        _engine = new EngineContext(cms, triggers, directory, activities, links, settings, time, logger, writeBack, reader);
        _batches = new BatchRunner(_engine);
        _onDemand = new OnDemandProvisioner(_engine);
        _dryRun = new DryRun(_engine);
        _resets = new ResetCampaigns(_engine);
    }

    public Task<RunSummary> RunOnceAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _batches.RunAsync("Provisioning", ActivityKind.AccountCreation, _batches.RulePasses(), progress, cancellationToken);

    public Task<RunSummary> ResetPasswordsAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _batches.RunAsync("Password reset", ActivityKind.PasswordReset, _resets.Passes(), progress, cancellationToken);

    public Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options = null, CancellationToken cancellationToken = default) =>
        _onDemand.ProvisionAsync(contactId, options, cancellationToken);

    public IAsyncEnumerable<PlanEntry> PlanAsync(CancellationToken cancellationToken = default) => _dryRun.PlanAsync(cancellationToken);

    public void Dispose()
    {
        _engine.Dispose();
    }
}
