using Skvare.CmsUser.Engine;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class WorkerGateTests
{
    [Fact]
    public void Places_are_taken_until_none_is_free_and_a_release_gives_one_back()
    {
        var gate = new WorkerGate(2);

        gate.TryTake().Should().BeTrue();
        gate.TryTake().Should().BeTrue();
        gate.TryTake().Should().BeFalse();

        gate.Release();

        gate.TryTake().Should().BeTrue();
        gate.TryTake().Should().BeFalse();
    }

    [Fact]
    public async Task A_free_place_is_taken_without_waiting()
    {
        var gate = new WorkerGate(1);

        var take = gate.TakeAsync(CancellationToken.None);

        take.IsCompletedSuccessfully.Should().BeTrue();
        await take;
        gate.TryTake().Should().BeFalse();
    }

    [Fact]
    public async Task The_waiter_goes_on_inside_the_release_that_frees_its_place()
    {
        var gate = new WorkerGate(1);
        gate.TryTake().Should().BeTrue();
        var continuedOn = -1;
        var waiting = ContinueAfterTakeAsync();

        async Task ContinueAfterTakeAsync()
        {
            await gate.TakeAsync(CancellationToken.None).ConfigureAwait(false);
            continuedOn = Environment.CurrentManagedThreadId;
        }

        waiting.IsCompleted.Should().BeFalse("no place is free yet");

        // Released from a thread-pool thread, as a worker releases (a thread with a synchronization context, such as the
        // test's, never runs continuations inline).
        var (releasingThread, doneInsideRelease) = await Task.Run(() =>
        {
            gate.Release();
            return (Environment.CurrentManagedThreadId, waiting.IsCompletedSuccessfully);
        });

        // No wait: the waiter's continuation ran inside Release, on the releasing thread.
        doneInsideRelease.Should().BeTrue();
        continuedOn.Should().Be(releasingThread);
        await waiting;
        gate.TryTake().Should().BeFalse("the released place went to the waiter");
    }

    [Fact]
    public async Task A_cancelled_wait_takes_no_place()
    {
        var gate = new WorkerGate(1);
        gate.TryTake().Should().BeTrue();
        using var cts = new CancellationTokenSource();
        var waiting = gate.TakeAsync(cts.Token);

        await cts.CancelAsync();

        await FluentActions.Awaiting(() => waiting).Should().ThrowAsync<OperationCanceledException>();
        gate.Release();
        gate.TryTake().Should().BeTrue("the place released after the cancelled wait is free");
        gate.TryTake().Should().BeFalse();
    }

    [Fact]
    public async Task A_token_cancelled_before_the_wait_ends_it_at_once_and_takes_nothing()
    {
        var gate = new WorkerGate(1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var take = gate.TakeAsync(cts.Token);

        take.IsCanceled.Should().BeTrue();
        gate.TryTake().Should().BeTrue("the free place was not taken by the cancelled wait");
    }

    [Fact]
    public async Task A_wait_after_a_cancelled_one_gets_the_next_release()
    {
        var gate = new WorkerGate(1);
        gate.TryTake().Should().BeTrue();
        using var cts = new CancellationTokenSource();
        var cancelled = gate.TakeAsync(cts.Token);
        await cts.CancelAsync();
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();

        var waiting = gate.TakeAsync(CancellationToken.None);
        gate.Release();

        waiting.IsCompletedSuccessfully.Should().BeTrue();
        gate.TryTake().Should().BeFalse();
    }

    [Fact]
    public void A_second_waiter_is_refused()
    {
        var gate = new WorkerGate(1);
        gate.TryTake().Should().BeTrue();
        _ = gate.TakeAsync(CancellationToken.None);

        Action second = () => _ = gate.TakeAsync(CancellationToken.None);

        second.Should().Throw<InvalidOperationException>();
    }
}
