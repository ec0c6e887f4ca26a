using System.Diagnostics;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Completes <see cref="Seen"/> once the engine has taken in a contact's result of the given kind: the batch engine's
/// <c>cmsuser.batch.contact</c> span ends after the run's state has observed the result (and stopped the run if the
/// result says so). Only spans of this test's own trace count: the watch starts a root activity, which flows to the
/// run started after it (so tests running in parallel in the process are not seen).
/// </summary>
internal sealed class ContactResultWatch : IDisposable
{
    private const string ContactSpan = "cmsuser.batch.contact";

    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Activity _root;
    private readonly ActivityListener _listener;

    public ContactResultWatch(OutcomeKind kind)
    {
        _root = new Activity("fault-test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var trace = _root.TraceId;
        var outcome = kind.ToString();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CmsUserTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent.TraceId == trace ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
            ActivityStopped = span =>
            {
                if (span.TraceId == trace && span.OperationName == ContactSpan && span.GetTagItem("cmsuser.outcome") as string == outcome)
                {
                    _seen.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Completes when a contact's result of the kind has been observed by the run.</summary>
    public Task Seen => _seen.Task;

    public void Dispose()
    {
        _listener.Dispose();
        _root.Stop();
    }
}
