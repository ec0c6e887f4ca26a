using Microsoft.Extensions.Logging;

namespace Skvare.CmsUser.Telemetry;

/// <summary>Log events of the core engine (event ids 1000-1999). Never logs a secret.</summary>
internal static partial class Log
{
    // The kind, as event 1001 says it: a reset campaign's run is not a provisioning run. The passes are the rules, their
    // deprovisioning passes, or the reset campaigns.
    [LoggerMessage(1000, LogLevel.Information, "{Kind} run started: {PassCount} pass(es), page size {PageSize}, concurrency {Concurrency}, CMS {Cms}")]
    public static partial void RunStarted(ILogger logger, string kind, int passCount, int pageSize, int concurrency, string cms);

    [LoggerMessage(1001, LogLevel.Information, "{Kind} run finished in {Duration}: {Total} contact(s), created {Created}, linked {Linked}, already linked {AlreadyLinked}, failed {Failed}, gave up {GaveUp}, skipped {Skipped}")]
    public static partial void RunFinished(ILogger logger, string kind, TimeSpan duration, int total, int created, int linked, int alreadyLinked, int failed, int gaveUp, int skipped);

    [LoggerMessage(1002, LogLevel.Information, "Rule {Rule} started (trigger {Trigger})")]
    public static partial void RuleStarted(ILogger logger, string rule, string trigger);

    [LoggerMessage(1003, LogLevel.Debug, "Contact {ContactId} ({Rule}): {Outcome} username={Username} cmsUserId={CmsUserId}")]
    public static partial void ContactOutcome(ILogger logger, long contactId, string rule, OutcomeKind outcome, string? username, long? cmsUserId);

    [LoggerMessage(1004, LogLevel.Warning, "Contact {ContactId} ({Rule}): {Outcome} ({FailureKind} {Code}, attempt {Attempt}): {Message}")]
    public static partial void ContactFailed(ILogger logger, long contactId, string rule, OutcomeKind outcome, FailureKind failureKind, string code, int? attempt, string message);

    [LoggerMessage(1020, LogLevel.Warning, "Contact {ContactId} ({Rule}): {Outcome} ({FailureKind} {Code}, no attempt counted): {Message}")]
    public static partial void ContactFailedUncounted(ILogger logger, long contactId, string rule, OutcomeKind outcome, FailureKind failureKind, string code, string message);

    [LoggerMessage(1005, LogLevel.Error, "Run quarantined: {Reason}. {LeftBehind}")]
    public static partial void Quarantined(ILogger logger, string reason, string leftBehind);

    [LoggerMessage(1006, LogLevel.Error, "Run stopped by a configuration error: {Reason}")]
    public static partial void ConfigurationFailure(ILogger logger, string reason);

    [LoggerMessage(1007, LogLevel.Warning, "Link for contact {ContactId} to CMS user {CmsUserId} failed: {Error}")]
    public static partial void LinkFailed(ILogger logger, long contactId, long cmsUserId, string? error);

    [LoggerMessage(1008, LogLevel.Information, "Link of CMS user {CmsUserId} repaired: it pointed at contact {PreviousContactId}, now at {ContactId}")]
    public static partial void LinkRepaired(ILogger logger, long cmsUserId, long? previousContactId, long contactId);

    [LoggerMessage(1009, LogLevel.Information, "Run cancelled; contacts in flight were finished and written")]
    public static partial void RunCancelled(ILogger logger);

    [LoggerMessage(1010, LogLevel.Information, "Scheduled run waiting {Delay} for the off-peak window {OffPeakStart}-{OffPeakEnd} (Schedule:OffPeakStart and OffPeakEnd, the host's local time), until {Next}")]
    public static partial void ScheduledWait(ILogger logger, TimeSpan delay, string offPeakStart, string offPeakEnd, DateTimeOffset next);

    [LoggerMessage(1011, LogLevel.Error, "Scheduled run failed")]
    public static partial void ScheduledRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(1012, LogLevel.Debug, "Contact {ContactId} is being handled by another caller; waited and re-read it")]
    public static partial void ContactContended(ILogger logger, long contactId);

    [LoggerMessage(1013, LogLevel.Warning, "Could not create a one-time login link for CMS user {CmsUserId}: {Message}")]
    public static partial void LoginLinkFailed(ILogger logger, long cmsUserId, string message);

    [LoggerMessage(1014, LogLevel.Error, "Contact {ContactId} ({Rule}): unexpected exception; the contact fails with internal_error and the run goes on")]
    public static partial void ContactCrashed(ILogger logger, long contactId, string rule, Exception exception);

    [LoggerMessage(1030, LogLevel.Warning, "Contact {ContactId} ({Rule}): CiviCRM or the CMS did not answer; the call fails as transient (nothing counted)")]
    public static partial void OnDemandUnavailable(ILogger logger, long contactId, string rule, Exception exception);

    [LoggerMessage(1031, LogLevel.Warning, "Contact {ContactId} ({Rule}): {Failures} counted failed attempts, the attempts are used up; the on-demand call is refused (attempts_used_up) without a CMS call or a record")]
    public static partial void OnDemandAttemptsUsedUp(ILogger logger, long contactId, string rule, int failures);

    [LoggerMessage(1032, LogLevel.Information, "Contact {ContactId} ({Rule}) still has the defect recorded on {Date} ({Code}, record {RecordId}); answered from that record: nothing sent to the CMS, recorded or counted")]
    public static partial void OnDemandAnsweredFromRecord(ILogger logger, long contactId, string rule, DateTimeOffset date, string code, long? recordId);

    [LoggerMessage(1033, LogLevel.Debug, "Contact {ContactId} ({Rule}) has the defect {Code}, but {Mismatch}; it is provisioned as usual (a new record)")]
    public static partial void OnDemandRecordNotMatched(ILogger logger, long contactId, string rule, string code, string mismatch);

    [LoggerMessage(1015, LogLevel.Error, "Run stopped by an unexpected exception; contacts already processed were written")]
    public static partial void RunCrashed(ILogger logger, Exception exception);

    [LoggerMessage(1016, LogLevel.Warning, "Contact {ContactId}: CMS user {CmsUserId} is linked to contact {HolderContactId}; it is not taken from it")]
    public static partial void LinkHeldByOther(ILogger logger, long contactId, long cmsUserId, long? holderContactId);

    [LoggerMessage(1017, LogLevel.Information, "Contact {ContactId}: CMS user {CmsUserId} was linked without an audit record (an earlier attempt did not record it); recording it now")]
    public static partial void AuditRecovered(ILogger logger, long contactId, long cmsUserId);

    [LoggerMessage(1023, LogLevel.Information, "Contact {ContactId}: CMS user {CmsUserId} was created by an earlier attempt that did not record it (opened {OpenedAt:u}, created {CreatedAt:u}); recording it as created")]
    public static partial void CreationRecovered(ILogger logger, long contactId, long cmsUserId, DateTimeOffset openedAt, DateTimeOffset createdAt);

    [LoggerMessage(1024, LogLevel.Warning, "Contact {ContactId}: CMS user {CmsUserId} could not be read to check whether an earlier run created it ({Reason}); it is recorded as linked")]
    public static partial void RecoveryCheckFailed(ILogger logger, long contactId, long cmsUserId, string reason);

    [LoggerMessage(1019, LogLevel.Warning, "Contact {ContactId}: the new-account notification for CMS user {CmsUserId} could not be sent while recovering a stopped run ({Reason})")]
    public static partial void RecoveredNotificationFailed(ILogger logger, long contactId, long cmsUserId, string reason);

    [LoggerMessage(1021, LogLevel.Warning, "Contact {ContactId}: CMS user {CmsUserId} was created, but the website could not send its new-account email ({Reason}); the activity says so")]
    public static partial void NotificationFailed(ILogger logger, long contactId, long cmsUserId, string reason);

    [LoggerMessage(1022, LogLevel.Information, "No contact needed the CMS ({Cms}), so its credentials were checked: passed {Passed}. {Detail}")]
    public static partial void CmsCredentialsChecked(ILogger logger, string cms, bool passed, string detail);

    [LoggerMessage(1018, LogLevel.Debug, "Contact {ContactId}: CMS user {CmsUserId} is audited already (another worker or an earlier run); no second record")]
    public static partial void AuditExists(ILogger logger, long contactId, long cmsUserId);

    [LoggerMessage(1040, LogLevel.Warning, "The page write-back in one request failed ({Reason}); {Part} is written again one call at a time, without writing anything twice")]
    public static partial void WriteBackFallback(ILogger logger, string part, string reason);

    [LoggerMessage(1048, LogLevel.Warning, "The answer to a page's write-back was lost ({Reason}): what CiviCRM kept was read back; {Missing} of its {Total} contact(s) had a part missing, which is written again")]
    public static partial void WriteBackAnswerLost(ILogger logger, string reason, int missing, int total);

    [LoggerMessage(1049, LogLevel.Warning, "The answer to a page's write-back was lost ({Reason}), and reading back what CiviCRM kept failed too ({ReadFailure}): the page may be written; the next run finds out")]
    public static partial void WriteBackUnknown(ILogger logger, string reason, string readFailure);

    [LoggerMessage(1063, LogLevel.Warning, "The answer to a page's write-back was lost ({Reason}), and reading back what CiviCRM kept failed ({ReadFailure}): asking again in {Pause} (read-back {Attempt})")]
    public static partial void WriteBackReadBackAgain(ILogger logger, string reason, string readFailure, TimeSpan pause, int attempt);

    [LoggerMessage(1064, LogLevel.Information, "A page's write-back timed out ({Reason}); waiting {Seconds} s before reading back what CiviCRM carried out (a request that timed out usually still runs there)")]
    public static partial void WriteBackTimedOutWait(ILogger logger, string reason, double seconds);

    [LoggerMessage(1065, LogLevel.Information, "After a page's lost write-back answer, {Done} of its {Total} trigger change(s) were found carried out in CiviCRM and are not sent again ({Left} sent again)")]
    public static partial void WriteBackAcksFoundDone(ILogger logger, int done, int total, int left);

    [LoggerMessage(1050, LogLevel.Warning, "After a page's lost write-back answer, its trigger changes could not be sent again ({Reason}); the contacts found linked stay in the trigger until the next run")]
    public static partial void WriteBackAcksUnconfirmed(ILogger logger, string reason);

    [LoggerMessage(1051, LogLevel.Information, "Contact {ContactId}: its failure ({Code}) settles {Count} earlier attempt(s) left open (a create that got no answer, or a run that stopped); their Scheduled records are removed and this attempt's Failed record says so")]
    public static partial void EarlierAttemptsClosed(ILogger logger, long contactId, int count, string? code);

    [LoggerMessage(1052, LogLevel.Warning, "The answer to a page's write of {Part} was lost ({Reason}): what is safe to write twice was sent again, no new record was; {Unknown} contact(s) whose new record may be written stay in the trigger")]
    public static partial void ComposedAnswerLost(ILogger logger, string part, string reason, int unknown);

    [LoggerMessage(1046, LogLevel.Warning, "The audit store refused a page's {Count} Scheduled records ({Reason}); they were opened one per call where no record is open, and {Refused} contact(s) whose own record was refused fail alone")]
    public static partial void OpenRefused(ILogger logger, int count, int refused, string reason);

    [LoggerMessage(1047, LogLevel.Warning, "The dry run could not read the CMS's roles to check the rules' roles ({Reason}); the plan does not check them")]
    public static partial void RoleCheckFailed(ILogger logger, string reason);

    [LoggerMessage(1045, LogLevel.Debug, "The page look-up (after a refused create, or of a plan's page) failed ({Reason}); the page's look-ups ask the CMS one by one")]
    public static partial void PageLookupFailed(ILogger logger, string reason);

    [LoggerMessage(1060, LogLevel.Debug, "Contact {ContactId}: the username of linked CMS user {CmsUserId} could not be read for the on-demand answer ({Error}); the answer has none")]
    public static partial void LinkedUsernameUnread(ILogger logger, long contactId, long cmsUserId, string error);

    [LoggerMessage(1061, LogLevel.Information, "Run quarantined again ({Repeats} in a row): {Reason}. {LeftBehind}")]
    public static partial void QuarantinedAgain(ILogger logger, int repeats, string reason, string leftBehind);

    [LoggerMessage(1062, LogLevel.Information, "Run no longer quarantined: it ended normally after {Quarantined} quarantined run(s) in a row")]
    public static partial void QuarantineOver(ILogger logger, int quarantined);
}
