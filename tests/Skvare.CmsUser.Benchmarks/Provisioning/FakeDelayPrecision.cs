using System.Diagnostics;
using System.Globalization;
using Skvare.CmsUser.Testing.Http;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// How late the fakes' injected latency really is: <paramref name="concurrency"/> workers each wait 20 ms after "arrival"
/// again and again, the way the fakes' answers wait, and the time from each deadline to the moment the waiting code runs
/// again (on the thread pool, where a fake's answer is written) is its lateness. Measured for the fakes' scheduler, for
/// the same scheduler with the portable whole-millisecond wait (the non-Linux fallback), and for
/// <c>Task.Delay</c> of the rest rounded up to whole milliseconds (the fakes before the scheduler). With the CPU the
/// scheduler's thread used, read from <c>/proc</c>.
/// </summary>
internal static class FakeDelayPrecision
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One way of waiting: lateness percentiles in milliseconds and the scheduler thread's CPU per wait.</summary>
    public sealed record Result(string Method, int Waits, double EarlyShare, double MinMs, double MedianMs, double P90Ms, double P99Ms, double MaxMs, double MeanMs, double? SchedulerCpuUsPerWait);

    /// <summary>Runs the three ways of waiting one after the other.</summary>
    public static async Task<IReadOnlyList<Result>> MeasureAsync(int waitsPerWorker, int concurrency, TimeSpan delay, CancellationToken ct)
    {
        var shared = DeadlineScheduler.Shared;
        var results = new List<Result>
        {
            await MeasureAsync(shared.IsPrecise ? "fakes' scheduler (ppoll, eventfd)" : "fakes' scheduler (portable wait)", (d, t) => shared.DelayUntilAsync(d, t), waitsPerWorker, concurrency, delay, SchedulerThreadCpu, ct),
        };
        using (var portable = new DeadlineScheduler(new PortableSleeper()))
        {
            results.Add(await MeasureAsync("scheduler, portable wait (whole ms)", (d, t) => portable.DelayUntilAsync(d, t), waitsPerWorker, concurrency, delay, cpu: null, ct));
        }

        results.Add(await MeasureAsync("Task.Delay, rest rounded up to whole ms (before)", CeilingDelayAsync, waitsPerWorker, concurrency, delay, cpu: null, ct));
        return results;
    }

    /// <summary>
    /// CPU time used so far by the scheduler's thread ("fake-latency"), from <c>/proc/self/task/*/schedstat</c>
    /// (nanoseconds); <see langword="null"/> where there is no such file.
    /// </summary>
    public static TimeSpan? SchedulerThreadCpu()
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "fake-latency")
                {
                    var ns = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], Inv);
                    return TimeSpan.FromTicks(ns / 100);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Not Linux, or a thread that ended meanwhile.
        }

        return null;
    }

    private static Task CeilingDelayAsync(long deadline, CancellationToken ct)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        return remaining > TimeSpan.Zero ? Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), ct) : Task.CompletedTask;
    }

    private static async Task<Result> MeasureAsync(string method, Func<long, CancellationToken, Task> wait, int waitsPerWorker, int concurrency, TimeSpan delay, Func<TimeSpan?>? cpu, CancellationToken ct)
    {
        var ticks = (long)Math.Ceiling(delay.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
        var late = new double[waitsPerWorker * concurrency];
        ProvisioningCommand.Settle();
        var cpuBefore = cpu?.Invoke();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(
            async () =>
            {
                // Workers start spread over one delay, as a batch's requests do.
                await Task.Delay(TimeSpan.FromTicks(delay.Ticks * worker / concurrency), ct).ConfigureAwait(false);
                for (var i = 0; i < waitsPerWorker; i++)
                {
                    var deadline = Stopwatch.GetTimestamp() + ticks;
                    await wait(deadline, ct).ConfigureAwait(false);
                    late[(worker * waitsPerWorker) + i] = Stopwatch.GetElapsedTime(deadline).TotalMilliseconds;
                }
            },
            ct)));
        var cpuAfter = cpu?.Invoke();
        Array.Sort(late);
        double At(double q) => late[Math.Min(late.Length - 1, (int)(q * late.Length))];
        var cpuPerWait = cpuBefore is { } b && cpuAfter is { } a ? (a - b).TotalMicroseconds / late.Length : (double?)null;
        return new Result(method, late.Length, late.Count(l => l < 0) / (double)late.Length, late[0], At(0.5), At(0.9), At(0.99), late[^1], late.Average(), cpuPerWait);
    }
}
