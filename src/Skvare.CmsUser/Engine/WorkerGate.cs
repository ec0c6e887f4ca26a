namespace Skvare.CmsUser.Engine;

/// <summary>
/// The free workers of a pass (<see cref="CmsUserOptions.MaxConcurrency"/>) and its one waiter, the launcher. A worker
/// that frees itself while the launcher waits hands its place over directly and the launcher goes on on that worker's
/// thread, so the next contact's request is sent without a thread-pool hand-over (a <see cref="SemaphoreSlim"/> resumes
/// its waiters on the thread pool: one more work item per contact, and on a busy machine a wait for a thread).
/// </summary>
internal sealed class WorkerGate
{
    private readonly Lock _lock = new();
    private int _free;
    private Waiter? _waiter;

    /// <summary>Creates the gate with <paramref name="workers"/> free places.</summary>
    public WorkerGate(int workers) => _free = workers;

    /// <summary>Takes a free place if there is one.</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            if (_free == 0)
            {
                return false;
            }

            _free--;
            return true;
        }
    }

    /// <summary>
    /// Takes a place, waiting for a worker to free one; one waiter at a time. The wait ends on the thread of the
    /// <see cref="Release"/> that gives the place (so the caller's continuation runs there, inline).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a place was free (none is
    /// taken); a wait cancelled while it waits ends on the thread pool.</exception>
    public Task TakeAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        lock (_lock)
        {
            if (_free > 0)
            {
                _free--;
                return Task.CompletedTask;
            }

            if (_waiter is not null)
            {
                throw new InvalidOperationException("The worker gate has one waiter at a time.");
            }

            var waiter = new Waiter();
            _waiter = waiter;
            if (cancellationToken.CanBeCanceled)
            {
                // A token cancelled meanwhile runs the callback here, inside the (re-entrant) lock: the wait ends cancelled.
                waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((WorkerGate)state!).Cancel(token), this);
            }

            return waiter.Task;
        }
    }

    /// <summary>Frees a place: hands it to the waiting launcher (which runs on this thread until its next wait), or keeps it.</summary>
    public void Release()
    {
        Waiter? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            if (waiter is null)
            {
                _free++;
                return;
            }

            _waiter = null;
        }

        waiter.Registration.Unregister();
        waiter.TrySetResult();
    }

    private void Cancel(CancellationToken token)
    {
        Waiter? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
        }

        if (waiter is not null)
        {
            // Not inline: whoever cancels (a host stopping) is not made to run the launcher's way out.
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Waiter.TrySetCanceled(state.Token), (Waiter: waiter, Token: token), preferLocal: false);
        }
    }

    // Continuations run synchronously (no RunContinuationsAsynchronously): that is the point of the gate.
    private sealed class Waiter : TaskCompletionSource
    {
        public CancellationTokenRegistration Registration { get; set; }
    }
}
