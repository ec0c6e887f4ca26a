using System.Diagnostics;
using System.Threading.Channels;
using CsCheck;
using FluentAssertions;
using Skvare.CmsUser.Testing.Http;
using Xunit;

namespace Skvare.CmsUser.Testing.Tests.Http;

/// <summary>
/// The fakes' delay scheduler: a wait never ends before its deadline, deadlines end in order whatever order they came
/// in, and cancellation and disposal leave nothing waiting. The order and wake-up tests drive a manual clock and a
/// sleeper that reports each sleep, so they need no clock; the real sleepers are checked for "never early" only.
/// </summary>
public sealed class DeadlineSchedulerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<string> RealSleepers() => ["platform", "portable"];

    [Fact(Timeout = 60_000)]
    public async Task Waits_end_exactly_when_the_clock_passes_their_deadline_in_any_arrival_order()
    {
        // Deadlines in any order (repeats included) and clock steps of any size: after each step, what has ended is
        // exactly what is due, and the thread then sleeps towards the earliest deadline left.
        await Gen.Select(Gen.Long[1, 40].Array[1, 30], Gen.Long[0, 12].Array[1, 20]).SampleAsync(
            async (deadlines, steps) =>
            {
                using var ct = new CancellationTokenSource(Bound);
                var clock = new ManualClock();
                var sleeper = new ReportingSleeper(clock);
                using var scheduler = new DeadlineScheduler(sleeper, clock.Read);
                (await sleeper.NextSleepAtAsync(0, ct.Token)).Should().Be(Timeout.Infinite, "nothing waits yet");

                var waits = deadlines.Select(d => (Deadline: d, Task: scheduler.DelayUntilAsync(d, CancellationToken.None))).ToList();
                (await sleeper.NextSleepAtAsync(0, ct.Token, expectTimeout: deadlines.Min())).Should().Be(deadlines.Min(), "an earlier deadline wakes the thread");
                waits.Should().OnlyContain(w => !w.Task.IsCompleted);

                var now = 0L;
                foreach (var step in steps.Append(40))
                {
                    if (step == 0)
                    {
                        continue;
                    }

                    now += step;
                    clock.Set(now);
                    sleeper.Wake();
                    var left = waits.Where(w => w.Deadline > now).Select(w => w.Deadline).DefaultIfEmpty(long.MaxValue).Min();
                    var timeout = await sleeper.NextSleepAtAsync(now, ct.Token);
                    timeout.Should().Be(left == long.MaxValue ? Timeout.Infinite : left - now);
                    waits.Where(w => w.Deadline <= now).Should().NotContain(w => !w.Task.IsCompletedSuccessfully);
                    waits.Where(w => w.Deadline > now).Should().NotContain(w => w.Task.IsCompleted);
                }

                scheduler.Pending.Should().Be(0);
            },
            iter: 60);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_cancelled_wait_ends_cancelled_and_leaves_no_deadline_behind()
    {
        using var ct = new CancellationTokenSource(Bound);
        var clock = new ManualClock();
        var sleeper = new ReportingSleeper(clock);
        using var scheduler = new DeadlineScheduler(sleeper, clock.Read);
        using var cancel = new CancellationTokenSource();

        var kept = scheduler.DelayUntilAsync(10, CancellationToken.None);
        var cancelled = scheduler.DelayUntilAsync(5, cancel.Token);
        scheduler.Pending.Should().Be(2);
        await cancel.CancelAsync();

        cancelled.IsCanceled.Should().BeTrue();
        scheduler.Pending.Should().Be(1);
        scheduler.DelayUntilAsync(7, cancel.Token).IsCanceled.Should().BeTrue("a token already cancelled never queues");
        scheduler.Pending.Should().Be(1);

        clock.Set(10);
        sleeper.Wake();
        await kept.WaitAsync(ct.Token);
        scheduler.Pending.Should().Be(0);
    }

    [Fact]
    public void A_deadline_already_passed_ends_at_once()
    {
        var clock = new ManualClock();
        clock.Set(100);
        using var scheduler = new DeadlineScheduler(new ReportingSleeper(clock), clock.Read);

        scheduler.DelayUntilAsync(100, CancellationToken.None).IsCompletedSuccessfully.Should().BeTrue();
        scheduler.DelayUntilAsync(99, CancellationToken.None).IsCompletedSuccessfully.Should().BeTrue();
        scheduler.Pending.Should().Be(0);
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(RealSleepers))]
    public async Task Disposal_cancels_what_still_waits_and_refuses_new_waits(string sleeper)
    {
        var scheduler = new DeadlineScheduler(Make(sleeper));
        var far = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3600);
        var waits = Enumerable.Range(0, 50).Select(i => scheduler.DelayUntilAsync(far + i, CancellationToken.None)).ToList();

        scheduler.Dispose();
        scheduler.Dispose();

        var ended = await Task.WhenAll(waits.Select(w => w.ContinueWith(t => t.Status, TaskScheduler.Default))).WaitAsync(Bound);
        ended.Should().OnlyContain(s => s == TaskStatus.Canceled);
        scheduler.Pending.Should().Be(0);
        Action late = () => _ = scheduler.DelayUntilAsync(far, CancellationToken.None);
        late.Should().Throw<ObjectDisposedException>();
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(RealSleepers))]
    public async Task Concurrent_waits_with_mixed_deadlines_never_end_before_them(string sleeper)
    {
        using var scheduler = new DeadlineScheduler(Make(sleeper));
        var ms = Stopwatch.Frequency / 1000;

        // Sixteen workers, each waiting again as soon as its wait ends (as a fake's requests do), with deadlines up to
        // 6 ms ahead, so new deadlines keep arriving earlier and later than the one the thread sleeps towards.
        var early = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 25; i++)
            {
                var deadline = Stopwatch.GetTimestamp() + random.NextInt64(0, 6 * ms);
                await scheduler.DelayUntilAsync(deadline, CancellationToken.None);
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Interlocked.Increment(ref early);
                }
            }
        }))).WaitAsync(Bound);

        early.Should().Be(0);
        scheduler.Pending.Should().Be(0);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(RealSleepers))]
    public async Task Many_waits_cancelled_while_others_end_all_finish_and_leave_nothing_behind(string sleeper)
    {
        using var scheduler = new DeadlineScheduler(Make(sleeper));
        var ms = Stopwatch.Frequency / 1000;
        var random = new Random(7);
        var tokens = Enumerable.Range(0, 20).Select(_ => new CancellationTokenSource()).ToList();
        var waits = new List<(long Deadline, Task Task)>();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < 2_000; i++)
        {
            var deadline = start + random.NextInt64(0, 30 * ms);
            waits.Add((deadline, scheduler.DelayUntilAsync(deadline, tokens[i % tokens.Count].Token)));
        }

        // Half the tokens fire while their waits are queued, ending or about to end.
        await Task.WhenAll(tokens.Where((_, i) => i % 2 == 0).Select(t => Task.Run(t.CancelAsync)));
        var ended = await Task.WhenAll(waits.Select(w => w.Task.ContinueWith(t => (t.Status, At: Stopwatch.GetTimestamp()), TaskScheduler.Default))).WaitAsync(Bound);

        ended.Should().OnlyContain(e => e.Status == TaskStatus.RanToCompletion || e.Status == TaskStatus.Canceled);
        ended.Zip(waits).Should().NotContain(p => p.First.Status == TaskStatus.RanToCompletion && p.First.At < p.Second.Deadline);
        ended.Where((e, i) => i % tokens.Count % 2 == 1).Should().OnlyContain(e => e.Status == TaskStatus.RanToCompletion, "their tokens never fired");
        scheduler.Pending.Should().Be(0);
        tokens.ForEach(t => t.Dispose());
    }

    [Fact]
    public void The_platform_sleeper_is_precise_on_linux()
    {
        using var sleeper = Sleeper.ForPlatform();
        sleeper.IsPrecise.Should().Be(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64);
    }

    private static Sleeper Make(string sleeper) => sleeper == "portable" ? new PortableSleeper() : Sleeper.ForPlatform();

    private sealed class ManualClock
    {
        private long _now;

        public long Read() => Volatile.Read(ref _now);

        public void Set(long now) => Volatile.Write(ref _now, now);
    }

    /// <summary>Sleeps until woken, whatever the timeout, and reports each sleep: the clock then and the timeout asked.</summary>
    private sealed class ReportingSleeper(ManualClock clock) : Sleeper
    {
        private readonly Channel<(long Now, long Timeout)> _sleeps = Channel.CreateUnbounded<(long, long)>();
        private readonly SemaphoreSlim _wake = new(0, 1);

        public override bool IsPrecise => true;

        public override void Sleep(long timeout)
        {
            _sleeps.Writer.TryWrite((clock.Read(), timeout));
            _wake.Wait();
        }

        public override void Wake()
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken: one wake-up ends one sleep, as an eventfd's does.
            }
        }

        /// <summary>
        /// The timeout of the next sleep taken with the clock at <paramref name="now"/> (sleeps reported before the clock
        /// got there are skipped); with <paramref name="expectTimeout"/>, the first such sleep with that timeout.
        /// </summary>
        public async Task<long> NextSleepAtAsync(long now, CancellationToken ct, long? expectTimeout = null)
        {
            while (true)
            {
                var (at, timeout) = await _sleeps.Reader.ReadAsync(ct);
                if (at == now && (expectTimeout is null || expectTimeout == timeout))
                {
                    return timeout;
                }
            }
        }

        public override void Dispose() => _wake.Dispose();
    }
}
