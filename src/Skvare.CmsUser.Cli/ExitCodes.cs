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
