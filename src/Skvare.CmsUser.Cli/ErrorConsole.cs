using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// The tool's stderr, shared by the live progress line and everything else written there (log lines, error messages):
/// one writer and one lock, so the two never share a physical line. On a terminal the progress line is drawn after a
/// carriage return and rewritten in place; before any other text it is erased, and once that text's line has ended it is
/// drawn again below it. While other text has an unfinished line, progress only updates what will be drawn. When stderr
/// is redirected (cron, a log file) there is no live line: every write passes through unchanged. The live line is drawn to
/// fit the terminal's width as it is at each drawing: a line that wrapped would leave its first part on the screen when the
/// carriage return took the cursor back only to the start of its last part. It stays out of the last column too, where
/// some terminals move the cursor to the next line and others let "erase to the end of the line" erase the last character.
/// </summary>
internal sealed class ErrorConsole : TextWriter
{
    /// <summary>Back to the start of the line, and erase it.</summary>
    private const string EraseLine = "\r\u001b[K";

    /// <summary>Erase from the cursor to the end of the line (what a longer line drawn before left there).</summary>
    private const string EraseRest = "\u001b[K";

    /// <summary>The width assumed when the terminal's becomes unknown during a run: the classic terminal's.</summary>
    private const int DefaultColumns = 80;

    // A terminal whose width cannot be known gets no live line (it could wrap): progress comes a line per page, as in a log.
    private static readonly Lazy<ErrorConsole> Process = new(() =>
        new ErrorConsole(Console.Error, interactive: !Console.IsErrorRedirected && TerminalColumns() is not null, TerminalColumns));

    private readonly object _gate = new();
    private readonly TextWriter _inner;
    private readonly Func<int?> _columns;
    private Func<int, string>? _status;
    private bool _drawn;
    private bool _lineOpen;

    /// <summary>A console over <paramref name="inner"/>.</summary>
    /// <param name="inner">Where the text goes (the process's stderr, or a recording writer in tests).</param>
    /// <param name="interactive">Whether <paramref name="inner"/> is a terminal, where a line can be rewritten.</param>
    /// <param name="columns">The terminal's width now, or <see langword="null"/> when unknown (then 80 is assumed); by default 80.</param>
    public ErrorConsole(TextWriter inner, bool interactive, Func<int?>? columns = null)
        : base(inner.FormatProvider)
    {
        _inner = inner;
        Interactive = interactive;
        _columns = columns ?? (() => null);
        CoreNewLine = inner.NewLine.ToCharArray();
    }

    /// <summary>The process's stderr (captured once, before anything replaces <see cref="Console.Error"/>).</summary>
    public static ErrorConsole Standard => Process.Value;

    /// <summary>Whether this is a terminal with a live progress line.</summary>
    public bool Interactive { get; }

    /// <inheritdoc />
    public override Encoding Encoding => _inner.Encoding;

    /// <summary>
    /// Shows <paramref name="line"/> as the live progress line (on a terminal; elsewhere nothing is written), on one line
    /// and cut to the terminal's width.
    /// </summary>
    public void ShowStatus(string line) => ShowStatus(columns => TerminalText.Truncate(TerminalText.OneLine(line), columns));

    /// <summary>
    /// Shows the live progress line <paramref name="render"/> gives for the columns there are (on a terminal; elsewhere
    /// nothing is written): it must give one line of at most that many columns (<see cref="TerminalText.Columns"/>). It
    /// replaces the live line shown before; while another write has left its line unfinished, it is drawn once that line ends.
    /// </summary>
    public void ShowStatus(Func<int, string> render)
    {
        lock (_gate)
        {
            if (!Interactive)
            {
                return;
            }

            _status = render;
            if (!_lineOpen)
            {
                _inner.Write("\r" + Status(render) + EraseRest);
                _drawn = true;
                _inner.Flush();
            }
        }
    }

    /// <summary>
    /// Ends the live line: <paramref name="line"/> (its final words) is left on the screen on a line of its own, and no
    /// live line is drawn until the next <see cref="ShowStatus(Func{int, string})"/>.
    /// </summary>
    public void EndStatus(string line)
    {
        lock (_gate)
        {
            _status = null;
            _drawn = false;
            if (_lineOpen)
            {
                _inner.Write(NewLine);
                _lineOpen = false;
            }

            // Erased before, not after: a final line wider than the terminal wraps, and one that ends in the last column
            // would lose its last character to an erase written after it.
            _inner.Write(Interactive ? EraseLine + line + NewLine : line + NewLine);
            _inner.Flush();
        }
    }

    /// <inheritdoc />
    public override void Write(char value) => Text([value]);

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Text(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<char> buffer) => Text(buffer);

    /// <inheritdoc />
    public override void Write(string? value) => Text(value);

    /// <inheritdoc />
    public override void WriteLine(string? value) => Text(value + NewLine);

    /// <inheritdoc />
    public override void WriteLine() => Text(NewLine);

    /// <inheritdoc />
    public override void Flush()
    {
        lock (_gate)
        {
            _inner.Flush();
        }
    }

    /// <summary>Any text but the live line: the live line is erased first and drawn again after the text's line ends.</summary>
    private void Text(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            if (_drawn)
            {
                _inner.Write(EraseLine);
                _drawn = false;
            }

            _inner.Write(text);
            _lineOpen = text[^1] != '\n';
            if (!_lineOpen && _status is not null)
            {
                _inner.Write(Status(_status) + EraseRest);
                _drawn = true;
            }

            _inner.Flush();
        }
    }

    /// <summary>
    /// The terminal's width for the process's stderr: .NET's (read from stdout's terminal, or stdin's when stdout is
    /// redirected, and kept up to date when the window is resized), else <c>COLUMNS</c>, else unknown.
    /// </summary>
    internal static int? TerminalColumns()
    {
        if (!Console.IsOutputRedirected || !Console.IsInputRedirected)
        {
            try
            {
                if (Console.WindowWidth is > 0 and var width)
                {
                    return width;
                }
            }
            catch (IOException)
            {
                // No terminal to ask after all.
            }
            catch (PlatformNotSupportedException)
            {
                // Nor a console (a browser, a mobile host).
            }
        }

        // With both redirected .NET only guesses (80); a shell that exported COLUMNS knows.
        return int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? columns
            : null;
    }

    /// <summary>The live line for the terminal's width now, one column short of it (see the class remarks), at least one.</summary>
    private string Status(Func<int, string> render) => render(Math.Max(1, (_columns() ?? DefaultColumns) - 1));
}
