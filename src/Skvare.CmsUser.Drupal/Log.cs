using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Drupal;

/// <summary>Log messages of the Drupal 8+ provider (event ids 3100-3199). Never a secret, password, token or link.</summary>
internal static partial class Log
{
    // 3100 (answered) and 3103 (failed) are the HttpChannel's events.

    [LoggerMessage(3101, LogLevel.Information, "Drupal account {UserId} created")]
    public static partial void Created(ILogger logger, long userId);

    [LoggerMessage(3102, LogLevel.Warning, "Drupal account {UserId} was created but its {Notification} email could not be sent: {Reason}")]
    public static partial void NotificationNotSent(ILogger logger, long userId, string notification, CmsErrorReason reason);

    [LoggerMessage(3105, LogLevel.Information, "Drupal account {UserId} now has roles {Roles}")]
    public static partial void RolesAdded(ILogger logger, long userId, string roles);

    [LoggerMessage(3106, LogLevel.Information, "Drupal sent the {Operation} email of account {UserId}")]
    public static partial void MailSent(ILogger logger, long userId, string operation);

    [LoggerMessage(3107, LogLevel.Information, "Drupal account {UserId} blocked")]
    public static partial void Blocked(ILogger logger, long userId);

    [LoggerMessage(3108, LogLevel.Information, "Drupal issued a one-time login link for account {UserId}")]
    public static partial void LoginLinkIssued(ILogger logger, long userId);

    [LoggerMessage(3109, LogLevel.Debug, "Drupal OAuth token obtained, valid for {Lifetime}")]
    public static partial void TokenObtained(ILogger logger, TimeSpan lifetime);

    [LoggerMessage(3110, LogLevel.Information, "Drupal refused the OAuth token; fetching a new one and repeating {Method} {Route} once")]
    public static partial void TokenRefused(ILogger logger, string method, string route);

    [LoggerMessage(3111, LogLevel.Information, "Drupal has no companion module configured; the new-account notification of account {UserId} is sent as the password-reset email")]
    public static partial void NotificationFallback(ILogger logger, long userId);

    [LoggerMessage(3112, LogLevel.Information, "Drupal account {UserId} unblocked")]
    public static partial void Unblocked(ILogger logger, long userId);

    [LoggerMessage(3113, LogLevel.Debug, "The Drupal page look-up failed ({Reason}, HTTP {StatusCode}); accounts are looked up one by one")]
    public static partial void PrefetchFailed(ILogger logger, CmsErrorReason reason, int? statusCode);
}
