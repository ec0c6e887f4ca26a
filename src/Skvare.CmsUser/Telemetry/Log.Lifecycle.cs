using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Telemetry;

/// <summary>Log events of deprovisioning and login links (event ids 1100-1119).</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Information, "Deprovisioning of rule {Rule} started: {When}, action {Action}")]
    public static partial void DeprovisionStarted(ILogger logger, string rule, DeprovisionWhen when, DeprovisionAction action);

    [LoggerMessage(1101, LogLevel.Information, "No login link for contact {ContactId} (CMS user {CmsUserId}): {Reason}")]
    public static partial void LoginLinkWithheld(ILogger logger, long contactId, long cmsUserId, string reason);
}
