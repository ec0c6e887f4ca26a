using System.Diagnostics;
using System.Web;

namespace Skvare.CmsUser.Tests.Shared.Sites;

/// <summary>
/// Sequential round trips counted in lock step, without a clock. Every request that reaches the handler while an
/// operation runs under <see cref="RunAsync{T}"/> is held (not sent); once the process has settled, every held request is
/// sent at once and their answers go back together: that is one round. A request's depth is the round it was held in, so
/// the deepest request is the number of round trips on the operation's critical path, as if every request took the same
/// time. Requests the code sends together always share a round, however long the code takes between the sends (JIT, a
/// loaded machine): no answer exists before the round is released, so no send can wait for one.
/// </summary>
/// <remarks>
/// <para>
/// "Settled" means that nothing can send another request before an answer is given, decided from counts and states, not
/// time: no released request is still in flight (its answer is buffered before it is handed back, so reading the body is
/// not network work left over), no thread-pool work item is queued, no thread but the one checking runs or waits for a CPU
/// (every continuation of the operation runs on a pool thread: it starts there through <c>Task.Run</c> and the SDK awaits
/// with <c>ConfigureAwait(false)</c>; a thread preempted in the middle of the operation's code is runnable, not asleep), and
/// neither the gate nor the pool changed while this was checked (the gate's own event count and
/// <see cref="ThreadPool.CompletedWorkItemCount"/>, read before and after, and the check passes twice in a row). The checks
/// are read in the order work moves (in flight → queued → running), so work that moves while they are read is still seen
/// once, and work that completes changes the counts. Unrelated work only delays a round, never splits one; tests that use
/// this run in a collection of their own (<see cref="RoundTripsCollection"/>) so that other tests do not keep the process
/// busy.
/// </para>
/// <para>
/// The price of deciding from the whole process: under an extreme load (seen at a load average near 100 on 2 cores with
/// busy loops beside it) threads woken for unrelated work stay runnable so long that the process is rarely seen idle, and
/// a round may not settle within the bound (3 minutes without a round released): the test then fails with a timeout that
/// names the runnable threads, never with a wrong count.
/// </para>
/// <para>
/// What it cannot see: work waiting on a timer (a retry delay) or on network traffic that does not go through the handler.
/// The SDK's critical paths have neither (retries happen only after a failure, which the fakes do not give here).
/// </para>
/// </remarks>
internal sealed class RoundTrips
{
    private readonly Lock _gate = new();
    private readonly List<Held> _held = [];
    private readonly List<(HttpRequestMessage Request, int Round)> _log = [];
    private int _inFlight;
    private long _events;
    private bool _driving;
    private int _round;

    /// <summary>A handler to add to each of the SDK's HTTP clients (innermost, so each attempt is one request).</summary>
    public DelegatingHandler NewHandler() => new Handler(this);

    /// <summary>
    /// Runs <paramref name="operation"/> (on the thread pool) with its requests held and released round by round until it
    /// has completed; requests still held then are released as a last round. Fails when nothing settles and nothing completes
    /// within <paramref name="bound"/> (a stuck operation, not a slow one: the bound is generous).
    /// </summary>
    public async Task<RoundLog<T>> RunAsync<T>(Func<Task<T>> operation, TimeSpan? bound = null)
    {
        lock (_gate)
        {
            if (_driving)
            {
                throw new InvalidOperationException("One operation at a time.");
            }

            _driving = true;
            _round = 1;
            _log.Clear();
            _events++;
        }

        var run = Task.Run(operation);
        var driven = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var limit = bound ?? TimeSpan.FromSeconds(180);
        var driver = new Thread(() =>
        {
            try
            {
                Drive(run, limit);
                driven.SetResult();
            }
            catch (Exception ex)
            {
                driven.SetException(ex);
            }
        })
        { IsBackground = true, Name = "round-trips" };
        driver.Start();
        await driven.Task.ConfigureAwait(false);
        var result = await run.ConfigureAwait(false);
        lock (_gate)
        {
            return new RoundLog<T>(result, [.. _log]);
        }
    }

    private void Drive(Task run, TimeSpan limit)
    {
        var progress = Stopwatch.StartNew();
        (long Events, long Completed)? quiet = null;
        while (true)
        {
            if (run.IsCompleted)
            {
                lock (_gate)
                {
                    ReleaseHeld();
                    _driving = false;
                }

                return;
            }

            var settled = Settled();
            if (settled is not null && settled == quiet)
            {
                // Settled twice in a row with nothing changed between: every branch of the operation waits for an answer.
                lock (_gate)
                {
                    if (_held.Count > 0)
                    {
                        ReleaseHeld();
                        progress.Restart();
                    }
                }

                quiet = null;
            }
            else
            {
                quiet = settled;
            }

            if (progress.Elapsed > limit)
            {
                lock (_gate)
                {
                    var stuck = new TimeoutException($"Round {_round} did not settle within {limit}: {_held.Count} request(s) held ({string.Join(", ", _held.Select(h => Name(h.Request)))}), {_inFlight} in flight, {ThreadPool.PendingWorkItemCount} pool item(s) queued, thread(s) runnable: {string.Join(", ", RunnableThreads())}. " + Describe(_log));

                    // Nothing is left waiting for a round that will not come: the operation goes on ungated.
                    ReleaseHeld();
                    _driving = false;
                    throw stuck;
                }
            }

            // A polling interval, not a wait for anything: a round is released only once the counts say so.
            Thread.Sleep(1);
        }
    }

    /// <summary>The gate's and the pool's event counts when nothing is in flight, queued or running; else <see langword="null"/>.</summary>
    private (long Events, long Completed)? Settled()
    {
        var events = Volatile.Read(ref _events);
        var completed = ThreadPool.CompletedWorkItemCount;
        var settled = Volatile.Read(ref _inFlight) == 0
            && ThreadPool.PendingWorkItemCount == 0
            && RunnableThreads().Count <= 1
            && ThreadPool.PendingWorkItemCount == 0
            && Volatile.Read(ref _events) == events
            && ThreadPool.CompletedWorkItemCount == completed;
        return settled ? (events, completed) : null;
    }

    /// <summary>
    /// The runtime's tiered-compilation worker as Linux names it (15 characters): it recompiles hot methods in the background
    /// and neither sends a request nor queues work, but on a loaded machine it stays runnable for long stretches while the
    /// operation's new code paths get hot (seen holding a round for 60 s at a load average of 40).
    /// </summary>
    private const string TieredCompilationWorker = ".NET Tiered Com";

    /// <summary>
    /// The process's threads that run or wait for a CPU, this one included (it is running), the tiered-compilation worker
    /// left out. A pool thread that took a work item and was preempted before running it counts here (the pool's own busy
    /// count would too, but it also counts threads blocked for good, such as the test host's, so it never reaches zero).
    /// An idle pool worker spinning for work would count too: the test projects that use this turn the pool's spinning off
    /// (<c>System.Threading.ThreadPool.UnfairSemaphoreSpinLimit</c> 0), so an idle worker sleeps at once.
    /// </summary>
    private static List<string> RunnableThreads()
    {
        if (!OperatingSystem.IsLinux())
        {
            using var process = Process.GetCurrentProcess();
            return [.. process.Threads.Cast<ProcessThread>()
                .Where(t => t.ThreadState is System.Diagnostics.ThreadState.Running or System.Diagnostics.ThreadState.Ready or System.Diagnostics.ThreadState.Standby)
                .Select(t => t.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }

        var runnable = new List<string>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // The thread ended meanwhile.
            }

            // "tid (name) S ...": the state follows the name, which may itself hold spaces and parentheses.
            var end = stat.LastIndexOf(')');
            var state = stat[end + 2];

            // R: running or runnable (preempted); D: waiting on the disk (a page fault while code is being loaded).
            if ((state is 'R' or 'D') && !stat.AsSpan(0, end).EndsWith(TieredCompilationWorker, StringComparison.Ordinal))
            {
                runnable.Add(stat[(stat.IndexOf('(') + 1)..end] + ":" + state);
            }
        }

        return runnable;
    }

    private void ReleaseHeld()
    {
        if (_held.Count == 0)
        {
            return;
        }

        foreach (var held in _held)
        {
            _log.Add((held.Request, _round));
            held.Go.TrySetResult();
        }

        _inFlight += _held.Count;
        _held.Clear();
        _round++;
        _events++;
    }

    internal static string Name(HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        var q = HttpUtility.ParseQueryString(uri.Query)["q"];
        return request.Method + " " + (q ?? uri.AbsolutePath);
    }

    internal static string Describe(IEnumerable<(HttpRequestMessage Request, int Round)> log) =>
        "requests by round: " + string.Join("; ", log.GroupBy(d => d.Round).OrderBy(g => g.Key)
            .Select(g => g.Key + ": " + string.Join(", ", g.Select(d => Name(d.Request)))));

    private sealed class Held(HttpRequestMessage request)
    {
        public HttpRequestMessage Request { get; } = request;

        public TaskCompletionSource Go { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Handler(RoundTrips owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Held? held = null;
            lock (owner._gate)
            {
                owner._events++;
                if (owner._driving)
                {
                    held = new Held(request);
                    owner._held.Add(held);
                }
                else
                {
                    owner._inFlight++;
                }
            }

            if (held is not null)
            {
                try
                {
                    await held.Go.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    lock (owner._gate)
                    {
                        owner._events++;
                        if (!owner._held.Remove(held))
                        {
                            // Released as it was cancelled: counted in flight, so no longer.
                            owner._inFlight--;
                        }
                    }

                    throw;
                }
            }

            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

                // Read here, so no network work is left once the answer is handed back.
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                return response;
            }
            finally
            {
                lock (owner._gate)
                {
                    owner._inFlight--;
                    owner._events++;
                }
            }
        }
    }
}

/// <summary>What an operation run under <see cref="RoundTrips.RunAsync{T}"/> returned, and each of its requests with its round.</summary>
internal sealed record RoundLog<T>(T Result, IReadOnlyList<(HttpRequestMessage Request, int Round)> Requests)
{
    /// <summary>The number of sequential round trips: the deepest request's round (0 without requests).</summary>
    public int Depth => Requests.Count == 0 ? 0 : Requests.Max(r => r.Round);

    /// <summary>The round trips before the first request that matches (its round minus one), or -1 when none matches.</summary>
    public int DepthBefore(Func<HttpRequestMessage, bool> match) =>
        Requests.Where(r => match(r.Request)).Select(r => r.Round - 1).DefaultIfEmpty(-1).Min();

    /// <summary>Each round's requests, for a failure message.</summary>
    public string Describe() => RoundTrips.Describe(Requests);
}

/// <summary>
/// Tests that count round trips with <see cref="RoundTrips"/> run alone: a round is released once the thread pool is idle,
/// which other tests running beside them would only delay.
/// </summary>
[CollectionDefinition(nameof(RoundTripsCollection), DisableParallelization = true)]
#pragma warning disable CA1711 // The name says what it is: an xUnit collection.
public sealed class RoundTripsCollection;
#pragma warning restore CA1711
