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
}
