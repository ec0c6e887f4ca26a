using System.Text;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Regression: the live progress line wrapped when it was wider than the terminal, and the carriage return that starts
/// its next drawing went back only to the start of the wrapped part, so the first part stayed on the screen.
/// </summary>
public sealed class NarrowTerminalTests
{
    private static ProvisioningProgress Report(string pass, int run, int number, int count, OutcomeKind kind = OutcomeKind.Created) =>
        new(pass, run, new ProvisioningOutcome { ContactId = run, Kind = kind, Rule = pass })
        {
            Pass = pass,
            PassNumber = number,
            PassCount = count,
        };

    [Fact]
    public void On_a_narrow_terminal_only_the_final_line_of_each_pass_stays_on_the_screen()
    {
        var terminal = new Terminal(columns: 40);
        var printer = new ProgressPrinter(Verbs.Provision, pageSize: 100, quiet: false, new ErrorConsole(terminal, interactive: true, () => terminal.Columns));

        for (var i = 1; i <= 12; i++)
        {
            printer.Report(Report("members of the regional board", i, 1, 2, i % 4 == 0 ? OutcomeKind.GaveUp : OutcomeKind.Created));
            terminal.CursorRowText.Length.Should().BeLessThan(40, "the live line stays out of the last column");
        }

        printer.Report(Report("volunteers", 13, 2, 2));
        terminal.CursorRowText.Should().Be("[2/2] volunteers: 1 contact (Created 1)");
        printer.Finish();

        // Final lines are whole, and longer than the terminal: they wrap, and stay (each is one logical line).
        terminal.Lines().Should().Equal(
            "Provisioning [1/2] members of the regional board: 12 contacts (Created 9, Gave up 3); 12 in the run",
            "Provisioning [2/2] volunteers: 1 contact (Created 1); 13 in the run");
    }

    [Fact]
    public void When_the_terminal_narrows_or_widens_during_a_run_each_drawing_fits_the_width_it_has_then()
    {
        var terminal = new Terminal(columns: 100);
        var console = new ErrorConsole(terminal, interactive: true, () => terminal.Columns);
        var printer = new ProgressPrinter(Verbs.Provision, pageSize: 100, quiet: false, console);
        int[] widths = [100, 30, 30, 12, 55, 3, 1, 80];

        for (var i = 0; i < widths.Length; i++)
        {
            terminal.Columns = widths[i];
            printer.Report(Report("volunteers", i + 1, 1, 1));
            TerminalText.Columns(terminal.CursorRowText).Should().BeLessThanOrEqualTo(Math.Max(1, widths[i] - 1));
            console.WriteLine($"info: a log line at width {widths[i]}");
            TerminalText.Columns(terminal.CursorRowText).Should().BeLessThanOrEqualTo(Math.Max(1, widths[i] - 1), "the line drawn again below a log line fits too");
        }

        terminal.CursorRowText.Should().Be("Provisioning volunteers: 8 contacts so far (Created 8)");
    }

    [Fact]
    public void When_the_width_can_no_longer_be_read_the_live_line_fits_the_classic_80_columns()
    {
        var terminal = new Terminal(columns: 80);
        var console = new ErrorConsole(terminal, interactive: true, () => null);

        console.ShowStatus(new string('x', 70) + " ends here, past the 80th column " + new string('y', 20));

        terminal.CursorRowText.Should().Be(new string('x', 70) + " ends he…");
        terminal.Lines().Should().ContainSingle();
    }

    /// <summary>
    /// A terminal of one column per character: text wraps at the right edge (a character in the last column leaves the
    /// cursor there until the next one, as in xterm), a carriage return goes back to the start of the row the cursor is on,
    /// ESC [ K erases from the cursor to the end of that row. Rows a line wrapped into are remembered as one line.
    /// </summary>
    private sealed class Terminal(int columns) : TextWriter
    {
        private readonly List<StringBuilder> _rows = [new()];
        private readonly List<bool> _continued = [false];
        private int _row;
        private int _column;
        private bool _pendingWrap;
        private int _escape;

        public int Columns { get; set; } = columns;

        public override Encoding Encoding => Encoding.UTF8;

        /// <summary>The row the cursor is on.</summary>
        public string CursorRowText => _rows[_row].ToString();

        public override void Write(char value)
        {
            if (_escape == 1)
            {
                _escape = value == '[' ? 2 : 0;
                return;
            }

            if (_escape == 2)
            {
                value.Should().Be('K', "the console only erases to the end of the line");
                var row = _rows[_row];
                row.Length = Math.Min(row.Length, _column);
                _escape = 0;
                return;
            }

            switch (value)
            {
                case '\u001b':
                    _escape = 1;
                    return;
                case '\r':
                    _column = 0;
                    _pendingWrap = false;
                    return;
                case '\n':
                    NextRow(continued: false);
                    return;
            }

            if (_pendingWrap)
            {
                NextRow(continued: true);
            }

            var current = _rows[_row];
            if (_column < current.Length)
            {
                current[_column] = value;
            }
            else
            {
                current.Append(value);
            }

            if (_column == Columns - 1)
            {
                _pendingWrap = true;
            }
            else
            {
                _column++;
            }
        }

        /// <summary>The screen's lines, each row joined to the rows it wrapped into; the cursor's empty last row left out.</summary>
        public List<string> Lines()
        {
            var lines = new List<string>();
            for (var i = 0; i < _rows.Count; i++)
            {
                if (_continued[i])
                {
                    lines[^1] += _rows[i].ToString();
                }
                else if (i < _rows.Count - 1 || _rows[i].Length > 0)
                {
                    lines.Add(_rows[i].ToString());
                }
            }

            return lines;
        }

        private void NextRow(bool continued)
        {
            _row++;
            if (_row == _rows.Count)
            {
                _rows.Add(new StringBuilder());
                _continued.Add(continued);
            }

            _column = 0;
            _pendingWrap = false;
        }
    }
}
