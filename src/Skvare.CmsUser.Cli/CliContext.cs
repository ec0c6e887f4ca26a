using Spectre.Console;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// What one invocation of the tool reads and writes outside itself: stdout, stderr, the working folder and the environment
/// variables. The process's own by default; <see cref="CliApp.RunAsync(string[], CliContext, CancellationToken)"/> runs
/// the same commands with a test's writers, folder and variables instead, so tests that need no real process (no signal,
/// no shell) run the tool in their own process, several at once.
/// </summary>
internal sealed class CliContext
{
    private static readonly AsyncLocal<CliContext?> Ambient = new();

    private static readonly Lazy<CliContext> Process = new(() => new CliContext(Console.Out, ErrorConsole.Standard, Console.IsOutputRedirected, null, null));

    /// <summary>
    /// The width of stdout when it is a file or a pipe: wider than any line the tool writes, so none is wrapped; a table is
    /// only as wide as its cells, and its lines lose their trailing spaces (<see cref="TrimmedLinesWriter"/>).
    /// </summary>
    internal const int RedirectedWidth = 1 << 20;

    private readonly string? _workingDirectory;
    private readonly Lazy<IAnsiConsole> _human;

    private CliContext(TextWriter output, ErrorConsole error, bool outputRedirected, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        Out = output;
        Error = error;
        OutputRedirected = outputRedirected;
        _workingDirectory = workingDirectory;
        Environment = environment;
        _human = new(() =>
        {
            var human = AnsiConsole.Create(new AnsiConsoleSettings
            {
                // A table pads its last column to the column's width: a file or a pipe gets lines without trailing spaces.
                Out = new AnsiConsoleOutput(outputRedirected ? new TrimmedLinesWriter(output) : output),
                Ansi = outputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
                ColorSystem = outputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            });
            if (outputRedirected)
            {
                // A log file or a cron mail has no width: a line is never wrapped (a long error stays one line for grep).
                human.Profile.Width = RedirectedWidth;
            }

            return human;
        });
    }

    /// <summary>A context over a caller's writers, folder and variables: stdout is a file or a pipe (not a terminal).</summary>
    /// <param name="output">stdout.</param>
    /// <param name="error">stderr (its <see cref="ErrorConsole.Interactive"/> says whether it is a terminal).</param>
    /// <param name="workingDirectory">The working folder (where <c>appsettings.json</c> is looked for).</param>
    /// <param name="environment">Every environment variable the tool sees (only <c>CmsUser__…</c> ones are read).</param>
    public CliContext(TextWriter output, ErrorConsole error, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        : this(output, error, outputRedirected: true, workingDirectory, environment)
    {
    }

    /// <summary>The context of the invocation under way: the one <see cref="CliApp.RunAsync(string[], CliContext, CancellationToken)"/> was given, else the process's.</summary>
    public static CliContext Current => Ambient.Value ?? Process.Value;

    /// <summary>stdout.</summary>
    public TextWriter Out { get; }

    /// <summary>Whether stdout is a file or a pipe (no terminal: no width, no colours).</summary>
    public bool OutputRedirected { get; }

    /// <summary>stderr, shared by the live progress line and everything else written there.</summary>
    public ErrorConsole Error { get; }

    /// <summary>stdout for tables and summaries (a terminal's colours and width; elsewhere no colours, no wrapping and no trailing spaces).</summary>
    public IAnsiConsole Human => _human.Value;

    /// <summary>The working folder.</summary>
    public string WorkingDirectory => _workingDirectory ?? System.Environment.CurrentDirectory;

    /// <summary>The environment variables, or <see langword="null"/> for the process's own.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; }

    /// <summary>Makes <paramref name="context"/> the current one for the rest of the calling async flow (and what it starts).</summary>
    public static void Enter(CliContext context) => Ambient.Value = context;
}
