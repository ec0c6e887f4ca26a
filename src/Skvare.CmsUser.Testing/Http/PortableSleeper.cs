using System.Diagnostics;

namespace Skvare.CmsUser.Testing.Http;

/// <summary>Whole milliseconds, rounded up, with the platform's event wait: the fallback.</summary>
internal sealed class PortableSleeper : Sleeper
{
    private readonly AutoResetEvent _wake = new(false);

    /// <inheritdoc/>
    public override bool IsPrecise => false;

    /// <inheritdoc/>
    public override void Sleep(long timeout)
    {
        if (timeout == Timeout.Infinite)
        {
            _wake.WaitOne();
            return;
        }

        var milliseconds = Math.Ceiling(timeout * 1000.0 / Stopwatch.Frequency);
        _wake.WaitOne((int)Math.Clamp(milliseconds, 1, int.MaxValue));
    }

    /// <inheritdoc/>
    public override void Wake() => _wake.Set();

    /// <inheritdoc/>
    public override void Dispose() => _wake.Dispose();
}
