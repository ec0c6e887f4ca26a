using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Standalone;

/// <summary>Standalone provider log events (ids 3500-3599). Never logs the API key, site key or passwords.</summary>
internal static partial class Log
{
    [LoggerMessage(3500, LogLevel.Information, "Standalone user {UserId} ({Username}) created for contact {ContactId}")]
    public static partial void Created(ILogger logger, long userId, string username, long? contactId);

    [LoggerMessage(3501, LogLevel.Information, "Standalone password reset email sent to user {UserId}")]
    public static partial void ResetSent(ILogger logger, long userId);

    [LoggerMessage(3502, LogLevel.Information, "Standalone user {UserId} blocked")]
    public static partial void Blocked(ILogger logger, long userId);

    [LoggerMessage(3503, LogLevel.Warning, "Standalone call failed: {Reason}: {Message}")]
    public static partial void Failed(ILogger logger, CmsErrorReason reason, string message);

    [LoggerMessage(3504, LogLevel.Information, "Standalone user {UserId} removed again (rolled back)")]
    public static partial void Removed(ILogger logger, long userId);

    [LoggerMessage(3505, LogLevel.Error, "Standalone user {UserId} could not be removed; blocking it instead: {Message}")]
    public static partial void RemoveFailed(ILogger logger, long userId, string message);

    [LoggerMessage(3506, LogLevel.Warning, "Standalone page look-up failed; looking users up one by one: {Message}")]
    public static partial void PrefetchFailed(ILogger logger, string message);

    [LoggerMessage(3507, LogLevel.Information, "CiviCRM Standalone user {UserId} unblocked")]
    public static partial void Unblocked(ILogger logger, long userId);

    [LoggerMessage(3508, LogLevel.Warning, "Standalone {Method} {Path} answered {Answer} with a body it cannot use ({Failure}): {Excerpt}")]
    public static partial void UnusableAnswer(ILogger logger, string method, string path, string answer, CmsErrorReason failure, string excerpt);
}
