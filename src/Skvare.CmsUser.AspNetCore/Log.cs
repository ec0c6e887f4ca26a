using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>Webhook log events (ids 4000-4099). Never logs the secret or the signature.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Warning, "Webhook request refused ({Reason}) from {Remote}: {Message}")]
    public static partial void Refused(ILogger logger, string reason, string? remote, string message);

    [LoggerMessage(4001, LogLevel.Information, "Webhook provisioned contact {ContactId}: {Outcome} in {Elapsed}")]
    public static partial void Provisioned(ILogger logger, long contactId, OutcomeKind outcome, TimeSpan elapsed);
}
