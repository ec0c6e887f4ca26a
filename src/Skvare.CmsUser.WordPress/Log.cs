using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.WordPress;

/// <summary>Log messages of the WordPress provider (event ids 3000-3099). Never a password.</summary>
internal static partial class Log
{
    // 3000 (answered) and 3002 (failed) are the HttpChannel's events.

    [LoggerMessage(3001, LogLevel.Information, "WordPress account {UserId} created for username {Username}")]
    public static partial void Created(ILogger logger, long userId, string username);

    [LoggerMessage(3003, LogLevel.Debug, "WordPress ignored search_columns; searching without it")]
    public static partial void SearchColumnsRejected(ILogger logger);

    [LoggerMessage(3004, LogLevel.Warning, "WordPress account {UserId} was created but its email could not be sent: {Reason}")]
    public static partial void NotificationAfterCreateFailed(ILogger logger, long userId, CmsErrorReason reason);

    [LoggerMessage(3005, LogLevel.Information, "WordPress account {UserId} now has roles {Roles}")]
    public static partial void RolesSet(ILogger logger, long userId, string roles);

    [LoggerMessage(3006, LogLevel.Information, "WordPress account {UserId} blocked ({Method})")]
    public static partial void Blocked(ILogger logger, long userId, string method);

    [LoggerMessage(3007, LogLevel.Information, "WordPress sent the {Kind} email for account {UserId}")]
    public static partial void MailRequested(ILogger logger, string kind, long userId);

    [LoggerMessage(3008, LogLevel.Warning, "The WordPress companion plugin has no create route (plugin older than 0.2.0): creating through the core API, with a second request for the new-account email")]
    public static partial void CompanionCreateMissing(ILogger logger);

    [LoggerMessage(3009, LogLevel.Debug, "The WordPress page look-up failed ({Reason}, {Code}); accounts are looked up one by one")]
    public static partial void PrefetchFailed(ILogger logger, CmsErrorReason reason, string? code);

    [LoggerMessage(3012, LogLevel.Information, "WordPress account {UserId} unblocked ({Method})")]
    public static partial void Unblocked(ILogger logger, long userId, string method);
}
