using System.Diagnostics;

namespace Skvare.CmsUser.Testing.Http;

/// <summary>
/// Completes tasks at <see cref="Stopwatch"/> deadlines, as close after them as the operating system allows and never
/// before: the fakes' response delay. One background thread holds the deadlines in order and sleeps until the earliest
/// (on Linux with nanosecond timeouts, see <see cref="LinuxSleeper"/>; elsewhere with the platform's wait, whole
/// milliseconds rounded up); a deadline earlier than the one it sleeps towards wakes it.
/// </summary>
/// <remarks>
/// The fakes waited with <see cref="Task.Delay(TimeSpan)"/> before, which counts whole milliseconds on a coarse clock:
/// on Linux most waits ended a few tenths of a millisecond late and about one in ten up to 4 ms early. The tasks handed
/// out complete their continuations on the thread pool, never on the scheduler's thread, so one slow answer delays no
/// other.
/// </remarks>
internal sealed class DeadlineScheduler : IDisposable
{
    private static readonly Lazy<DeadlineScheduler> LazyShared = new(() => new DeadlineScheduler(Sleeper.ForPlatform()));

    private readonly object _gate = new();
    private readonly SortedSet<Waiter> _waiters = new(WaiterOrder.Instance);
    private readonly Sleeper _sleeper;
    private readonly Func<long> _clock;
    private readonly Thread _thread;
    private long _sequence;
    private long _sleepingUntil = long.MinValue;
    private bool _disposed;

    /// <summary>Starts a scheduler thread that sleeps with <paramref name="sleeper"/>, which it then owns.</summary>
    /// <param name="sleeper">How the thread sleeps.</param>
    /// <param name="clock">The time, in <see cref="Stopwatch"/> ticks (tests drive their own); <see cref="Stopwatch.GetTimestamp"/> by default.</param>
    internal DeadlineScheduler(Sleeper sleeper, Func<long>? clock = null)
    {
        _sleeper = sleeper;
        _clock = clock ?? Stopwatch.GetTimestamp;
        _thread = new Thread(Run) { IsBackground = true, Name = "fake-latency" };
        _thread.Start();
    }

    /// <summary>The process's scheduler, started on first use; it lives as long as the process.</summary>
    public static DeadlineScheduler Shared => LazyShared.Value;

    /// <summary>Whether this scheduler sleeps with sub-millisecond precision.</summary>
    public bool IsPrecise => _sleeper.IsPrecise;

    /// <summary>Deadlines waiting (for tests: a cancelled or disposed waiter leaves none behind).</summary>
    internal int Pending
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>A task that completes once the clock (<see cref="Stopwatch.GetTimestamp"/>) reaches <paramref name="deadline"/>.</summary>
    /// <param name="deadline">A <see cref="Stopwatch"/> timestamp.</param>
    /// <param name="cancellationToken">Cancels the wait: the task is cancelled and its deadline dropped.</param>
    /// <returns>The wait; cancelled when the token fires first or the scheduler is disposed first.</returns>
    public Task DelayUntilAsync(long deadline, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (_clock() >= deadline)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            return Task.CompletedTask;
        }

        // Numbered before anything can see it: equal deadlines keep their order, and a cancelled waiter that was never queued
        // can never be taken for another one with its deadline.
        var waiter = new Waiter(this, deadline, Interlocked.Increment(ref _sequence), cancellationToken);

        // Registered before the waiter is queued, so the scheduler thread sees the registration it unregisters; a token
        // cancelled meanwhile completes the waiter, which is then not queued.
        waiter.Registration = cancellationToken.UnsafeRegister(static state => ((Waiter)state!).Cancel(), waiter);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (waiter.Task.IsCompleted)
            {
                return waiter.Task;
            }

            _waiters.Add(waiter);
            if (deadline < _sleepingUntil)
            {
                // The thread sleeps towards a later deadline: wake it (under the lock, so never after disposal).
                _sleepingUntil = deadline;
                _sleeper.Wake();
            }
        }

        return waiter.Task;
    }

    /// <summary>Stops the thread; waits not yet due are cancelled.</summary>
    public void Dispose()
    {
        Waiter[] left;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            left = [.. _waiters];
            _waiters.Clear();
            _sleeper.Wake();
        }

        foreach (var waiter in left)
        {
            waiter.Registration.Unregister();
            waiter.TrySetCanceled();
        }

        _thread.Join();
        _sleeper.Dispose();
    }

    private void Run()
    {
        var due = new List<Waiter>();
        while (true)
        {
            long timeout;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                var now = _clock();
                while (_waiters.Count > 0 && _waiters.Min!.Deadline <= now)
                {
                    var first = _waiters.Min;
                    _waiters.Remove(first);
                    due.Add(first);
                }

                if (due.Count > 0)
                {
                    // Awake: a new deadline needs no wake-up until the thread goes back to sleep.
                    _sleepingUntil = long.MinValue;
                    timeout = 0;
                }
                else if (_waiters.Count == 0)
                {
                    _sleepingUntil = long.MaxValue;
                    timeout = Timeout.Infinite;
                }
                else
                {
                    _sleepingUntil = _waiters.Min!.Deadline;
                    timeout = _sleepingUntil - now;
                }
            }

            if (due.Count > 0)
            {
                foreach (var waiter in due)
                {
                    waiter.Registration.Unregister();
                    waiter.TrySetResult();
                }

                due.Clear();
                continue;
            }

            // Sleeps at most until the deadline (or until woken); the loop checks the clock again, so a wake-up that comes
            // early (a signal, a new deadline, a coarse platform wait) completes nothing before its time.
            _sleeper.Sleep(timeout);
        }
    }

    private void Remove(Waiter waiter)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>One wait: its deadline, its place among equal deadlines, its cancellation.</summary>
    private sealed class Waiter(DeadlineScheduler owner, long deadline, long sequence, CancellationToken cancellationToken)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long Deadline { get; } = deadline;

        public long Sequence { get; } = sequence;

        public CancellationTokenRegistration Registration { get; set; }

        public void Cancel()
        {
            // Completed first, so a waiter being queued right now sees it and is not queued; then dropped if it was.
            if (TrySetCanceled(cancellationToken))
            {
                owner.Remove(this);
            }
        }
    }

    private sealed class WaiterOrder : IComparer<Waiter>
    {
        public static readonly WaiterOrder Instance = new();

        public int Compare(Waiter? x, Waiter? y) =>
            ReferenceEquals(x, y) ? 0
            : x is null ? -1
            : y is null ? 1
            : x.Deadline != y.Deadline ? x.Deadline.CompareTo(y.Deadline)
            : x.Sequence.CompareTo(y.Sequence);
    }
}
