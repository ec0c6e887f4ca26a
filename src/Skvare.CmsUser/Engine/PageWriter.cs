using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Writes the results of a page back in bulk, in an order that loses nothing if it stops half-way:
/// links first, then activities, then trigger changes (a contact left in the trigger is simply
/// handled again and found already linked).
/// </summary>
internal sealed class PageWriter
{
    private readonly IAccountLinkStore _links;
    private readonly IActivityRecorder _activities;
    private readonly ICmsAccountProvider _cms;
    private readonly AttemptPolicy _attempts;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PageWriter(IAccountLinkStore links, IActivityRecorder activities, ICmsAccountProvider cms, AttemptPolicy attempts, TimeProvider time, ILogger logger)
    {
        _links = links;
        _activities = activities;
        _cms = cms;
        _attempts = attempts;
        _time = time;
        _logger = logger;
    }

    /// <summary>The error code of a contact whose CMS account (found by its email) is linked to another contact.</summary>
    public const string HeldByOtherContactCode = CmsUserErrorCodes.AccountLinkedToOtherContact;

    /// <summary>
    /// Writes a Scheduled "User Account Creation" record for each contact of the page that may get an account
    /// (not linked in this domain), in one call, before any CMS call. Returns contact id → record id (empty when
    /// the store keeps no such records).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, long>> OpenAsync(IReadOnlyList<Contact> contacts, ActivityKind kind, CancellationToken cancellationToken)
    {
        if (kind != ActivityKind.AccountCreation)
        {
            return Empty;
        }

        var now = _time.GetUtcNow();
        var open = contacts.Where(c => c.CurrentDomainLink is null).DistinctBy(c => c.Id).ToArray();
        if (open.Length == 0)
        {
            return Empty;
        }

        var entries = open.Select(c => new ActivityEntry(c.Id, kind, ActivityOutcomeStatus.Scheduled,
            $"Creating account : {c.DisplayName ?? c.Email ?? "contact"}",
            "In progress. If this stays Scheduled, the run stopped; the next run completes it.", now)).ToArray();
        var ids = await _activities.OpenAsync(entries, cancellationToken).ConfigureAwait(false);
        if (ids is null || ids.Count != open.Length)
        {
            return Empty;
        }

        return open.Select((c, i) => (c.Id, ids[i])).ToDictionary(x => x.Id, x => x.Item2);
    }

    /// <summary>
    /// Writes links, activities and trigger changes for the page, and completes or removes the Scheduled records
    /// of <see cref="OpenAsync"/>. Never cancelled half-way. Returns the final results: a link refused by CiviCRM
    /// fails its contact, a link that appeared meanwhile makes it already linked, an audit found complete records nothing.
    /// </summary>
    public async Task<IReadOnlyList<ContactResult>> WriteAsync(IReadOnlyList<ContactResult> results, ITriggerSource? source, IReadOnlyDictionary<long, long>? opened = null)
    {
        // Once accounts exist, their links must be attempted whatever the caller's cancellation says.
        var none = CancellationToken.None;
        opened ??= Empty;

        // The audit records are read while the links are written (a read, independent of the links); what is written
        // to the audit waits for the links, and the trigger changes wait for the audit.
        var linking = WriteLinksAsync(results, none);
        var records = ReadAuditsAsync(results, none);
        await Task.WhenAll(linking, records).ConfigureAwait(false);
        var (audited, updates, discard) = await ResolveAuditsAsync(linking.Result, records.Result, opened, none).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var entries = audited.Where(r => r.RecordActivity)
            .Select(r => ToActivity(r, now) with { Id = updates.TryGetValue(r.Contact.Id, out var id) ? id : null }).ToArray();
        await Task.WhenAll(
            entries.Length > 0 ? _activities.RecordAsync(entries, none) : Task.CompletedTask,
            discard.Count > 0 ? _activities.DiscardAsync(discard, none) : Task.CompletedTask).ConfigureAwait(false);

        if (source is not null)
        {
            var acks = audited.Where(r => r.Disposition is not null)
                .Select(r => new TriggerAcknowledgement(r.Contact.Id, r.Disposition!.Value)).ToArray();
            if (acks.Length > 0)
            {
                await source.AcknowledgeAsync(acks, none).ConfigureAwait(false);
            }
        }

        return audited;
    }

    private async Task<ContactResult[]> WriteLinksAsync(IReadOnlyList<ContactResult> results, CancellationToken none)
    {
        var output = results.ToArray();
        var indexes = Enumerable.Range(0, output.Length).Where(i => output[i].Link is not null).ToArray();
        if (indexes.Length == 0)
        {
            return output;
        }

        var answers = await _links.EnsureLinksAsync(indexes.Select(i => output[i].Link!).ToArray(), none).ConfigureAwait(false);
        for (var n = 0; n < indexes.Length; n++)
        {
            var result = output[indexes[n]];
            var link = result.Link!;
            var answer = n < answers.Count ? answers[n] : new AccountLinkResult(link, AccountLinkResultKind.Failed, "The link store returned no result.");
            output[indexes[n]] = answer.Kind switch
            {
                AccountLinkResultKind.Failed => LinkFailed(result, answer),
                AccountLinkResultKind.HeldByOtherContact => HeldByOther(result, answer),

                // The link appeared while we worked (another worker). The audit is settled below: one record per account.
                AccountLinkResultKind.AlreadyExisted when result.Kind == OutcomeKind.Linked && !link.AccountCreatedNow => result with { Kind = OutcomeKind.AlreadyLinked },
                AccountLinkResultKind.Repaired => Repaired(result, answer),
                _ => result,
            };
        }

        return output;
    }

    private ContactResult LinkFailed(ContactResult result, AccountLinkResult answer)
    {
        // The account exists and stays known (CmsUserId), so the outcome names it; the next run finds it by email.
        Log.LinkFailed(_logger, result.Contact.Id, result.Link!.CmsUserId, answer.Error);
        return result.Fail(_attempts, FailureKind.Permanent, CmsUserErrorCodes.LinkFailed, $"CMS account {result.Link!.CmsUserId} exists but could not be linked: {answer.Error}");
    }

    private ContactResult HeldByOther(ContactResult result, AccountLinkResult answer)
    {
        // An account belongs to one contact per domain: never take it from the contact that holds it.
        Log.LinkHeldByOther(_logger, result.Contact.Id, result.Link!.CmsUserId, answer.PreviousContactId);
        var holder = answer.PreviousContactId is long h ? $"contact {h.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "another contact";
        return result.Fail(_attempts, FailureKind.Permanent, HeldByOtherContactCode,
            $"The email address is used by CMS account {result.Link!.CmsUserId}, which belongs to {holder}. Give this contact its own email address, or merge the two contacts.")
            with { CmsUserId = null, Username = null };
    }

    private ContactResult Repaired(ContactResult result, AccountLinkResult answer)
    {
        Log.LinkRepaired(_logger, result.Link!.CmsUserId, answer.PreviousContactId, result.Contact.Id);
        return result;
    }

    /// <summary>
    /// Every account is audited exactly once. For each contact of the page (one read): an account that has a
    /// Completed record already (a racing worker) gets none; otherwise the success completes the contact's oldest
    /// open Scheduled record (two racing workers complete the same record, so there is still one), and a contact
    /// found linked with an open record (a run that died after the create) is completed now. A counted failure
    /// closes this run's own record as Failed; an outcome with nothing to record removes it. Returns the results
    /// as audited, the updates and the records to remove.
    /// </summary>
    private async Task<(ContactResult[] Results, Dictionary<long, long> Updates, List<long> Discard)> ResolveAuditsAsync(ContactResult[] results, ILookup<long, AuditRecord> records, IReadOnlyDictionary<long, long> opened, CancellationToken none)
    {
        var updates = new Dictionary<long, long>();
        var discard = new List<long>();
        var output = results.ToArray();
        var creation = output.Where(r => r.ActivityKind == ActivityKind.AccountCreation).ToArray();
        if (creation.Length > 0)
        {
            for (var i = 0; i < output.Length; i++)
            {
                var result = output[i];
                if (result.ActivityKind != ActivityKind.AccountCreation)
                {
                    continue;
                }

                var mine = opened.TryGetValue(result.Contact.Id, out var own) ? own : (long?)null;
                var recs = records[result.Contact.Id].ToArray();
                var openIds = recs.Where(r => r.Status == ActivityOutcomeStatus.Scheduled).Select(r => r.Id).Concat(mine is long m ? [m] : []).Distinct().Order().ToArray();
                var success = result.Error is null && result.CmsUserId is long && (result.RecordActivity || result.Kind == OutcomeKind.AlreadyLinked);
                if (success)
                {
                    var uid = result.CmsUserId!.Value;
                    if (recs.Any(r => r.Status == ActivityOutcomeStatus.Completed && r.Audits(uid)))
                    {
                        if (result.RecordActivity)
                        {
                            Log.AuditExists(_logger, result.Contact.Id, uid);
                        }

                        output[i] = result with { RecordActivity = false };
                        discard.AddRange(openIds);
                        continue;
                    }

                    if (openIds.Length == 0)
                    {
                        // Linked before, by someone else and with no attempt of ours open: nothing of ours to audit.
                        continue;
                    }

                    if (!result.RecordActivity)
                    {
                        Log.AuditRecovered(_logger, result.Contact.Id, uid);
                        var details = "Recorded by a later run: an earlier run stopped after creating or linking the account, before recording it.";
                        if (result.NotifyIfRecovered is { } account)
                        {
                            // The stopped run may have died between the create and the CMS's separate notification
                            // request; the record is still open, so it is not known to have been sent: send it now.
                            var failure = await SendRecoveredNotificationAsync(result, account, none).ConfigureAwait(false);
                            details += failure is null
                                ? " The new-account notification was sent by this run."
                                : $" The new-account notification could not be sent: {failure}";
                        }

                        output[i] = result with { RecordActivity = true, ActivityDetails = details };
                    }

                    updates[result.Contact.Id] = openIds[0];
                    discard.AddRange(openIds.Skip(1));
                }
                else if (result.RecordActivity && mine is long failedRecord)
                {
                    // A counted failure closes this run's own record as Failed; a contact that gives up leaves nothing open.
                    updates[result.Contact.Id] = failedRecord;
                    if (result.Kind == OutcomeKind.GaveUp)
                    {
                        discard.AddRange(openIds.Where(id => id != failedRecord));
                    }
                }
                else if (mine is long unused && !result.AccountMayExist)
                {
                    // Nothing to record (a transient failure, a skipped contact): the record goes. The store removes only
                    // records still Scheduled, so one a racing worker completed meanwhile stays. A create that got no
                    // answer may have made the account: its record stays open for the run that finds it.
                    discard.Add(unused);
                }
            }
        }

        // Contacts opened but never started (a stopped or cancelled run): their records go too.
        var started = creation.Select(r => r.Contact.Id).ToHashSet();
        discard.AddRange(opened.Where(kv => !started.Contains(kv.Key)).Select(kv => kv.Value));
        return (output, updates, discard.Distinct().ToList());
    }

    /// <summary>The Completed and Scheduled creation records of the page's contacts (one read; none when no contact is a creation).</summary>
    private async Task<ILookup<long, AuditRecord>> ReadAuditsAsync(IReadOnlyList<ContactResult> results, CancellationToken none)
    {
        var ids = results.Where(r => r.ActivityKind == ActivityKind.AccountCreation).Select(r => r.Contact.Id).Distinct().ToArray();
        var records = ids.Length == 0 ? [] : await _activities.FindAuditsAsync(ids, ActivityKind.AccountCreation, none).ConfigureAwait(false);
        return records.ToLookup(r => r.ContactId);
    }

    /// <summary>
    /// Sends the CMS's new-account (set-password) notification for an account a stopped run created. Returns null
    /// when sent, or the reason it was not (logged; the contact does not fail for it).
    /// </summary>
    private async Task<string?> SendRecoveredNotificationAsync(ContactResult result, CmsAccount account, CancellationToken cancellationToken)
    {
        try
        {
            await _cms.SendPasswordResetAsync(account, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is CmsUserException typed ? typed.Message : ex.GetType().Name;
            Log.RecoveredNotificationFailed(_logger, result.Contact.Id, account.UserId, reason);
            return reason;
        }
    }

    private static readonly IReadOnlyDictionary<long, long> Empty = new Dictionary<long, long>();

    private static ActivityEntry ToActivity(ContactResult work, DateTimeOffset now)
    {
        var failed = work.Error is not null;
        var status = failed ? ActivityOutcomeStatus.Failed : ActivityOutcomeStatus.Completed;
        var uid = work.CmsUserId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        var subject = (work.ActivityKind, failed, work.Kind) switch
        {
            (ActivityKind.AccountCreation, false, OutcomeKind.Created) => $"Created : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountCreation, false, _) => $"Linked : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountCreation, true, _) => $"Failed to create User {work.NameForSubject}",
            (ActivityKind.PasswordReset, false, _) => $"Password reset email sent : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountBlocked, false, _) => $"Blocked : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountBlocked, true, _) => $"Failed to block User {work.NameForSubject} ({uid})",
            (ActivityKind.RolesRemoved, false, _) => $"Roles removed : {work.NameForSubject} ({uid})",
            (ActivityKind.RolesRemoved, true, _) => $"Failed to remove roles of User {work.NameForSubject} ({uid})",
            _ => $"Failed to send password reset email to {work.NameForSubject}",
        };
        return new ActivityEntry(work.Contact.Id, work.ActivityKind, status, subject, work.ActivityDetails, now);
    }
}
