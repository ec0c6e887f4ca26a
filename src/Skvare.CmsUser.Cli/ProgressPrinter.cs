using System.Globalization;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// Progress of a run on stderr, with running totals per outcome. On a terminal one line is rewritten
/// after each contact; when stderr is redirected (cron, a log file) a line is written per page and at the end.
/// Keeps every outcome for the per-contact table. Reports arrive on the engine's threads, so it locks.
/// </summary>
internal sealed class ProgressPrinter(string verb, int pageSize, bool quiet) : IProgress<ProvisioningProgress>
{
    private readonly object _gate = new();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Dictionary<OutcomeKind, int> _counts = [];
    private readonly List<ProvisioningOutcome> _outcomes = [];
    private int _processed;
    private string? _rule;
    private bool _pending;

    /// <summary>Every outcome reported, in the order they finished.</summary>
    public IReadOnlyList<ProvisioningOutcome> Outcomes
    {
        get
        {
            lock (_gate)
            {
                return _outcomes.ToArray();
            }
        }
    }

    public void Report(ProvisioningProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            _outcomes.Add(value.Last);
            _counts[value.Last.Kind] = _counts.GetValueOrDefault(value.Last.Kind) + 1;
            _processed++;
            if (quiet)
            {
                return;
            }

            if (_interactive)
            {
                Console.Error.Write($"\r{Line(value.Rule)}\u001b[K");
                _pending = true;
            }
            else if (_rule is not null && _rule != value.Rule)
            {
                Console.Error.WriteLine(Line(_rule));
            }
            else if (_processed % pageSize == 0)
            {
                Console.Error.WriteLine(Line(value.Rule));
            }

            _rule = value.Rule;
        }
    }

    /// <summary>Ends the progress output (the last line of a partial page).</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (quiet || _processed == 0)
            {
                return;
            }

            if (_interactive && _pending)
            {
                Console.Error.WriteLine();
            }
            else if (!_interactive && _processed % pageSize != 0)
            {
                Console.Error.WriteLine(Line(_rule ?? ""));
            }
        }
    }

    private string Line(string rule)
    {
        var parts = Enum.GetValues<OutcomeKind>().Where(k => _counts.GetValueOrDefault(k) > 0)
            .Select(k => $"{Output.Describe(k, verb)} {_counts[k].ToString(CultureInfo.InvariantCulture)}");
        return $"{verb} {rule}: {_processed.ToString(CultureInfo.InvariantCulture)} contact{(_processed == 1 ? "" : "s")} so far ({string.Join(", ", parts)})";
    }
}
