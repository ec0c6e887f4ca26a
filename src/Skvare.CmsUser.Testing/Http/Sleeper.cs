using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Skvare.CmsUser.Testing.Http;

/// <summary>How the <see cref="DeadlineScheduler"/>'s thread sleeps: until a timeout, or until another thread wakes it.</summary>
internal abstract class Sleeper : IDisposable
{
    /// <summary>Whether <see cref="Sleep"/> keeps sub-millisecond timeouts.</summary>
    public abstract bool IsPrecise { get; }

    /// <summary>
    /// The precise sleeper where the platform has one (Linux on a 64-bit processor), else the portable one. Linux is where
    /// the benchmark runs; a platform whose C library does not answer falls back too.
    /// </summary>
    public static Sleeper ForPlatform()
    {
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
        {
            try
            {
                return new LinuxSleeper();
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
            {
                // A C library without eventfd/ppoll (or none that answers to "libc"): whole milliseconds, as before.
            }
        }

        return new PortableSleeper();
    }

    /// <summary>
    /// Sleeps at most <paramref name="timeout"/> <see cref="Stopwatch"/> ticks (<see cref="Timeout.Infinite"/>: until woken).
    /// It may return earlier (woken, a signal); the caller checks the clock.
    /// </summary>
    public abstract void Sleep(long timeout);

    /// <summary>Ends the current or the next <see cref="Sleep"/>.</summary>
    public abstract void Wake();

    /// <summary>Releases what the sleeper holds; called once, after its thread has stopped sleeping.</summary>
    public abstract void Dispose();
}
