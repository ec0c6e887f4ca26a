using Microsoft.Extensions.Logging;
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
    private readonly ContactPipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PageWriter(IAccountLinkStore links, IActivityRecorder activities, ContactPipeline pipeline, TimeProvider time, ILogger logger)
    {
        _links = links;
        _activities = activities;
        _pipeline = pipeline;
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
    /// of <see cref="OpenAsync"/>. Never cancelled half-way.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<ContactWork> works, ITriggerSource? source, IReadOnlyDictionary<long, long>? opened = null)
    {
        // Once accounts exist, their links must be attempted whatever the caller's cancellation says.
        var none = CancellationToken.None;
        opened ??= Empty;
        await WriteLinksAsync(works, none).ConfigureAwait(false);
        var (updates, discard) = await ResolveAuditsAsync(works, opened, none).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var entries = works.Where(w => w.RecordActivity)
            .Select(w => ToActivity(w, now) with { Id = updates.TryGetValue(w.Contact.Id, out var id) ? id : null }).ToArray();
        if (entries.Length > 0)
        {
            await _activities.RecordAsync(entries, none).ConfigureAwait(false);
        }

        if (discard.Count > 0)
        {
            await _activities.DiscardAsync(discard, none).ConfigureAwait(false);
        }

        if (source is not null)
        {
            var acks = works.Where(w => w.Disposition is not null)
                .Select(w => new TriggerAcknowledgement(w.Contact.Id, w.Disposition!.Value)).ToArray();
            if (acks.Length > 0)
            {
                await source.AcknowledgeAsync(acks, none).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteLinksAsync(IReadOnlyList<ContactWork> works, CancellationToken none)
    {
        var linkWorks = works.Where(w => w.Link is not null).ToArray();
        if (linkWorks.Length == 0)
        {
            return;
        }

        var results = await _links.EnsureLinksAsync(linkWorks.Select(w => w.Link!).ToArray(), none).ConfigureAwait(false);
        for (var i = 0; i < linkWorks.Length; i++)
        {
            var work = linkWorks[i];
            var link = work.Link!;
            var result = i < results.Count ? results[i] : new AccountLinkResult(link, AccountLinkResultKind.Failed, "The link store returned no result.");
            switch (result.Kind)
            {
                case AccountLinkResultKind.Failed:
                    Log.LinkFailed(_logger, work.Contact.Id, link.CmsUserId, result.Error);
                    var cmsUserId = work.CmsUserId;
                    _pipeline.Fail(work, FailureKind.Permanent, CmsUserErrorCodes.LinkFailed, $"CMS account {link.CmsUserId} exists but could not be linked: {result.Error}");
                    work.CmsUserId = cmsUserId;
                    break;
                case AccountLinkResultKind.HeldByOtherContact:
                    // An account belongs to one contact per domain: never take it from the contact that holds it.
                    Log.LinkHeldByOther(_logger, work.Contact.Id, link.CmsUserId, result.PreviousContactId);
                    var holder = result.PreviousContactId is long h ? $"contact {h.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "another contact";
                    _pipeline.Fail(work, FailureKind.Permanent, HeldByOtherContactCode,
                        $"The email address is used by CMS account {link.CmsUserId}, which belongs to {holder}. Give this contact its own email address, or merge the two contacts.");
                    work.CmsUserId = null;
                    work.Username = null;
                    break;
                case AccountLinkResultKind.AlreadyExisted when work.Kind == OutcomeKind.Linked && !link.AccountCreatedNow:
                    // The link appeared while we worked (another worker). The audit is settled below: one record per account.
                    work.Kind = OutcomeKind.AlreadyLinked;
                    break;
                case AccountLinkResultKind.Repaired:
                    Log.LinkRepaired(_logger, link.CmsUserId, result.PreviousContactId, work.Contact.Id);
                    break;
            }
        }
    }

    /// <summary>
    /// Every account is audited exactly once. For each contact of the page (one read): an account that has a
    /// Completed record already (a racing worker) gets none; otherwise the success completes the contact's oldest
    /// open Scheduled record (two racing workers complete the same record, so there is still one), and a contact
    /// found linked with an open record (a run that died after the create) is completed now. A counted failure
    /// closes this run's own record as Failed; an outcome with nothing to record removes it. Returns the updates
    /// and the records to remove.
    /// </summary>
    private async Task<(Dictionary<long, long> Updates, List<long> Discard)> ResolveAuditsAsync(IReadOnlyList<ContactWork> works, IReadOnlyDictionary<long, long> opened, CancellationToken none)
    {
        var updates = new Dictionary<long, long>();
        var discard = new List<long>();
        var creation = works.Where(w => w.ActivityKind == ActivityKind.AccountCreation).ToArray();
        if (creation.Length > 0)
        {
            var records = (await _activities.FindAuditsAsync(creation.Select(w => w.Contact.Id).Distinct().ToArray(), ActivityKind.AccountCreation, none).ConfigureAwait(false))
                .ToLookup(r => r.ContactId);
            foreach (var work in creation)
            {
                var mine = opened.TryGetValue(work.Contact.Id, out var own) ? own : (long?)null;
                var recs = records[work.Contact.Id].ToArray();
                var openIds = recs.Where(r => r.Status == ActivityOutcomeStatus.Scheduled).Select(r => r.Id).Concat(mine is long m ? [m] : []).Distinct().Order().ToArray();
                var success = work.Error is null && work.CmsUserId is long && (work.RecordActivity || work.Kind == OutcomeKind.AlreadyLinked);
                if (success)
                {
                    var uid = work.CmsUserId!.Value;
                    if (recs.Any(r => r.Status == ActivityOutcomeStatus.Completed && r.Audits(uid)))
                    {
                        if (work.RecordActivity)
                        {
                            Log.AuditExists(_logger, work.Contact.Id, uid);
                        }

                        work.RecordActivity = false;
                        discard.AddRange(openIds);
                        continue;
                    }

                    if (openIds.Length == 0)
                    {
                        // Linked before, by someone else and with no attempt of ours open: nothing of ours to audit.
                        continue;
                    }

                    if (!work.RecordActivity)
                    {
                        Log.AuditRecovered(_logger, work.Contact.Id, uid);
                        work.RecordActivity = true;
                        work.ActivityDetails = "Recorded by a later run: an earlier run stopped after creating or linking the account, before recording it.";
                        if (work.NotifyIfRecovered is { } account)
                        {
                            // The stopped run may have died between the create and the CMS's separate notification
                            // request; the record is still open, so it is not known to have been sent: send it now.
                            var failure = await _pipeline.SendRecoveredNotificationAsync(work, account, none).ConfigureAwait(false);
                            work.ActivityDetails += failure is null
                                ? " The new-account notification was sent by this run."
                                : $" The new-account notification could not be sent: {failure}";
                        }
                    }

                    updates[work.Contact.Id] = openIds[0];
                    discard.AddRange(openIds.Skip(1));
                }
                else if (work.RecordActivity && mine is long failedRecord)
                {
                    // A counted failure closes this run's own record as Failed; a contact that gives up leaves nothing open.
                    updates[work.Contact.Id] = failedRecord;
                    if (work.Kind == OutcomeKind.GaveUp)
                    {
                        discard.AddRange(openIds.Where(id => id != failedRecord));
                    }
                }

                else if (mine is long unused)
                {
                    // Nothing to record (a transient failure, a skipped contact): the record goes. The store removes only
                    // records still Scheduled, so one a racing worker completed meanwhile stays.
                    discard.Add(unused);
                }
            }
        }

        // Contacts opened but never started (a stopped or cancelled run): their records go too.
        var started = creation.Select(w => w.Contact.Id).ToHashSet();
        discard.AddRange(opened.Where(kv => !started.Contains(kv.Key)).Select(kv => kv.Value));
        return (updates, discard.Distinct().ToList());
    }

    private static readonly IReadOnlyDictionary<long, long> Empty = new Dictionary<long, long>();

    private static ActivityEntry ToActivity(ContactWork work, DateTimeOffset now)
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
