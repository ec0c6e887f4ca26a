using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>Webhook log events (ids 4000-4099). Never logs the secret or the signature.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Warning, "Webhook request refused ({Reason}) from {Remote}: {Message}")]
    public static partial void Refused(ILogger logger, string reason, string? remote, string message);

    /// <summary>
    /// Event 4001, with the caller's event id when it sent one and the time taken in milliseconds; a call that gave a
    /// deprovisioned account back (<see cref="ProvisioningOutcome.AccessRestored"/>) says so and carries
    /// <c>AccessRestored</c>, as the answer's <c>accessRestored</c>.
    /// </summary>
    public static void Provisioned(ILogger logger, long contactId, string? eventId, OutcomeKind outcome, bool accessRestored, TimeSpan elapsed)
    {
        var elapsedMs = Math.Round(elapsed.TotalMilliseconds, 1);
        switch ((eventId, accessRestored))
        {
            case (null, false):
                ProvisionedWithoutEvent(logger, contactId, outcome, elapsedMs);
                break;
            case (null, true):
                RestoredWithoutEvent(logger, contactId, outcome, accessRestored, elapsedMs);
                break;
            case ({ } id, false):
                ProvisionedEvent(logger, contactId, id, outcome, elapsedMs);
                break;
            case ({ } id, true):
                RestoredEvent(logger, contactId, id, outcome, accessRestored, elapsedMs);
                break;
        }
    }

    /// <summary>Event 4002, with the caller's event id when it sent one.</summary>
    public static void ProvisioningThrew(ILogger logger, long contactId, string? eventId, int status, string code, Exception exception)
    {
        if (eventId is null)
        {
            ProvisioningThrewWithoutEvent(logger, contactId, status, code, exception);
        }
        else
        {
            ProvisioningThrewEvent(logger, contactId, eventId, status, code, exception);
        }
    }

    // One event each, in several wordings: a call without an event id says nothing of one (not "(event (null))"), and only
    // a call that restored access says so.
#pragma warning disable SYSLIB1006 // The same event id on purpose: one event, with and without the caller's event id.
    [LoggerMessage(4001, LogLevel.Information, "Webhook provisioned contact {ContactId} (event {EventId}): {Outcome} in {ElapsedMs} ms")]
    private static partial void ProvisionedEvent(ILogger logger, long contactId, string eventId, OutcomeKind outcome, double elapsedMs);

    [LoggerMessage(4001, LogLevel.Information, "Webhook provisioned contact {ContactId}: {Outcome} in {ElapsedMs} ms")]
    private static partial void ProvisionedWithoutEvent(ILogger logger, long contactId, OutcomeKind outcome, double elapsedMs);

    [LoggerMessage(4001, LogLevel.Information, "Webhook provisioned contact {ContactId} (event {EventId}): {Outcome} (access restored: {AccessRestored}) in {ElapsedMs} ms")]
    private static partial void RestoredEvent(ILogger logger, long contactId, string eventId, OutcomeKind outcome, bool accessRestored, double elapsedMs);

    [LoggerMessage(4001, LogLevel.Information, "Webhook provisioned contact {ContactId}: {Outcome} (access restored: {AccessRestored}) in {ElapsedMs} ms")]
    private static partial void RestoredWithoutEvent(ILogger logger, long contactId, OutcomeKind outcome, bool accessRestored, double elapsedMs);

    [LoggerMessage(4002, LogLevel.Error, "Webhook could not provision contact {ContactId} (event {EventId}): {Status} {Code}")]
    private static partial void ProvisioningThrewEvent(ILogger logger, long contactId, string eventId, int status, string code, Exception exception);

    [LoggerMessage(4002, LogLevel.Error, "Webhook could not provision contact {ContactId}: {Status} {Code}")]
    private static partial void ProvisioningThrewWithoutEvent(ILogger logger, long contactId, int status, string code, Exception exception);
#pragma warning restore SYSLIB1006

    [LoggerMessage(4003, LogLevel.Error, "Webhook replay store failed; request refused with 503")]
    public static partial void ReplayStoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(4004, LogLevel.Information, "Webhook caller {Remote} closed the connection before the answer was written")]
    public static partial void CallerLeft(ILogger logger, string? remote);

    /// <summary>
    /// Event 4005: the caller hung up while its contact was being provisioned, which stopped the call where it was (a create
    /// under way is abandoned by the client, and the account may exist). Names the contact and the caller's event id, so the
    /// contact the call left unfinished can be found in the log; the next call or batch run finishes it.
    /// </summary>
    public static void CallerLeftWhileProvisioning(ILogger logger, string? remote, long contactId, string? eventId)
    {
        if (eventId is null)
        {
            CallerLeftWhileProvisioningWithoutEvent(logger, remote, contactId);
        }
        else
        {
            CallerLeftWhileProvisioningEvent(logger, remote, contactId, eventId);
        }
    }

#pragma warning disable SYSLIB1006 // The same event id on purpose: one event, with and without the caller's event id.
    [LoggerMessage(4005, LogLevel.Warning, "Webhook caller {Remote} closed the connection while contact {ContactId} (event {EventId}) was being provisioned; the call stopped unfinished (an account the CMS may have created meanwhile is recorded by the next call or run)")]
    private static partial void CallerLeftWhileProvisioningEvent(ILogger logger, string? remote, long contactId, string eventId);

    [LoggerMessage(4005, LogLevel.Warning, "Webhook caller {Remote} closed the connection while contact {ContactId} was being provisioned; the call stopped unfinished (an account the CMS may have created meanwhile is recorded by the next call or run)")]
    private static partial void CallerLeftWhileProvisioningWithoutEvent(ILogger logger, string? remote, long contactId);
#pragma warning restore SYSLIB1006
}
