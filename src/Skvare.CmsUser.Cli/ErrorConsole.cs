using System.Text;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// The tool's stderr, shared by the live progress line and everything else written there (log lines, error messages):
/// one writer and one lock, so the two never share a physical line. On a terminal the progress line is drawn after a
/// carriage return and rewritten in place; before any other text it is erased, and once that text's line has ended it is
/// drawn again below it. While other text has an unfinished line, progress only updates what will be drawn. When stderr
/// is redirected (cron, a log file) there is no live line: every write passes through unchanged.
/// </summary>
internal sealed class ErrorConsole : TextWriter
{
    /// <summary>Back to the start of the line, and erase it.</summary>
    private const string EraseLine = "\r\u001b[K";

    /// <summary>Erase from the cursor to the end of the line (what a longer line drawn before left there).</summary>
    private const string EraseRest = "\u001b[K";

    private static readonly Lazy<ErrorConsole> Process = new(() => new ErrorConsole(Console.Error, interactive: !Console.IsErrorRedirected));

    private readonly object _gate = new();
    private readonly TextWriter _inner;
    private string? _status;
    private bool _drawn;
    private bool _lineOpen;

    /// <summary>A console over <paramref name="inner"/>.</summary>
    /// <param name="inner">Where the text goes (the process's stderr, or a recording writer in tests).</param>
    /// <param name="interactive">Whether <paramref name="inner"/> is a terminal, where a line can be rewritten.</param>
    public ErrorConsole(TextWriter inner, bool interactive)
        : base(inner.FormatProvider)
    {
        _inner = inner;
        Interactive = interactive;
        CoreNewLine = inner.NewLine.ToCharArray();
    }

    /// <summary>The process's stderr (captured once, before anything replaces <see cref="Console.Error"/>).</summary>
    public static ErrorConsole Standard => Process.Value;

    /// <summary>Whether this is a terminal with a live progress line.</summary>
    public bool Interactive { get; }

    /// <inheritdoc />
    public override Encoding Encoding => _inner.Encoding;

    /// <summary>
    /// Shows <paramref name="line"/> as the live progress line (on a terminal; elsewhere nothing is written). It replaces the
    /// live line shown before; while another write has left its line unfinished, it is drawn once that line ends.
    /// </summary>
    public void ShowStatus(string line)
    {
        lock (_gate)
        {
            if (!Interactive)
            {
                return;
            }

            _status = line;
            if (!_lineOpen)
            {
                _inner.Write("\r" + line + EraseRest);
                _drawn = true;
                _inner.Flush();
            }
        }
    }

    /// <summary>
    /// Ends the live line: <paramref name="line"/> (its final words) is left on the screen on a line of its own, and no
    /// live line is drawn until the next <see cref="ShowStatus"/>.
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

            _inner.Write(Interactive ? "\r" + line + EraseRest + NewLine : line + NewLine);
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
                _inner.Write(_status + EraseRest);
                _drawn = true;
            }

            _inner.Flush();
        }
    }
}
