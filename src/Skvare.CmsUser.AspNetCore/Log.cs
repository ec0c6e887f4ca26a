using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>Webhook log events (ids 4000-4099). Never logs the secret or the signature.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Warning, "Webhook request refused ({Reason}) from {Remote}: {Message}")]
    public static partial void Refused(ILogger logger, string reason, string? remote, string message);

    [LoggerMessage(4001, LogLevel.Information, "Webhook provisioned contact {ContactId} (event {EventId}): {Outcome} in {Elapsed}")]
    public static partial void Provisioned(ILogger logger, long contactId, string? eventId, OutcomeKind outcome, TimeSpan elapsed);

    [LoggerMessage(4002, LogLevel.Error, "Webhook could not provision contact {ContactId} (event {EventId}): {Status} {Code}")]
    public static partial void ProvisioningThrew(ILogger logger, long contactId, string? eventId, int status, string code, Exception exception);

    [LoggerMessage(4003, LogLevel.Error, "Webhook replay store failed; request refused with 503")]
    public static partial void ReplayStoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(4004, LogLevel.Information, "Webhook caller {Remote} closed the connection before the answer was written")]
    public static partial void CallerLeft(ILogger logger, string? remote);
}
