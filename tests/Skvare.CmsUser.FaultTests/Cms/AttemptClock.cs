using System.Collections.Concurrent;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// The host's <see cref="TimeProvider"/> in a <see cref="CmsFaultRun"/>: the system clock, except that the test can make one
/// request's attempt timeout expire at once (<see cref="Expire"/>). The HTTP resilience pipelines take the host's clock, and
/// their attempt timeout is a <see cref="CancellationTokenSource"/> whose timer this clock creates (and the pipeline then sets
/// to the timeout): every other request keeps the generous timeout as a backstop, so a healthy answer that a loaded machine
/// delays never times out, and a <see cref="TimeoutFault"/> create times out through the real timeout strategy without
/// waiting for any timer.
/// </summary>
internal sealed class AttemptClock(TimeSpan attemptTimeout) : TimeProvider
{
    private readonly ConcurrentDictionary<CancellationTokenSource, SourceTimer> _sources = new();

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

    public override long GetTimestamp() => System.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // A cancellation source made with this clock hands itself to its timer as the state.
        if (state is not CancellationTokenSource source)
        {
            return System.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new SourceTimer(this, source, callback, dueTime, System.CreateTimer(callback, state, dueTime, period));
        _sources[source] = timer;
        return timer;
    }

    /// <summary>
    /// Makes the attempt whose cancellation token is <paramref name="attempt"/> time out now, as its timer would. Fails when no
    /// attempt timeout of this clock owns that token (the pipeline no longer hands the attempt's own token to the handlers
    /// below it, or no longer takes the host's clock): the test would otherwise wait out the backstop.
    /// </summary>
    public void Expire(CancellationToken attempt)
    {
        var timer = _sources.Values.FirstOrDefault(t => t.Due == attemptTimeout && Owns(t, attempt))
            ?? throw new InvalidOperationException($"No attempt timeout ({attemptTimeout}) of this clock owns the request's cancellation token.");
        timer.Fire();
    }

    // Other requests' sources end (and are disposed) at any time: a disposed one owns no attempt in flight.
    private static bool Owns(SourceTimer timer, CancellationToken attempt)
    {
        try
        {
            return timer.Source.Token == attempt;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private sealed class SourceTimer(AttemptClock clock, CancellationTokenSource source, TimerCallback callback, TimeSpan due, ITimer inner) : ITimer
    {
        public CancellationTokenSource Source => source;

        public TimeSpan Due { get; private set; } = due;

        public void Fire()
        {
            Dispose();
            callback(source);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime;
            return inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            clock._sources.TryRemove(source, out _);
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
