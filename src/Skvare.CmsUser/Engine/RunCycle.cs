using System.Collections.Concurrent;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// One scheduled cycle: the batch run and the reset campaigns that follow it (<see cref="ScheduleOptions.IncludePasswordResets"/>).
/// The CMS credentials are checked at most once in it (<see cref="CmsUserOptions.CheckCmsCredentials"/>): a later run of the
/// cycle that needed the CMS for no contact takes what an earlier one learned, instead of sending the same request again.
/// Begun by <see cref="UserProvisionerExtensions.RunScheduledCycleAsync"/>, which every scheduler (the hosted service, the
/// Quartz jobs) runs a cycle through.
/// </summary>
/// <remarks>
/// Ambient on the async flow (as <see cref="CmsUserTelemetry.CurrentSite"/> is), so it reaches the engine through any
/// <see cref="IUserProvisioner"/> wrapper; kept per engine, so two sites' runs in one flow never share a result.
/// </remarks>
internal sealed class RunCycle : IDisposable
{
    private static readonly AsyncLocal<RunCycle?> Ambient = new();
    private readonly RunCycle? _outer;
    private readonly ConcurrentDictionary<EngineContext, Proof> _proofs = new(ReferenceEqualityComparer.Instance);

    private RunCycle()
    {
        _outer = Ambient.Value;
        Ambient.Value = this;
    }

    /// <summary>The cycle the current async flow runs in, or <see langword="null"/> outside one.</summary>
    public static RunCycle? Current => Ambient.Value;

    /// <summary>Starts a cycle on the current async flow; disposing it ends it.</summary>
    public static RunCycle Begin() => new();

    /// <summary>
    /// What an earlier run of this cycle learned about <paramref name="engine"/>'s CMS credentials: <see langword="null"/>
    /// when none did; a proof without a check when the CMS took (or could not take) a contact; else the check it made.
    /// </summary>
    public Proof? Earlier(EngineContext engine) => _proofs.TryGetValue(engine, out var proof) ? proof : null;

    /// <summary>Keeps what a finished run learned (the first run that learned something wins).</summary>
    public void Record(EngineContext engine, bool cmsReached, ConnectivityCheck? check)
    {
        if (cmsReached || check is not null)
        {
            _proofs.TryAdd(engine, new Proof(cmsReached ? null : check));
        }
    }

    public void Dispose() => Ambient.Value = _outer;

    /// <summary>An earlier run's evidence: <paramref name="Check"/> is <see langword="null"/> when contacts reached the CMS.</summary>
    internal sealed record Proof(ConnectivityCheck? Check);
}
