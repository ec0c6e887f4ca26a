using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Drupal7;

/// <summary>Log messages of the Drupal 7 provider (event ids 3200-3299). Never a password, session id or CSRF token.</summary>
internal static partial class Log
{
    // 3200 (answered) and 3203 (failed) are the HttpChannel's events.

    [LoggerMessage(3201, LogLevel.Information, "Drupal 7 account {UserId} created")]
    public static partial void Created(ILogger logger, long userId);

    [LoggerMessage(3202, LogLevel.Debug, "Drupal 7 session opened for user {UserId}")]
    public static partial void LoggedIn(ILogger logger, long userId);

    [LoggerMessage(3205, LogLevel.Information, "Drupal 7 account {UserId} now has role ids {Roles}")]
    public static partial void RolesChanged(ILogger logger, long userId, string roles);

    [LoggerMessage(3206, LogLevel.Information, "Drupal 7 sent the {Operation} email of account {UserId}")]
    public static partial void MailSent(ILogger logger, long userId, string operation);

    [LoggerMessage(3207, LogLevel.Information, "Drupal 7 account {UserId} blocked")]
    public static partial void Blocked(ILogger logger, long userId);

    [LoggerMessage(3208, LogLevel.Information, "Drupal 7 session no longer accepted (HTTP {StatusCode}); logging in again and repeating {Method} {Route} once")]
    public static partial void SessionRefused(ILogger logger, int statusCode, string method, string route);

    [LoggerMessage(3209, LogLevel.Information, "Drupal 7 account {UserId} unblocked")]
    public static partial void Unblocked(ILogger logger, long userId);
}
