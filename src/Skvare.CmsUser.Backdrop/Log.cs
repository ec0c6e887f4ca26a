using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Backdrop;

/// <summary>Log messages of the Backdrop provider (event ids 3300-3399). Never a secret, password or link.</summary>
internal static partial class Log
{
    [LoggerMessage(3300, LogLevel.Debug, "Backdrop {Method} {Route} answered {StatusCode}")]
    public static partial void Answered(ILogger logger, string method, string route, int statusCode);

    [LoggerMessage(3301, LogLevel.Information, "Backdrop account {UserId} created")]
    public static partial void Created(ILogger logger, long userId);

    [LoggerMessage(3302, LogLevel.Warning, "Backdrop account {UserId} was created but the site could not send its {Notification} email")]
    public static partial void NotificationNotSent(ILogger logger, long userId, string notification);

    [LoggerMessage(3303, LogLevel.Warning, "Backdrop {Method} {Route} failed: {Reason} (HTTP {StatusCode}, code {ErrorCode})")]
    public static partial void CallFailed(ILogger logger, string method, string route, CmsErrorReason reason, int? statusCode, string? errorCode);

    [LoggerMessage(3304, LogLevel.Warning, "Backdrop {Method} {Route} did not complete: {Reason} ({ExceptionType})")]
    public static partial void TransportFailed(ILogger logger, string method, string route, CmsErrorReason reason, string exceptionType);

    [LoggerMessage(3305, LogLevel.Information, "Backdrop account {UserId} now has roles {Roles}")]
    public static partial void RolesAdded(ILogger logger, long userId, string roles);

    [LoggerMessage(3306, LogLevel.Information, "Backdrop sent the {Operation} email of account {UserId}")]
    public static partial void MailSent(ILogger logger, long userId, string operation);

    [LoggerMessage(3307, LogLevel.Information, "Backdrop account {UserId} blocked")]
    public static partial void Blocked(ILogger logger, long userId);

    [LoggerMessage(3308, LogLevel.Information, "Backdrop issued a one-time login link for account {UserId}")]
    public static partial void LoginLinkIssued(ILogger logger, long userId);

    [LoggerMessage(3309, LogLevel.Information, "Backdrop's email look-up matched account {UserId} only as the database compares text (accents or spaces differ); not treated as the same address")]
    public static partial void LookalikeEmailIgnored(ILogger logger, long userId);
}
