using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>CiviCRM log events (ids 2000-2999). Never logs the API key or the site key.</summary>
internal static partial class Log
{
    // 2000 (answered) and 2001 (failed) are the HttpChannel's events.

    [LoggerMessage(2002, LogLevel.Information, "CiviCRM identity: contact {ContactId} ({DisplayName}) in domain {DomainId}")]
    public static partial void Identity(ILogger logger, long contactId, string? displayName, long domainId);

    [LoggerMessage(2003, LogLevel.Information, "Link of CMS user {CmsUserId} repaired from contact {From} to {To}")]
    public static partial void LinkRepaired(ILogger logger, long cmsUserId, long from, long to);

    [LoggerMessage(2004, LogLevel.Warning, "Bulk {Entity}.save failed ({Message}); writing the {Count} record(s) one by one")]
    public static partial void BulkFallback(ILogger logger, string entity, string message, int count);

    [LoggerMessage(2005, LogLevel.Information, "Ensured CiviCRM option values: {Names}")]
    public static partial void OptionValuesEnsured(ILogger logger, string names);

    [LoggerMessage(2014, LogLevel.Warning, "CiviCRM stored {Count} activity record(s) in another status than {Statuses} (the status was deleted, renamed or changed while the host ran); setting the status up again and correcting them")]
    public static partial void ActivityStatusMismatch(ILogger logger, int count, string statuses);

    [LoggerMessage(2019, LogLevel.Error, "Activity status: {Problem}")]
    public static partial void ActivityStatusBroken(ILogger logger, string problem);

    [LoggerMessage(2010, LogLevel.Information, "CiviCRM API v3 {Entity}.{Action} gave no values: {Reason}")]
    public static partial void Api3Refused(ILogger logger, string entity, string action, string reason);

    [LoggerMessage(2011, LogLevel.Information, "Site time zone {Zone} ({Source})")]
    public static partial void SiteTimeZone(ILogger logger, string zone, string source);

    [LoggerMessage(2012, LogLevel.Warning, "Site time zone: {Message}")]
    public static partial void SiteTimeZoneFallback(ILogger logger, string message);
}
