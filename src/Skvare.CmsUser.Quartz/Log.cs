using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Quartz;

/// <summary>Log events of the Quartz package (event ids 7000-7099). Never logs the connection string.</summary>
internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Information, "Site {Site}: {Kind} job started (firing {FireInstanceId}, recovering {Recovering})")]
    public static partial void Started(ILogger logger, string site, string kind, string fireInstanceId, bool recovering);

    [LoggerMessage(7001, LogLevel.Information, "Site {Site}: {Kind} job finished: {Total} contact(s), quarantined {Quarantined}, stopped {StopKind}")]
    public static partial void Finished(ILogger logger, string site, string kind, int total, bool quarantined, RunStopKind stopKind);

    [LoggerMessage(7002, LogLevel.Warning, "Site {Site}: {Kind} job failed; the next firing tries again")]
    public static partial void Failed(ILogger logger, string site, string kind, Exception exception);

    [LoggerMessage(7003, LogLevel.Information, "Site {Site}: {Kind} job stopped by shutdown; the rest waits for the next firing")]
    public static partial void Cancelled(ILogger logger, string site, string kind);

    [LoggerMessage(7004, LogLevel.Information, "Site {Site}: {Kind} firing is outside the off-peak window and is skipped")]
    public static partial void OutsideWindow(ILogger logger, string site, string kind);

    [LoggerMessage(7005, LogLevel.Warning, "Job store has a {Kind} job for site {Site}, which this instance does not configure; skipped")]
    public static partial void UnknownSite(ILogger logger, string site, string kind);

    [LoggerMessage(7006, LogLevel.Information, "Site {Site}: {Kind} job scheduled ({Schedule})")]
    public static partial void Scheduled(ILogger logger, string site, string kind, string schedule);
}
