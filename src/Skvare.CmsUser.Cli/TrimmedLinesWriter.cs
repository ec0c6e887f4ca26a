using System.Text;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// Writes through to another writer with the spaces at the end of each line left out: a table drawn for a file or a pipe
/// pads its last column to the column's width, which a log file, a cron mail or <c>diff</c> would carry as trailing white
/// space. Spaces are held back until the line shows whether a visible character follows them (then they are written, in
/// place) or the line ends (then they are dropped); a carriage return before the line feed is kept. Nothing else changes.
/// </summary>
internal sealed class TrimmedLinesWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly StringBuilder _held = new();
    private readonly StringBuilder _chunk = new();
    private readonly object _gate = new();

    /// <summary>A writer over <paramref name="inner"/>, which stays open when this one is disposed.</summary>
    /// <param name="inner">Where the text goes.</param>
    public TrimmedLinesWriter(TextWriter inner)
        : base(inner.FormatProvider)
    {
        _inner = inner;
        CoreNewLine = inner.NewLine.ToCharArray();
    }

    /// <inheritdoc />
    public override Encoding Encoding => _inner.Encoding;

    /// <inheritdoc />
    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override void Write(string? value) => Write(value.AsSpan());

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<char> buffer)
    {
        lock (_gate)
        {
            foreach (var c in buffer)
            {
                switch (c)
                {
                    case ' ' or '\r':
                        _held.Append(c);
                        break;
                    case '\n':
                        // The line ends: its held spaces were trailing; a carriage return of a CR LF stays.
                        foreach (var held in _held.GetChunks())
                        {
                            foreach (var h in held.Span)
                            {
                                if (h == '\r')
                                {
                                    _chunk.Append(h);
                                }
                            }
                        }

                        _held.Clear();
                        _chunk.Append(c);
                        break;
                    default:
                        _chunk.Append(_held).Append(c);
                        _held.Clear();
                        break;
                }
            }

            // One write per call: the process's stdout flushes on every write.
            if (_chunk.Length > 0)
            {
                _inner.Write(_chunk.ToString());
                _chunk.Clear();
            }
        }
    }

    /// <inheritdoc />
    public override void Flush()
    {
        // Held spaces stay held: the line they are on has not ended.
        _inner.Flush();
    }
}
