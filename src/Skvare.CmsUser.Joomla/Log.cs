using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Joomla;

/// <summary>Joomla provider log events (ids 3400-3499). Never logs the API token or passwords.</summary>
internal static partial class Log
{
    // 3400 (answered) and 3402 (failed) are the HttpChannel's events.

    [LoggerMessage(3401, LogLevel.Information, "Joomla user {UserId} ({Username}) created")]
    public static partial void Created(ILogger logger, long userId, string username);

    [LoggerMessage(3404, LogLevel.Warning, "Joomla refused before calling: {Reason}: {Message}")]
    public static partial void Failed(ILogger logger, CmsErrorReason reason, string message);

    [LoggerMessage(3403, LogLevel.Information, "Joomla password reset email sent to user {UserId} through the companion")]
    public static partial void ResetSent(ILogger logger, long userId);

    [LoggerMessage(3405, LogLevel.Warning, "Joomla user {UserId} was created but the companion could not send the new-account (password reset) email: {Reason}")]
    public static partial void NotificationNotSent(ILogger logger, long userId, CmsErrorReason reason);

    [LoggerMessage(3406, LogLevel.Information, "Joomla account {UserId} unblocked")]
    public static partial void Unblocked(ILogger logger, long userId);

    [LoggerMessage(3408, LogLevel.Information, "Joomla account {UserId} blocked")]
    public static partial void Blocked(ILogger logger, long userId);
}
