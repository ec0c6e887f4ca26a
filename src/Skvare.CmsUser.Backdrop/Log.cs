using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Backdrop;

/// <summary>Log messages of the Backdrop provider (event ids 3300-3399). Never a secret, password or link.</summary>
internal static partial class Log
{
    // 3300 (answered) and 3303 (failed) are the HttpChannel's events; 3304 (transport failure) is now 3303 too.

    [LoggerMessage(3301, LogLevel.Information, "Backdrop account {UserId} created")]
    public static partial void Created(ILogger logger, long userId);

    [LoggerMessage(3302, LogLevel.Warning, "Backdrop account {UserId} was created but the site could not send its {Notification} email")]
    public static partial void NotificationNotSent(ILogger logger, long userId, string notification);

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

    [LoggerMessage(3310, LogLevel.Information, "Backdrop account {UserId} now has roles {Roles} (roles removed)")]
    public static partial void RolesRemoved(ILogger logger, long userId, string roles);

    [LoggerMessage(3311, LogLevel.Information, "Backdrop account {UserId} unblocked")]
    public static partial void Unblocked(ILogger logger, long userId);
}
