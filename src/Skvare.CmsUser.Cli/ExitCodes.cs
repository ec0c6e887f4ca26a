namespace Skvare.CmsUser.Cli;

/// <summary>The process exit codes of <c>cmsuser</c> (docs/cli.md lists them for cron users).</summary>
internal static class ExitCodes
{
    /// <summary>Done: every contact was handled (or there was nothing to do).</summary>
    public const int Done = 0;

    /// <summary>Done, but some contacts failed (they are retried on the next run, or gave up).</summary>
    public const int SomeFailed = 1;

    /// <summary>The run stopped early: quarantined, a server unavailable, or cancelled. Run again later.</summary>
    public const int Stopped = 2;

    /// <summary>Configuration, credentials or command-line usage are wrong: a person has to fix them.</summary>
    public const int Configuration = 3;

    /// <summary>
    /// A defect: the run (or the command) stopped on an unexpected exception, not on a setting. Report it with the
    /// output of the same command run with <c>--verbose</c> (the exception and its stack trace).
    /// </summary>
    public const int Defect = 4;

    /// <summary>The <c>status</c> of an exit code in the <c>--json</c> document.</summary>
    public static string Status(int exitCode) => exitCode switch
    {
        Done => "done",
        SomeFailed => "done_with_failures",
        Stopped => "stopped",
        Defect => "defect",
        _ => "configuration",
    };
}

/// <summary>An expected error: one message for the user and the exit code it maps to.</summary>
/// <param name="message">The message, never a secret.</param>
/// <param name="exitCode">One of <see cref="ExitCodes"/>.</param>
/// <param name="innerException">The cause, shown only with <c>--verbose</c>.</param>
internal sealed class CliException(string message, int exitCode, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>The exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
