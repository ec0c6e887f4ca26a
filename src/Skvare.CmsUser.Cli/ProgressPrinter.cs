namespace Skvare.CmsUser.Cli;

/// <summary>
/// Progress of a run on stderr, with running totals per outcome for the pass under way (a rule, a rule's deprovisioning,
/// or a campaign) and, when the run has more than one pass, which pass it is and the run's total:
/// <c>Provisioning [2/3] volunteers: 4 contacts so far (Created 4); 9 in the run</c>. On a terminal one line is
/// rewritten after each contact and each pass keeps its last line; when stderr is redirected (cron, a log file) a line
/// is written per page and when a pass ends. The live line is fitted to the terminal's width
/// (<see cref="ProgressLine.Render"/>), so it never wraps (a wrapped line leaves its first part on the screen when it is
/// drawn again); a pass's final line is whole. Keeps every outcome for the per-contact table and the per-pass counts.
/// Reports arrive on the engine's threads, so it locks. It writes through the tool's <see cref="ErrorConsole"/>, which log
/// lines and error messages share: they erase the live line and it is drawn again below them, never on the same line.
/// </summary>
internal sealed class ProgressPrinter : IProgress<ProvisioningProgress>
{
    private readonly object _gate = new();
    private readonly string _verb;
    private readonly int _pageSize;
    private readonly bool _quiet;
    private readonly ErrorConsole _error;
    private readonly bool _interactive;
    private readonly List<ProvisioningOutcome> _outcomes = [];
    private readonly List<PassTally> _passes = [];
    private readonly HashSet<string> _failures = new(StringComparer.Ordinal);
    private ProvisioningProgress? _last;
    private int _processed;
    private bool _pending;

    public ProgressPrinter(string verb, int pageSize, bool quiet, ErrorConsole? error = null)
    {
        _verb = verb;
        _pageSize = Math.Max(1, pageSize);
        _quiet = quiet;
        _error = error ?? CliContext.Current.Error;
        _interactive = _error.Interactive;
    }

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

    /// <summary>The passes that processed contacts, in run order, each with its own counts.</summary>
    public IReadOnlyList<PassTally> Passes
    {
        get
        {
            lock (_gate)
            {
                return _passes.Select(p => p with { Counts = new Dictionary<string, int>(p.Counts, StringComparer.Ordinal) }).ToArray();
            }
        }
    }

    public void Report(ProvisioningProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            var changed = _last is not null && (_last.Pass != value.Pass || _last.PassNumber != value.PassNumber);
            if (changed)
            {
                EndPass();
            }

            if (_passes.Count == 0 || changed)
            {
                _passes.Add(new PassTally(value.Pass, value.PassNumber, value.PassCount, new Dictionary<string, int>(StringComparer.Ordinal)));
            }

            var tally = _passes[^1];
            var word = Output.Describe(value.Last, _verb);
            tally.Counts[word] = tally.Counts.GetValueOrDefault(word) + 1;
            if (value.Last.Kind is OutcomeKind.Failed or OutcomeKind.GaveUp || value.Last.Error?.Code == CmsUserErrorCodes.NoLinkedAccount)
            {
                _failures.Add(word);
            }

            _outcomes.Add(value.Last);
            _processed++;
            _last = value;
            if (_quiet)
            {
                return;
            }

            if (_interactive)
            {
                _error.ShowStatus(Line(soFar: true).Render);
                _pending = true;
            }
            else if (tally.Total % _pageSize == 0)
            {
                _error.WriteLine(Line(soFar: true).ToString());
            }
        }
    }

    /// <summary>Ends the progress output: the last pass's final line.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            EndPass();
        }
    }

    /// <summary>Leaves the pass's final line (its counts without "so far") before the next pass or the end.</summary>
    private void EndPass()
    {
        if (_quiet || _last is null || _passes.Count == 0)
        {
            return;
        }

        if (_interactive && _pending)
        {
            _error.EndStatus(Line(soFar: false).ToString());
            _pending = false;
        }
        else if (!_interactive)
        {
            // Always, even right after a page's line with the same count ("2000 contacts so far"): a log's last line
            // of a rule must not read as if the rule were still under way.
            _error.WriteLine(Line(soFar: false).ToString());
        }
    }

    private ProgressLine Line(bool soFar)
    {
        var tally = _passes[^1];
        return new ProgressLine(_verb, tally.Pass, tally.Number, tally.Count, tally.Total, [.. tally.Counts], _processed, soFar, _failures.ToHashSet(StringComparer.Ordinal));
    }
}

/// <summary>One pass of a run and what its contacts got (in the command's words: Created, Sent, Gave up…).</summary>
/// <param name="Pass">The pass (<see cref="ProvisioningProgress.Pass"/>).</param>
/// <param name="Number">Its position in the run, from 1.</param>
/// <param name="Count">How many passes the run has.</param>
/// <param name="Counts">Contacts per outcome word, in the order the words first appeared.</param>
internal sealed record PassTally(string Pass, int Number, int Count, Dictionary<string, int> Counts)
{
    /// <summary>Contacts processed by the pass.</summary>
    public int Total => Counts.Values.Sum();
}
