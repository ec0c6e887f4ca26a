using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Skvare.CmsUser.Testing.Http;

/// <summary>
/// Linux: <c>ppoll</c> on an <c>eventfd</c> with a nanosecond timeout. The kernel's high-resolution timer ends the sleep
/// tens of microseconds after the deadline (the thread's timer slack is set to its minimum); <see cref="Wake"/> writes
/// to the <c>eventfd</c>, which ends the sleep at once. No spinning: the thread is blocked in the kernel between
/// deadlines.
/// </summary>
internal sealed class LinuxSleeper : Sleeper
{
    private const int EfdNonBlock = 0x800;
    private const int EfdCloexec = 0x80000;
    private const short PollIn = 1;
    private const int Eintr = 4;
    private const int PrSetTimerSlack = 29;

    private readonly int _eventFd;
    private bool _slackSet;

    public LinuxSleeper()
    {
        // Binds every entry point now, so a C library without one fails here (and the portable sleeper is used), not on
        // the scheduler's thread.
        Marshal.PrelinkAll(typeof(NativeMethods));
        _eventFd = NativeMethods.EventFd(0, EfdNonBlock | EfdCloexec);
        if (_eventFd < 0)
        {
            throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <inheritdoc/>
    public override bool IsPrecise => true;

    /// <inheritdoc/>
    public override void Sleep(long timeout)
    {
        if (!_slackSet)
        {
            // The default slack (50 µs) lets the kernel end a sleep that much later to group wake-ups; this thread
            // is the one place that wants none. Per thread: only the scheduler's own thread calls Sleep.
            _ = NativeMethods.Prctl(PrSetTimerSlack, 1, 0, 0, 0);
            _slackSet = true;
        }

        var poll = new PollFd { Fd = _eventFd, Events = PollIn };
        int result;
        if (timeout == Timeout.Infinite)
        {
            result = NativeMethods.PPoll(ref poll, 1, IntPtr.Zero, IntPtr.Zero);
        }
        else
        {
            var nanoseconds = (long)Math.Ceiling(timeout * (1_000_000_000.0 / Stopwatch.Frequency));
            var spec = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            result = NativeMethods.PPoll(ref poll, 1, ref spec, IntPtr.Zero);
        }

        if (result < 0)
        {
            if (Marshal.GetLastPInvokeError() != Eintr)
            {
                // Not expected; sleep coarsely rather than spin on a failing call.
                Thread.Sleep(1);
            }

            return;
        }

        if (result > 0 && (poll.Revents & PollIn) != 0)
        {
            // Woken: reset the counter (non-blocking; nothing to read is fine).
            ulong value = 0;
            _ = NativeMethods.Read(_eventFd, ref value, sizeof(ulong));
        }
    }

    /// <inheritdoc/>
    public override void Wake()
    {
        ulong one = 1;
        _ = NativeMethods.Write(_eventFd, ref one, sizeof(ulong));
    }

    /// <inheritdoc/>
    public override void Dispose() => _ = NativeMethods.Close(_eventFd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
        public static extern int EventFd(uint initialValue, int flags);

        [DllImport("libc", EntryPoint = "ppoll", SetLastError = true)]
        public static extern int PPoll(ref PollFd fds, nuint count, ref TimeSpec timeout, IntPtr signalMask);

        [DllImport("libc", EntryPoint = "ppoll", SetLastError = true)]
        public static extern int PPoll(ref PollFd fds, nuint count, IntPtr noTimeout, IntPtr signalMask);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        public static extern nint Read(int fd, ref ulong buffer, nuint count);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        public static extern nint Write(int fd, ref ulong buffer, nuint count);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);

        [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
        public static extern int Prctl(int option, ulong argument2, ulong argument3, ulong argument4, ulong argument5);
    }
}
