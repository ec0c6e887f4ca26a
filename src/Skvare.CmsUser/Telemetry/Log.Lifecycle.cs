using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Telemetry;

/// <summary>Log events of deprovisioning and login links (event ids 1100-1119).</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Information, "Deprovisioning of rule {Rule} started: {When}, action {Action}")]
    public static partial void DeprovisionStarted(ILogger logger, string rule, DeprovisionWhen when, DeprovisionAction action);

    [LoggerMessage(1101, LogLevel.Information, "No login link for contact {ContactId} (CMS user {CmsUserId}): {Reason}: {Message}")]
    public static partial void LoginLinkWithheld(ILogger logger, long contactId, long? cmsUserId, LoginLinkWithheldReason reason, string message);

    [LoggerMessage(1102, LogLevel.Information, "Contact {ContactId} is provisioned again by rule {Rule} after deprovisioning ({Taken}): access to CMS user {CmsUserId} restored")]
    public static partial void AccessRestored(ILogger logger, long contactId, long cmsUserId, string rule, ActivityKind taken);

    [LoggerMessage(1103, LogLevel.Warning, "Contact {ContactId} is provisioned again after deprovisioning blocked CMS user {CmsUserId}, but the {Cms} provider cannot unblock accounts; the account stays blocked")]
    public static partial void RestoreUnsupported(ILogger logger, long contactId, long cmsUserId, string cms);

    [LoggerMessage(1104, LogLevel.Warning, "CmsUser:LoginLinks:AllowAdministrators is on and CmsUser:LoginLinks:BlockedRoles does not name {Roles}: one-time login links may be issued for accounts holding these administrator roles, and whoever may ask for a link (a webhook sender) can log in as them")]
    public static partial void AdministratorLinksAllowed(ILogger logger, string roles);
}
