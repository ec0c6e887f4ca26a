using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Logs quarantined runs once per outage rather than once per run: a scheduled host runs every cycle while CiviCRM or the
/// CMS is down, and an Error per cycle buries the one that matters. The first quarantined run of a streak is logged at
/// Error, each further one in a row at Information (with how many in a row), and the first run that ends normally after
/// a streak at Information. A cancelled run, or one stopped by a configuration error or a defect, neither starts nor ends
/// a streak: it says nothing about whether the servers answer again.
/// </summary>
internal sealed class QuarantineStreak
{
    private readonly Lock _gate = new();
    private int _quarantined;

    /// <summary>Logs how <paramref name="summary"/> changes the streak; <paramref name="leftBehind"/> says what the quarantine left undone.</summary>
    public void Report(ILogger logger, RunSummary summary, string leftBehind)
    {
        var endedNormally = summary.StopKind == RunStopKind.None && !summary.Cancelled;
        int before;
        lock (_gate)
        {
            before = _quarantined;
            if (summary.Quarantined)
            {
                _quarantined++;
            }
            else if (endedNormally)
            {
                _quarantined = 0;
            }
        }

        if (summary.Quarantined)
        {
            // The messages put a full stop after the reason; a reason that is a sentence of its own already has one.
            var reason = (summary.StopReason ?? "unknown").TrimEnd().TrimEnd('.');
            if (before == 0)
            {
                Log.Quarantined(logger, reason, leftBehind);
            }
            else
            {
                Log.QuarantinedAgain(logger, before + 1, reason, leftBehind);
            }
        }
        else if (before > 0 && endedNormally)
        {
            Log.QuarantineOver(logger, before);
        }
    }
}
