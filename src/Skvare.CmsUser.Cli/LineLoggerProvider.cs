using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// The tool's log output: one line per record on the tool's stderr (<see cref="ErrorConsole"/>), written whole on the
/// logging thread, so a record never lands on the live progress line:
/// <c>info: Skvare.CmsUser.Cli.Http[5000] POST www.example.org/wp-json/wp/v2/users: HTTP 503 Service Unavailable; retry 1 in 1.2 s</c>.
/// Line breaks in a message or an exception become spaces and control characters are shown escaped (<see cref="Output.Safe"/>):
/// a carriage return or an escape sequence from a server could otherwise move the cursor.
/// </summary>
internal sealed class LineLoggerProvider(TextWriter writer) : ILoggerProvider
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, writer);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class LineLogger(string category, TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (string.IsNullOrEmpty(message) && exception is null)
            {
                return;
            }

            writer.Write(Format(logLevel, category, eventId, message, exception) + writer.NewLine);
        }
    }

    /// <summary>One record as one line, without its line end.</summary>
    internal static string Format(LogLevel level, string category, EventId eventId, string? message, Exception? exception)
    {
        var line = new StringBuilder(Level(level)).Append(": ").Append(category).Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        if (!string.IsNullOrEmpty(message))
        {
            line.Append(' ').Append(OneLine(message));
        }

        if (exception is not null)
        {
            line.Append(' ').Append(OneLine(exception.ToString()));
        }

        return line.ToString();
    }

    private static string OneLine(string text) => Output.Safe(text.Replace('\t', ' ')).Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ');

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
