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
    private readonly IPageWriteBackStore? _store;

    public PageWriter(IAccountLinkStore links, IActivityRecorder activities, ICmsAccountProvider cms, AttemptPolicy attempts, TimeProvider time, ILogger logger, IPageWriteBackStore? store = null)
    {
        _store = store;
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
    /// Writes a Scheduled record for each contact of the page that may get an attempt (<see cref="Opens"/>: a "User Account
    /// Creation" record for a contact not linked in this domain, a "User Account Password Reset" record for every contact of a
    /// reset campaign's page), in one call, before any CMS call; with an <see cref="IPageWriteBackStore"/> the page's
    /// audit records are read in the same request, after them (the snapshot <see cref="WriteAsync"/> may decide on). Returns
    /// contact id → record id (empty when the store keeps no such records) with that snapshot; pass it back to <see cref="WriteAsync"/>.
    /// </summary>
    public async Task<OpenedPage> OpenAsync(IReadOnlyList<Contact> contacts, ActivityKind kind, CancellationToken cancellationToken)
    {
        if (!OpensRecords(kind))
        {
            return OpenedPage.None;
        }

        var now = _time.GetUtcNow();
        var open = contacts.Where(c => Opens(kind, c)).DistinctBy(c => c.Id).ToArray();
        if (open.Length == 0)
        {
            return OpenedPage.None;
        }

        var entries = open.Select(c => Scheduled(kind, c, now)).ToArray();
        PageWriteBackSnapshot? snapshot = null;
        IReadOnlyList<long>? ids;
        try
        {
            if (_store is not null)
            {
                // The page's audit records are read in the same request, after the Scheduled records are written: the snapshot a
                // page of accounts created in this run decides on, so its write-back needs no read of its own.
                var page = new PageWriteBackQuery([], contacts.Select(c => c.Id).Distinct().ToArray(), kind);
                var written = await _store.OpenAsync(entries, page, cancellationToken).ConfigureAwait(false);
                (ids, snapshot) = (written.Ids, written.Snapshot);
            }
            else
            {
                ids = await _activities.OpenAsync(entries, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CmsUserException ex) when (ex.Kind == FailureKind.Permanent)
        {
            // Refused for good: one contact's record (the database refusing it) or the request itself.
            return await ReopenAsync(entries, kind, ex, cancellationToken).ConfigureAwait(false);
        }

        if (ids is null || ids.Count != open.Length)
        {
            return OpenedPage.None;
        }

        return new OpenedPage(open.Select((c, i) => (c.Id, ids[i])).ToDictionary(x => x.Id, x => x.Item2), snapshot) { Kind = kind };
    }

    /// <summary>
    /// After the store refused a page's Scheduled records for good: which contacts have a record now, then one record per
    /// call for the others, so a refused record is its contact's alone. The refused call may have kept some records (CiviCRM
    /// runs no transaction) and nothing tells them from an earlier run's open record of the same contact, so a contact with
    /// an open record now gets no second one and claims none (its write-back completes its oldest open record, as after a
    /// crash; a failure writes a Failed record; nothing removes a record that may be an earlier run's). No record is written
    /// twice: a contact is opened again only when it has no open record, and a record refused alone is not sent again. A
    /// read that fails is thrown, as the open's failure was.
    /// </summary>
    private async Task<OpenedPage> ReopenAsync(ActivityEntry[] entries, ActivityKind kind, CmsUserException refusal, CancellationToken cancellationToken)
    {
        var records = new Dictionary<long, long>();
        var notOpened = new Dictionary<long, string>();
        if (entries.Length == 1 && _store is null)
        {
            // The call was the one record (the store's request also reads the page's records, which may be what it refused).
            notOpened[entries[0].ContactId] = refusal.Message;
            return new OpenedPage(records, null) { NotOpened = notOpened, Kind = kind };
        }

        var audits = await _activities.FindAuditsAsync(entries.Select(e => e.ContactId).ToArray(), kind, cancellationToken).ConfigureAwait(false);
        var hasOpen = audits.Where(r => r.Status == ActivityOutcomeStatus.Scheduled).Select(r => r.ContactId).ToHashSet();
        foreach (var entry in entries.Where(e => !hasOpen.Contains(e.ContactId)))
        {
            try
            {
                if (await _activities.OpenAsync([entry], cancellationToken).ConfigureAwait(false) is [var id])
                {
                    records[entry.ContactId] = id;
                }
            }
            catch (CmsUserException ex) when (ex.Kind == FailureKind.Permanent)
            {
                notOpened[entry.ContactId] = ex.Message;
            }
        }

        Log.OpenRefused(_logger, entries.Length, notOpened.Count, refusal.Message);
        return new OpenedPage(records, null) { NotOpened = notOpened, Kind = kind };
    }

    /// <summary>The details of an open (Scheduled) creation record: what an admin who finds one left open should know.</summary>
    public const string InProgress = "In progress. If this stays Scheduled, the attempt did not finish (its run stopped, or the answer to its create was lost); the next run completes it.";

    /// <summary>The details of an open (Scheduled) password reset record: what an admin who finds one left open should know.</summary>
    public const string ResetInProgress = "In progress. If this stays Scheduled, the reset did not finish (its run stopped before its result was written; the email may have been sent). It counts as no attempt: the contact stays in the campaign, and its next reset completes this record.";

    /// <summary>Whether pages of <paramref name="kind"/> open Scheduled records before their CMS calls (creation and password resets).</summary>
    public static bool OpensRecords(ActivityKind kind) => kind is ActivityKind.AccountCreation or ActivityKind.PasswordReset;

    /// <summary>
    /// Whether a page of <paramref name="kind"/> opens a Scheduled record for <paramref name="contact"/>: for creation, a
    /// contact not linked in this domain (a linked one gets no CMS call); for a reset campaign, every contact (each gets a
    /// record: Completed, or Failed when it has no account to reset; a contact skipped has its record removed).
    /// </summary>
    public static bool Opens(ActivityKind kind, Contact contact) => kind switch
    {
        ActivityKind.AccountCreation => contact.CurrentDomainLink is null,
        ActivityKind.PasswordReset => true,
        _ => false,
    };

    /// <summary>The Scheduled record of <paramref name="kind"/> opened for <paramref name="contact"/> (see <see cref="OpenAsync"/>).</summary>
    public static ActivityEntry Scheduled(ActivityKind kind, Contact contact, DateTimeOffset now) =>
        kind == ActivityKind.PasswordReset ? ScheduledReset(contact, now) : Scheduled(contact, now);

    /// <summary>The Scheduled "User Account Creation" record of a contact about to get an account (see <see cref="OpenAsync"/>).</summary>
    public static ActivityEntry Scheduled(Contact contact, DateTimeOffset now) =>
        new(contact.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled,
            $"Creating account : {contact.DisplayName ?? contact.Email ?? "contact"}",
            InProgress, now);

    /// <summary>
    /// The Scheduled "User Account Password Reset" record of a campaign's contact about to get its reset email: named as its
    /// Completed record will be (the account's stored name and id), completed or failed by id in the page's write-back.
    /// </summary>
    public static ActivityEntry ScheduledReset(Contact contact, DateTimeOffset now)
    {
        var link = contact.CurrentDomainLink;
        var name = link?.UfName ?? contact.DisplayName ?? contact.Email ?? "contact";
        var subject = link is null
            ? $"Sending password reset email : {name}"
            : $"Sending password reset email : {name} ({link.CmsUserId.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
        return new(contact.Id, ActivityKind.PasswordReset, ActivityOutcomeStatus.Scheduled, subject, ResetInProgress, now);
    }

    /// <summary>
    /// Scheduled records opened elsewhere, as <see cref="OpenAsync"/> returns them: the on-demand contact read opens its
    /// contact's record and reads the contact's audit records after it in the same request (<paramref name="auditsAfter"/>,
    /// <see langword="null"/> when not read), the snapshot <see cref="WriteAsync"/> may decide on; a batch source that
    /// prepares its pages opens them the same way, of the pass's <paramref name="kind"/>.
    /// </summary>
    public static OpenedPage Opened(IReadOnlyDictionary<long, long> records, IReadOnlyList<AuditRecord>? auditsAfter, ActivityKind kind = ActivityKind.AccountCreation) =>
        records.Count == 0 ? (kind == ActivityKind.AccountCreation ? OpenedPage.None : OpenedPage.None with { Kind = kind })
            : new OpenedPage(records, auditsAfter is null ? null : new PageWriteBackSnapshot { Audits = auditsAfter }) { Kind = kind };

    /// <summary>
    /// Writes links, activities and trigger changes for the page, and completes or removes the Scheduled records
    /// of <see cref="OpenAsync"/>. Never cancelled half-way. Returns the final results: a link refused by CiviCRM
    /// fails its contact, a link that appeared meanwhile makes it already linked, an audit found complete records nothing.
    /// <paramref name="pauseReadBack"/>: after a lost answer, a read-back that fails is asked again after the pauses of
    /// <see cref="RetryPolicy.WriteBackReadBackWait"/> (a batch page); an on-demand call, whose caller is waiting (a login, a
    /// webhook), asks once. A write-back whose request timed out waits before its first read-back
    /// (<see cref="AttemptPolicy.TimedOutReadBackPause"/>: a sixth as long for an on-demand call); <paramref name="cancellationToken"/>
    /// ends that wait early, and the read-back follows at once (nothing else of the write-back is cancelled).
    /// </summary>
    public async Task<IReadOnlyList<ContactResult>> WriteAsync(IReadOnlyList<ContactResult> results, ITriggerSource? source, OpenedPage? opened = null, bool pauseReadBack = true, CancellationToken cancellationToken = default)
    {
        opened ??= OpenedPage.None;
        return _store is null
            ? await WriteComposedAsync(results, source, opened).ConfigureAwait(false)
            : await WriteThroughStoreAsync(_store, results, source, opened, pauseReadBack, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One call per part: links (read and write) beside the audit read, then the audit write, then the trigger changes. A call
    /// whose answer was lost (<see cref="IsComposedLostAnswer"/>) may have been carried out, all of it included: the links are
    /// asked for again (the link store reads before it writes, so only missing links are written), and the audit and trigger
    /// parts go on through <see cref="WriteComposedAgainAsync"/>: what is safe to repeat is sent again, a new record never.
    /// </summary>
    private async Task<IReadOnlyList<ContactResult>> WriteComposedAsync(IReadOnlyList<ContactResult> results, ITriggerSource? source, OpenedPage opened)
    {
        // Once accounts exist, their links must be attempted whatever the caller's cancellation says.
        var none = CancellationToken.None;

        // The audit records are read while the links are written (a read, independent of the links); what is written
        // to the audit waits for the links, and the trigger changes wait for the audit.
        var linking = WriteLinksAsync(results, none);
        var records = ReadAuditsAsync(results, opened, none);
        ContactResult[] linked;
        try
        {
            await Task.WhenAll(linking, records).ConfigureAwait(false);
            linked = linking.Result;
        }
        catch (Exception) when (linking.Exception?.InnerException is { } ex && IsComposedLostAnswer(ex) && records.IsCompletedSuccessfully)
        {
            // Any of the links may be written: the store finds those and writes the others (a second failure fails the page).
            Log.ComposedAnswerLost(_logger, "the links", Reason(ex), 0);
            linked = await WriteLinksAsync(results, none, afterLostAnswer: true).ConfigureAwait(false);
        }

        var audit = await ResolveAuditsAsync(linked, records.Result, opened, none).ConfigureAwait(false);
        var (entries, discard, acks) = Plan(audit);
        var sent = new ComposedCalls();
        var refused = new System.Collections.Concurrent.ConcurrentDictionary<long, CmsUserException>();
        try
        {
            await WriteSeparatelyAsync(entries, discard, acks, source, refused: refused, calls: sent).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsComposedLostAnswer(ex))
        {
            return await WriteComposedAgainAsync(ex, audit, entries, discard, acks, source, sent, refused).ConfigureAwait(false);
        }

        return Refused(audit.Results, refused);
    }

    /// <summary>
    /// The audit and trigger parts of a composed write after a call whose answer was lost. Every call that answered is done;
    /// of the call whose answer was lost, the record updates (by id), the removals (only of records still Scheduled) and the
    /// trigger changes are sent again, since writing them twice writes them once; a new record is never sent again (no read
    /// tells a Failed record written from one that is not), so its contact fails with
    /// <see cref="CmsUserErrorCodes.WriteBackFailed"/>, uncounted, and stays in the trigger: the next run finds the record
    /// if it was written (a Completed record: the contact is audited and moves; a Failed one: it counts). The calls that were
    /// never sent are sent now. A second failure fails the page, as any failed write does.
    /// </summary>
    private async Task<IReadOnlyList<ContactResult>> WriteComposedAgainAsync(
        Exception lost, AuditPlan audit, ActivityEntry[] entries, IReadOnlyCollection<long> discard, TriggerAcknowledgement[] acks, ITriggerSource? source,
        ComposedCalls sent, System.Collections.Concurrent.ConcurrentDictionary<long, CmsUserException> refused)
    {
        var unknown = entries.Where(e => e.Id is null && sent.Lost.Contains(e)).Select(e => e.ContactId).ToHashSet();
        var again = entries.Where(e => !sent.Answered.Contains(e) && (e.Id is not null || !sent.Lost.Contains(e))).ToArray();
        Log.ComposedAnswerLost(_logger, "the audit records or trigger changes", Reason(lost), unknown.Count);
        await WriteSeparatelyAsync(
            again,
            sent.DiscardAnswered ? [] : discard,
            acks.Where(a => !unknown.Contains(a.ContactId) && !refused.ContainsKey(a.ContactId)).ToArray(),
            source,
            refused: refused).ConfigureAwait(false);

        var results = Refused(audit.Results, refused);
        if (unknown.Count == 0)
        {
            return results;
        }

        var message = $"The results could not be written to CiviCRM: the answer to this contact's new audit record was lost ({What(lost)}); it may be written, and it is not written twice. The contact stays in the trigger: the next run finds what was kept.";
        return [.. results.Select(r => unknown.Contains(r.Contact.Id) && !refused.ContainsKey(r.Contact.Id)
            ? NotWritten(r, FailureKind.Transient, message)
            : r)];
    }

    /// <summary>
    /// A composed write call that failed without an answer telling what it did (see <see cref="IsLostAnswer"/>): not a refusal
    /// (a permanent or configuration error is the store's answer) and not a defect of the engine.
    /// </summary>
    private static bool IsComposedLostAnswer(Exception ex) =>
        IsWriteFailure(ex) && IsLostAnswer(ex) && ex is not CmsUserException { Kind: FailureKind.Permanent or FailureKind.Configuration };

    /// <summary>Which audit records of a composed write were answered, which were in a call whose answer was lost, and whether the removals were answered.</summary>
    private sealed class ComposedCalls
    {
        public HashSet<ActivityEntry> Answered { get; } = new(ReferenceEqualityComparer.Instance);

        public HashSet<ActivityEntry> Lost { get; } = new(ReferenceEqualityComparer.Instance);

        public bool DiscardAnswered { get; set; }

        /// <summary>Writes <paramref name="part"/> through <paramref name="write"/>, noting how it ended.</summary>
        public async Task RecordAsync(ActivityEntry[] part, Func<ActivityEntry[], CancellationToken, Task> write, CancellationToken cancellationToken)
        {
            try
            {
                await write(part, cancellationToken).ConfigureAwait(false);
                lock (this)
                {
                    Answered.UnionWith(part);
                }
            }
            catch (Exception ex) when (IsComposedLostAnswer(ex))
            {
                lock (this)
                {
                    Lost.UnionWith(part);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// The audit records (written and removed at once), then the trigger changes: one call each. A part CiviCRM refuses
    /// for good is written again one record at a time where that writes nothing twice (<see cref="RefusedWrites"/>: trigger
    /// changes, updates by id, and new records that <paramref name="unwritten"/> finds not written; without it each new
    /// record goes in a call of its own from the start), so one contact's refused record fails that contact alone: it stays
    /// in the trigger and the rest of the page is written. Returns the contacts whose record was refused, with the refusal
    /// (<paramref name="refused"/> when given); <paramref name="calls"/> notes how each record's call ended.
    /// </summary>
    private async Task<IReadOnlyDictionary<long, CmsUserException>> WriteSeparatelyAsync(
        ActivityEntry[] entries, IReadOnlyCollection<long> discard, TriggerAcknowledgement[] acks, ITriggerSource? source, RefusedWrites.FindUnwritten? unwritten = null,
        System.Collections.Concurrent.ConcurrentDictionary<long, CmsUserException>? refused = null, ComposedCalls? calls = null)
    {
        var none = CancellationToken.None;
        refused ??= new System.Collections.Concurrent.ConcurrentDictionary<long, CmsUserException>();
        Func<ActivityEntry[], CancellationToken, Task> record = calls is null
            ? (part, ct) => _activities.RecordAsync(part, ct)
            : (part, ct) => calls.RecordAsync(part, _activities.RecordAsync, ct);
        await Task.WhenAll(
            entries.Length > 0
                ? RefusedWrites.RecordsAsync(entries, record, unwritten, refused)
                : Task.CompletedTask,
            discard.Count > 0 ? DiscardAsync(discard, calls) : Task.CompletedTask).ConfigureAwait(false);
        if (source is not null && acks.Length > 0)
        {
            // A contact whose audit record was refused stays in the trigger: the next run sees it again.
            var left = acks.Where(a => !refused.ContainsKey(a.ContactId)).ToArray();
            if (left.Length > 0)
            {
                await RefusedWrites.EachAsync(left, a => a.ContactId, (part, ct) => source.AcknowledgeAsync(part, ct), repeatable: true, refused).ConfigureAwait(false);
            }
        }

        return refused;
    }

    /// <summary>Removes records still Scheduled, noting in <paramref name="calls"/> that the call was answered.</summary>
    private async Task DiscardAsync(IReadOnlyCollection<long> discard, ComposedCalls? calls)
    {
        await _activities.DiscardAsync(discard, CancellationToken.None).ConfigureAwait(false);
        if (calls is not null)
        {
            calls.DiscardAnswered = true;
        }
    }

    /// <summary>The page's results with each contact whose audit record or trigger change CiviCRM refused failed (it stays in the trigger).</summary>
    private IReadOnlyList<ContactResult> Refused(IReadOnlyList<ContactResult> results, IReadOnlyDictionary<long, CmsUserException> refused)
    {
        if (refused.Count == 0)
        {
            return results;
        }

        return [.. results.Select(r => refused.TryGetValue(r.Contact.Id, out var ex)
            ? NotWritten(r, FailureKind.Permanent, $"The results could not be written to CiviCRM: {ex.Message}")
            : r)];
    }

    /// <summary>
    /// <paramref name="result"/> failed with <see cref="CmsUserErrorCodes.WriteBackFailed"/> because its part of the page's
    /// write is not written: no record of its own (the write that failed was its record) and it stays in the trigger.
    /// </summary>
    private ContactResult NotWritten(ContactResult result, FailureKind kind, string message) =>
        result.Fail(_attempts, kind, CmsUserErrorCodes.WriteBackFailed, message) with { RecordActivity = false, Disposition = null };

    /// <summary>The link store's answer to the <paramref name="n"/>th request of a call, or a failure when it returned none.</summary>
    private static AccountLinkResult LinkAnswer(IReadOnlyList<AccountLinkResult> answers, int n, AccountLinkRequest request) =>
        n < answers.Count ? answers[n] : new AccountLinkResult(request, AccountLinkResultKind.Failed, "The link store returned no result.");

    /// <summary>
    /// Through <see cref="IPageWriteBackStore"/>: one read (the links of the page's CMS users and contacts, the audit records)
    /// unless the snapshot taken with the Scheduled records serves, the same decisions as <see cref="WriteComposedAsync"/>,
    /// then one write (links, audit records, trigger changes, in that order). A failed read writes the page as
    /// <see cref="WriteComposedAsync"/> does; a failed write is replayed one call per part (<see cref="ReplayAsync"/>), each
    /// idempotent, new records only where the store finds them unwritten.
    /// </summary>
    private async Task<IReadOnlyList<ContactResult>> WriteThroughStoreAsync(IPageWriteBackStore store, IReadOnlyList<ContactResult> results, ITriggerSource? source, OpenedPage opened, bool pauseReadBack, CancellationToken cancellationToken)
    {
        var none = CancellationToken.None;
        var output = results.ToArray();
        var linked = Enumerable.Range(0, output.Length).Where(i => output[i].Link is not null).ToArray();
        var requests = linked.Select(i => output[i].Link!).ToArray();
        var kind = AuditedKind(output, opened);
        var audited = Audited(output, opened);
        var query = new PageWriteBackQuery(requests, audited, kind)
        {
            // A record is new (no id) when its contact has no open record of this run: only then can a failed write leave
            // one whose replay must be checked.
            MayCreateRecords = output.Any(r => MayCreateRecord(r, opened)),
        };

        // No read when the snapshot taken with the Scheduled records serves: every link is to an account this run created
        // (nobody else can hold an older claim on it; a link the CMS's plugin made is repointed as a repair would), the
        // write creates no record, and no contact is recovered from a stopped run (that sends a notification first, so it
        // decides on a fresh read). docs/architecture.md, "Audit exactly once", has the reasoning.
        var opening = opened.Snapshot;
        var skipRead = opening is not null
            && requests.All(r => r.AccountCreatedNow)
            && !query.MayCreateRecords
            && !output.Any(r => r.ActivityKind == ActivityKind.AccountCreation && r.Error is null && r.CmsUserId is not null && !r.RecordActivity
                && (opened.Records.ContainsKey(r.Contact.Id) || opening.Audits.Any(a => a.ContactId == r.Contact.Id && a.Status == ActivityOutcomeStatus.Scheduled)));
        PageWriteBackSnapshot snapshot;
        try
        {
            snapshot = skipRead ? opening!
                : requests.Length == 0 && audited.Length == 0 && !query.MayCreateRecords ? PageWriteBackSnapshot.Empty
                : await store.ReadAsync(query, none).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            // Nothing is written yet: the page goes the composed way.
            Log.WriteBackFallback(_logger, "the page", Reason(ex));
            return await WriteComposedAsync(results, source, opened).ConfigureAwait(false);
        }

        var decisions = AccountLinkClaims.Decide(requests, snapshot.Links);
        for (var n = 0; n < linked.Length; n++)
        {
            output[linked[n]] = ApplyLink(output[linked[n]], decisions[n]);
        }

        var records = snapshot.Audits.ToLookup(r => r.ContactId);
        var audit = await ResolveAuditsAsync(output, records, opened, none).ConfigureAwait(false);
        var (entries, discard, acks) = Plan(audit);
        var writes = decisions.Where(IsWrite).Select(d => d.Request).ToArray();
        try
        {
            var written = await store.WriteAsync(new PageWriteBackBatch(writes, entries, discard, acks) { ReadLinksFirst = skipRead && writes.Length > 0 }, source, none).ConfigureAwait(false);
            LogRepairs(skipRead ? decisions.Select(d => Repair(d, written.LinksBefore)).ToArray() : decisions);
            if (!written.Acknowledged && source is not null && acks.Length > 0)
            {
                await source.AcknowledgeAsync(acks, none).ConfigureAwait(false);
            }

            return audit.Results;
        }
        catch (Exception ex) when (IsWriteFailure(ex) && IsLostAnswer(ex))
        {
            // A request that timed out usually still runs on CiviCRM: read back once it has had the time to finish.
            var wait = TimedOut(ex) ? _attempts.TimedOutReadBackPause(onDemand: !pauseReadBack) : TimeSpan.Zero;
            return await ReadBackAsync(store, ex, results, linked, decisions, audit, records, snapshot, source, opened, pauseReadBack ? _attempts.ReadBackPauses : [], wait, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            Log.WriteBackFallback(_logger, "each part", Reason(ex));
            return await ReplayAsync(store, results, linked, decisions, audit, records, snapshot, source, opened).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the page's write may create a record for <paramref name="result"/>: a record without an open one of this run
    /// to update, or the Failed record of a failure after the attempt's link (the link completes the open record).
    /// </summary>
    private static bool MayCreateRecord(ContactResult result, OpenedPage opened) =>
        (result.RecordActivity || result.LinkedBeforeFailure is not null)
        && (!opened.Records.ContainsKey(result.Contact.Id) || (result.RecordActivity && result.LinkedBeforeFailure is not null));

    /// <summary>
    /// Whether a failed write's outcome is unknown: no answer from CiviCRM itself (the connection dropped or timed out after
    /// the request was sent, a proxy's 502/503/504, an answer cut short), so any part of it, all of it included, may be
    /// written. CiviCRM's own error answer (HTTP 400-501) names a call that failed: the calls after it did not run.
    /// </summary>
    private static bool IsLostAnswer(Exception ex) => ex is not CmsUserException { StatusCode: >= 400 and <= 501 };

    /// <summary>
    /// Whether a failed write timed out (a <see cref="TimeoutException"/> in its chain: the clients keep one there for a
    /// request that got no answer in time) rather than being refused or cut: CiviCRM usually still runs such a request.
    /// </summary>
    internal static bool TimedOut(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// After a write whose answer was lost: reads back in one request what CiviCRM kept (the links written, the audit
    /// records of the page's contacts; new records by the read's watermark) and writes again only what is missing, each
    /// part as <see cref="ReplayAsync"/> does, so nothing is written twice; the trigger changes are sent again (idempotent;
    /// if that fails too, the contacts found written stay in the trigger and the next run finds them linked and audited).
    /// A contact whose missing part cannot be written fails with <see cref="CmsUserErrorCodes.WriteBackFailed"/>; the
    /// others are reported as written (<see cref="PageNotWrittenException"/>). A read that fails is asked again after the
    /// pauses of <see cref="RetryPolicy.WriteBackReadBackWait"/>; when the last fails too nothing is known: every contact
    /// of the page fails with a message saying CiviCRM may have applied it. A write that timed out is read back only after
    /// <paramref name="wait"/> (<see cref="AttemptPolicy.TimedOutReadBackPause"/>), which <paramref name="cancellationToken"/> ends early.
    /// </summary>
    private async Task<IReadOnlyList<ContactResult>> ReadBackAsync(
        IPageWriteBackStore store, Exception lost, IReadOnlyList<ContactResult> results, int[] linked, IReadOnlyList<AccountLinkResult> decisions, AuditPlan audit,
        ILookup<long, AuditRecord> records, PageWriteBackSnapshot snapshot, ITriggerSource? source, OpenedPage opened, IReadOnlyList<TimeSpan> pauses,
        TimeSpan wait, CancellationToken cancellationToken)
    {
        var none = CancellationToken.None;
        if (wait > TimeSpan.Zero)
        {
            // Measured on the real CiviCRM (docs/reliability.md, "A write-back that timed out is read back later"): read back
            // at once, 20 of 20 contacts looked missing and were written again while the original was still running.
            Log.WriteBackTimedOutWait(_logger, Reason(lost), wait.TotalSeconds);
            try
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run is stopping: what landed is read back now, so the page is reported as CiviCRM holds it.
            }
        }

        var (entries, discard, acks) = Plan(audit);
        var writes = Enumerable.Range(0, decisions.Count).Where(n => IsWrite(decisions[n])).ToArray();
        var created = entries.Where(e => e.Id is null).ToArray();
        var kind = AuditedKind(audit.Results, opened);
        var audited = Audited(audit.Results, opened).Concat(opened.Records.Keys).Distinct().ToArray();
        PageWriteBackSnapshot after;
        HashSet<ActivityEntry> unwritten;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // The trigger changes' state is read in the same request: each GroupContact.save sent again writes
                // civicrm_subscription_history rows again (100 rows for 20 contacts where 60 were due, session 23).
                after = writes.Length == 0 && audited.Length == 0 && (acks.Length == 0 || source is null) ? PageWriteBackSnapshot.Empty
                    : await store.ReadAsync(new PageWriteBackQuery(writes.Select(n => decisions[n].Request).ToArray(), audited, kind) { Acknowledgements = source is null ? [] : acks, TriggerSource = source }, none).ConfigureAwait(false);
                unwritten = created.Length == 0 ? [] : (await store.FindUnwrittenAsync(created, snapshot, none).ConfigureAwait(false)).ToHashSet();
                break;
            }
            catch (Exception ex) when (IsWriteFailure(ex) && attempt < pauses.Count)
            {
                // CiviCRM failing for a moment (a 500, a page that is not API v4, its circuit open): asked again after a pause,
                // so the contacts are reported as CiviCRM holds them rather than all failed (trial19: 82 of 100 were applied).
                // The pause also lets a write that timed out but still runs on CiviCRM finish before it is read back.
                Log.WriteBackReadBackAgain(_logger, Reason(lost), Reason(ex), pauses[attempt], attempt + 2);
                await Task.Delay(pauses[attempt], _time, none).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsWriteFailure(ex))
            {
                Log.WriteBackUnknown(_logger, Reason(lost), Reason(ex));
                throw new PageNotWrittenException(
                    $"the answer to the page's write-back was lost ({What(lost)}) and CiviCRM could not be asked what it kept ({What(ex)}, {Tries(attempt + 1)}). CiviCRM may have applied it: the next run finds out and writes nothing twice.",
                    lost);
            }
        }

        var open = after.Audits.Where(a => a.Status == ActivityOutcomeStatus.Scheduled).Select(a => a.Id).ToHashSet();
        var completed = after.Audits.Where(a => a.Status == ActivityOutcomeStatus.Completed).Select(a => a.Id).ToHashSet();
        bool Kept(ActivityEntry e) => e.Id is long id
            ? (e.Status == ActivityOutcomeStatus.Completed ? completed.Contains(id) : !open.Contains(id))
            : !unwritten.Contains(e);
        var missingLinks = writes.Where(n => !after.Links.Any(l => l.IsCurrentDomain && l.CmsUserId == decisions[n].Request.CmsUserId && l.ContactId == decisions[n].Request.ContactId)).ToArray();
        var missingEntries = entries.Where(e => !Kept(e)).ToArray();
        var missingDiscard = discard.Where(open.Contains).ToArray();
        var missing = missingLinks.Select(n => decisions[n].Request.ContactId).Concat(missingEntries.Select(e => e.ContactId)).ToHashSet();
        Log.WriteBackAnswerLost(_logger, Reason(lost), missing.Count, results.Count);
        LogRepairs(writes.Except(missingLinks).Select(n => decisions[n]).ToArray());

        IReadOnlyDictionary<long, CmsUserException> refused;
        try
        {
            if (missingLinks.Length > 0)
            {
                // A link that fails now changes its contact's audit (a Failed record) and trigger change.
                await RelinkAsync(missingLinks, linked, decisions, audit, results, records, opened).ConfigureAwait(false);
                (var again, _, acks) = Plan(audit);
                missingEntries = [.. again.Where(e => missing.Contains(e.ContactId) && !Kept(e))];
            }

            RefusedWrites.FindUnwritten findAgain = async part =>
                (await store.FindUnwrittenAsync(created, snapshot, none).ConfigureAwait(false)).Intersect(part).ToArray();
            refused = missingEntries.Length == 0 && missingDiscard.Length == 0 ? new Dictionary<long, CmsUserException>()
                : await WriteSeparatelyAsync(missingEntries, missingDiscard, [], null, findAgain).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            // What is there is reported as it is; the contacts with a part missing stay in the trigger for the next run.
            var message = $"The results could not be written to CiviCRM: the answer to the page's write-back was lost ({What(lost)}), this contact's part of it is missing, and writing it again failed ({What(ex)}). The contact stays in the trigger: the next run finds what was kept.";
            var final = audit.Results.Select(r => missing.Contains(r.Contact.Id)
                ? NotWritten(r, FailureKind.Transient, message)
                : r).ToArray();
            await AcknowledgeAgainAsync(NotDone(acks.Where(a => !missing.Contains(a.ContactId)).ToArray(), after.AcknowledgementsDone), source).ConfigureAwait(false);
            throw new PageNotWrittenException(message, final, ex);
        }

        await AcknowledgeAgainAsync(NotDone(acks.Where(a => !refused.ContainsKey(a.ContactId)).ToArray(), after.AcknowledgementsDone), source).ConfigureAwait(false);
        return Refused(audit.Results, refused);
    }

    /// <summary>
    /// The trigger changes not found carried out by the read-back: a change is left out only when the read found every part
    /// of it done for the same contact and disposition (a contact whose disposition changed since, after a link that failed
    /// when written again, is sent as it now is). Without a read of them (<paramref name="done"/> null) all are sent.
    /// </summary>
    private TriggerAcknowledgement[] NotDone(TriggerAcknowledgement[] acks, IReadOnlyCollection<TriggerAcknowledgement>? done)
    {
        if (done is null || done.Count == 0 || acks.Length == 0)
        {
            return acks;
        }

        var left = acks.Where(a => !done.Contains(a)).ToArray();
        Log.WriteBackAcksFoundDone(_logger, acks.Length - left.Length, acks.Length, left.Length);
        return left;
    }

    /// <summary>How many read-backs were tried, in words.</summary>
    private static string Tries(int count) => count == 1 ? "asked once" : $"asked {count.ToString(System.Globalization.CultureInfo.InvariantCulture)} times";

    /// <summary>
    /// Writes links again through the link store (idempotent upserts; its per-record fallback keeps one bad link from failing
    /// the others): a link that is not there after all has its contact's result and audit decided again in
    /// <paramref name="audit"/> (a failure writes no Completed record and sends no notification).
    /// </summary>
    private async Task RelinkAsync(int[] writes, int[] linked, IReadOnlyList<AccountLinkResult> decisions, AuditPlan audit, IReadOnlyList<ContactResult> results, ILookup<long, AuditRecord> records, OpenedPage opened)
    {
        var none = CancellationToken.None;
        var answers = await _links.EnsureLinksAsync(writes.Select(n => decisions[n].Request).ToArray(), none).ConfigureAwait(false);
        for (var w = 0; w < writes.Length; w++)
        {
            var n = writes[w];
            var answer = LinkAnswer(answers, w, decisions[n].Request);
            if (answer.Kind is AccountLinkResultKind.Failed or AccountLinkResultKind.HeldByOtherContact)
            {
                var i = linked[n];
                audit.Decisions[i] = await ResolveOneAsync(ApplyLink(results[i], answer), records, opened, none).ConfigureAwait(false);
            }
            else if (decisions[n].Kind == AccountLinkResultKind.Repaired)
            {
                Log.LinkRepaired(_logger, decisions[n].Request.CmsUserId, decisions[n].PreviousContactId, decisions[n].Request.ContactId);
            }
        }
    }

    /// <summary>
    /// The trigger changes of a page whose write's answer was lost, sent again (idempotent). A failure is logged, not the
    /// contacts': their accounts are linked and audited, and the next run finds them so and changes the trigger then.
    /// </summary>
    private async Task AcknowledgeAgainAsync(TriggerAcknowledgement[] acks, ITriggerSource? source)
    {
        if (source is null || acks.Length == 0)
        {
            return;
        }

        try
        {
            await source.AcknowledgeAsync(acks, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            Log.WriteBackAcksUnconfirmed(_logger, Reason(ex));
        }
    }

    /// <summary>
    /// After a failed one-request write, of which any prefix may be written (CiviCRM runs no transaction): the links
    /// again (idempotent upserts; the store's per-record fallback keeps one bad link from failing the others), the
    /// audit of a contact whose link turned out to fail decided again, updates and removals of records again (by id),
    /// new records only where <see cref="IPageWriteBackStore.FindUnwrittenAsync"/> finds them missing, then the trigger
    /// changes (idempotent).
    /// </summary>
    private async Task<IReadOnlyList<ContactResult>> ReplayAsync(
        IPageWriteBackStore store, IReadOnlyList<ContactResult> results, int[] linked, IReadOnlyList<AccountLinkResult> decisions, AuditPlan audit,
        ILookup<long, AuditRecord> records, PageWriteBackSnapshot snapshot, ITriggerSource? source, OpenedPage opened)
    {
        var none = CancellationToken.None;
        var writes = Enumerable.Range(0, decisions.Count).Where(n => IsWrite(decisions[n])).ToArray();
        if (writes.Length > 0)
        {
            await RelinkAsync(writes, linked, decisions, audit, results, records, opened).ConfigureAwait(false);
        }

        var (entries, discard, acks) = Plan(audit);
        var created = entries.Where(e => e.Id is null).ToArray();
        var unwritten = created.Length == 0 ? [] : (await store.FindUnwrittenAsync(created, snapshot, none).ConfigureAwait(false)).ToHashSet();

        // A refusal of the records again: the store tells which of the page's new records neither write left written.
        RefusedWrites.FindUnwritten findAgain = async part =>
            (await store.FindUnwrittenAsync(created, snapshot, none).ConfigureAwait(false)).Intersect(part).ToArray();
        var refused = await WriteSeparatelyAsync(entries.Where(e => e.Id is not null || unwritten.Contains(e)).ToArray(), discard, acks, source, findAgain).ConfigureAwait(false);
        return Refused(audit.Results, refused);
    }

    /// <summary>A link decided without a read, as the links read just before its write show it: repaired when another contact held it.</summary>
    private static AccountLinkResult Repair(AccountLinkResult decision, IReadOnlyList<AccountLink> before) =>
        decision.Kind == AccountLinkResultKind.Created && before.FirstOrDefault(l => l.IsCurrentDomain && l.CmsUserId == decision.Request.CmsUserId && l.ContactId != decision.Request.ContactId) is { } held
            ? decision with { Kind = AccountLinkResultKind.Repaired, PreviousContactId = held.ContactId }
            : decision;

    private static bool IsWrite(AccountLinkResult decision) => decision.Kind is AccountLinkResultKind.Created or AccountLinkResultKind.Repaired;

    /// <summary>A failure of a write-back request (not a defect of the engine): the parts are written again one call each.</summary>
    private static bool IsWriteFailure(Exception ex) => ex is CmsUserException or HttpRequestException or TimeoutException or OperationCanceledException;

    /// <summary>A failure as a clause of a log message: what happened, the call and the runtime's words, without its own consequence.</summary>
    private static string Reason(Exception ex) => FailureClause.Of(ex, detail: true);

    /// <summary>A failure as a clause of a result's message: only what happened ("CiviCRM did not answer in time"); the message says the consequence.</summary>
    private static string What(Exception ex) => FailureClause.Of(ex);

    private void LogRepairs(IReadOnlyList<AccountLinkResult> decisions)
    {
        foreach (var d in decisions.Where(d => d.Kind == AccountLinkResultKind.Repaired))
        {
            Log.LinkRepaired(_logger, d.Request.CmsUserId, d.PreviousContactId, d.Request.ContactId);
        }
    }

    /// <summary>The audit records to write, the records to remove and the trigger changes of an audited page.</summary>
    private (ActivityEntry[] Entries, IReadOnlyCollection<long> Discard, TriggerAcknowledgement[] Acks) Plan(AuditPlan audit)
    {
        var now = _time.GetUtcNow();
        var entries = audit.Decisions.SelectMany(d => d.Linked is { } link
                ? new[] { ToActivity(link, now) with { Id = d.Update } }.Concat(d.Result.RecordActivity ? [ToActivity(d.Result, now)] : [])
                : d.Result.RecordActivity ? [ToActivity(d.Result, now) with { Id = d.Update }] : [])
            .ToArray();
        var discard = audit.Decisions.SelectMany(d => d.Discard).Concat(audit.NeverStarted).Distinct().ToArray();
        var acks = audit.Decisions.Where(d => d.Result.Disposition is not null)
            .Select(d => new TriggerAcknowledgement(d.Result.Contact.Id, d.Result.Disposition!.Value)).ToArray();
        return (entries, discard, acks);
    }

    /// <summary>
    /// Writes the page's links through the link store (it reads before it writes). <paramref name="afterLostAnswer"/>: asked
    /// again after a call whose answer was lost, so a link found there may be the lost call's own: the contact keeps its result.
    /// </summary>
    private async Task<ContactResult[]> WriteLinksAsync(IReadOnlyList<ContactResult> results, CancellationToken none, bool afterLostAnswer = false)
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
            var answer = LinkAnswer(answers, n, link);
            output[indexes[n]] = afterLostAnswer && answer.Kind == AccountLinkResultKind.AlreadyExisted ? result : ApplyLink(result, answer);
            if (answer.Kind == AccountLinkResultKind.Repaired)
            {
                Log.LinkRepaired(_logger, link.CmsUserId, answer.PreviousContactId, result.Contact.Id);
            }
        }

        return output;
    }

    /// <summary>What a link's result makes of the contact's result.</summary>
    private ContactResult ApplyLink(ContactResult result, AccountLinkResult answer) => answer.Kind switch
    {
        AccountLinkResultKind.Failed or AccountLinkResultKind.HeldByOtherContact => LinkRefused(result, answer, _attempts, _logger),

        // The link appeared while we worked (another worker). The audit is settled below: one record per account.
        AccountLinkResultKind.AlreadyExisted when result.Kind == OutcomeKind.Linked && !result.Link!.AccountCreatedNow => result with { Kind = OutcomeKind.AlreadyLinked },
        _ => result,
    };

    /// <summary>
    /// The contact whose link (<see cref="ContactResult.Link"/>) the link store refused (<see cref="AccountLinkResultKind.Failed"/>
    /// or <see cref="AccountLinkResultKind.HeldByOtherContact"/>), failed for good and logged; <paramref name="more"/> ends the
    /// message (the role sync says no role was given). The page write-back and the role sync of an existing account share it.
    /// </summary>
    internal static ContactResult LinkRefused(ContactResult result, AccountLinkResult answer, AttemptPolicy attempts, ILogger logger, string more = "")
    {
        var uid = result.Link!.CmsUserId;
        if (answer.Kind == AccountLinkResultKind.HeldByOtherContact)
        {
            // An account belongs to one contact per domain: never take it from the contact that holds it.
            Log.LinkHeldByOther(logger, result.Contact.Id, uid, answer.PreviousContactId);
            return result.Fail(attempts, FailureKind.Permanent, HeldByOtherContactCode, HeldByOtherMessage(uid, answer.PreviousContactId) + more)
                with { CmsUserId = null, Username = null };
        }

        // The account exists and stays known (CmsUserId), so the outcome names it; the next run finds it by email.
        Log.LinkFailed(logger, result.Contact.Id, uid, answer.Error);
        return result.Fail(attempts, FailureKind.Permanent, CmsUserErrorCodes.LinkFailed, LinkFailedMessage(uid, answer.Error) + more);
    }

    /// <summary>The message of <see cref="HeldByOtherContactCode"/> (the dry run predicts it with the same words).</summary>
    /// <param name="cmsUserId">The CMS account, or <see langword="null"/> for the account another contact of the same run gets first.</param>
    /// <param name="holder">The contact that holds it, when known.</param>
    public static string HeldByOtherMessage(long? cmsUserId, long? holder)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var account = cmsUserId is long id ? $"CMS account {id.ToString(culture)}" : "the CMS account this run creates first";
        var by = holder is long h ? $"contact {h.ToString(culture)}" : "another contact";
        return $"The email address is used by {account}, which belongs to {by}. Give this contact its own email address, or merge the two contacts.";
    }

    /// <summary>The message of <see cref="CmsUserErrorCodes.LinkFailed"/> (the dry run predicts it with the same words).</summary>
    public static string LinkFailedMessage(long cmsUserId, string? error) =>
        $"CMS account {cmsUserId.ToString(System.Globalization.CultureInfo.InvariantCulture)} exists but could not be linked: {error}";

    /// <summary>
    /// Every account is audited exactly once. For each contact of the page (one read): an account that has a
    /// Completed record already (a racing worker) gets none; otherwise the success completes the contact's oldest
    /// open Scheduled record (two racing workers complete the same record, so there is still one), and a contact
    /// found linked with an open record (a run that died after the create) is completed now. A counted failure
    /// closes this run's own record as Failed; an outcome with nothing to record removes it. Returns, per result, the
    /// result as audited, the record it updates and the records it removes, and the records of contacts never started.
    /// </summary>
    private async Task<AuditPlan> ResolveAuditsAsync(ContactResult[] results, ILookup<long, AuditRecord> records, OpenedPage opened, CancellationToken none)
    {
        var decisions = new AuditDecision[results.Length];
        for (var i = 0; i < results.Length; i++)
        {
            decisions[i] = await ResolveOneAsync(results[i], records, opened, none).ConfigureAwait(false);
        }

        // Contacts opened but never started (a stopped or cancelled run): their records go too.
        var started = results.Where(r => OpensRecords(r.ActivityKind)).Select(r => r.Contact.Id).ToHashSet();
        return new AuditPlan(decisions, opened.Records.Where(kv => !started.Contains(kv.Key)).Select(kv => kv.Value).ToArray());
    }

    /// <summary>
    /// The ids of a contact's open (Scheduled) records, this page's own included, distinct and ascending. Most contacts
    /// have exactly one, their own: that case allocates one small array and no query.
    /// </summary>
    internal static long[] OpenIds(AuditRecord[] records, long? mine)
    {
        var count = 0;
        foreach (var r in records)
        {
            if (r.Status == ActivityOutcomeStatus.Scheduled)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return mine is long only ? [only] : [];
        }

        var ids = new long[count + (mine is null ? 0 : 1)];
        var n = 0;
        foreach (var r in records)
        {
            if (r.Status == ActivityOutcomeStatus.Scheduled)
            {
                ids[n++] = r.Id;
            }
        }

        if (mine is long m)
        {
            ids[n] = m;
        }

        Array.Sort(ids);
        var distinct = ids.Length == 0 ? 0 : 1;
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] != ids[distinct - 1])
            {
                ids[distinct++] = ids[i];
            }
        }

        return distinct == ids.Length ? ids : ids[..distinct];
    }

    /// <summary>The audit of one contact (see <see cref="ResolveAuditsAsync"/>).</summary>
    private async Task<AuditDecision> ResolveOneAsync(ContactResult result, ILookup<long, AuditRecord> records, OpenedPage opened, CancellationToken none)
    {
        if (result.ActivityKind == ActivityKind.PasswordReset)
        {
            return ResolveReset(result, records, opened);
        }

        if (result.ActivityKind != ActivityKind.AccountCreation)
        {
            return new AuditDecision(result, null, []);
        }

        var mine = opened.Records.TryGetValue(result.Contact.Id, out var own) ? own : (long?)null;
        if (result.Error is not null && result.LinkedBeforeFailure is { } linkedFirst)
        {
            // The attempt linked the account, then its role change failed: the link is audited as the success it is (the
            // attempt's open record completed, exactly one Completed record per account), and the failure as a linked
            // contact's failed role change is: a Failed record of its own when it counts, nothing when it does not.
            var link = await ResolveOneAsync(linkedFirst, records, opened, none).ConfigureAwait(false);
            if (link.Result.RecordActivity)
            {
                return new AuditDecision(result, link.Update, link.Discard) { Linked = link.Result };
            }

            // The account has its Completed record already: the failure closes this run's own record, as any failure does.
            var closes = result.RecordActivity ? mine : null;
            return new AuditDecision(result, closes, link.Discard.Where(id => id != closes).ToArray());
        }

        var recs = records[result.Contact.Id].ToArray();
        var openIds = OpenIds(recs, mine);
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

                return new AuditDecision(result with { RecordActivity = false }, null, openIds);
            }

            if (openIds.Length == 0)
            {
                // Linked before, by someone else and with no attempt of ours open: nothing of ours to audit.
                return new AuditDecision(result, null, []);
            }

            // A contact found linked with an open record: an earlier attempt created or linked the account and did not record
            // it (its create's answer was lost, or its run stopped). It may have ended between the create and the CMS's
            // separate notification request; the record is still open, so it is not known to have been sent: send it now.
            var recovered = !result.RecordActivity;
            var notified = recovered && result.NotifyIfRecovered is { } linkedAccount
                ? await SendRecoveredNotificationAsync(result, linkedAccount, none).ConfigureAwait(false)
                : null;

            // An account found made (linked by the CMS's plugin, or refused as a duplicate and looked up) that an earlier
            // attempt of ours created and did not record is recorded as the creation it was (and told about, as above).
            var proof = result.Kind is OutcomeKind.Linked or OutcomeKind.AlreadyLinked
                ? await RecoveredCreation.ProveAsync(result, recs, mine, _cms, _logger, none).ConfigureAwait(false)
                : null;
            if (!recovered && proof is not null && result.NotifyIfRecovered is { } foundAccount)
            {
                notified = await SendRecoveredNotificationAsync(result, foundAccount, none).ConfigureAwait(false);
            }

            if (recovered || proof is not null)
            {
                if (proof is null)
                {
                    Log.AuditRecovered(_logger, result.Contact.Id, uid);
                }
                else
                {
                    Log.CreationRecovered(_logger, result.Contact.Id, uid, proof.OpenedAt, proof.CreatedAt);
                }

                var failure = notified is { Sent: false } ? NotificationNote.Clean(notified.Failure) : null;
                var failureKind = notified is { Sent: false } ? notified.Kind : (CmsNotificationFailure?)null;
                CmsNotification? sentNow = notified is null ? null : notified.Sent ? CmsNotification.Sent : CmsNotification.Failed;
                if (proof is null)
                {
                    var details = $"Recorded by a later run: an earlier attempt created or linked the account and did not record it ({RecoveredCreation.WhyOpen}).";
                    result = result with
                    {
                        RecordActivity = true,
                        ActivityDetails = sentNow is { } s ? $"{details} {NotificationNote.Recovered(s, failureKind, failure)}" : details,
                    };
                }
                else
                {
                    // No email sent now: unknown whether the earlier attempt's create sent one, unless the rule asks for none.
                    var notification = sentNow ?? (result.RuleNotifies ? CmsNotification.Unknown : CmsNotification.NotRequested);
                    result = result with
                    {
                        Kind = OutcomeKind.Created,
                        Username = proof.Username,
                        RecoveredCreation = true,
                        RecordActivity = true,
                        // As complete as the record of a creation this run made: the rule and its roles, then how, then the email.
                        ActivityDetails = $"{(result.CreationRule is { } rule ? ContactPipeline.RuleNote(rule) : null)} {proof.Details} {NotificationNote.Recovered(notification, failureKind, failure)}".TrimStart(),
                        Notification = notification,
                        NotificationFailure = failure,
                        NotificationFailureReason = failureKind,
                    };
                }
            }

            return new AuditDecision(result, openIds[0], openIds.Skip(1).ToArray());
        }

        if (result.RecordActivity && (mine is not null || openIds.Length > 0))
        {
            // A counted failure closes this run's own record as Failed (without one, its Failed record is new). A contact that
            // gives up, or whose failure settles what an earlier attempt left open (SettlesEarlierAttempts: its email's account
            // is another contact's, or the look-ups found none), leaves nothing open: those attempts were never counted (a
            // create that got no answer, a stopped run), and this failure is counted once, by its own record.
            var earlier = openIds.Where(id => id != mine).ToArray();
            if (earlier.Length == 0 || (result.Kind != OutcomeKind.GaveUp && !SettlesEarlierAttempts(result)))
            {
                return new AuditDecision(result, mine, []);
            }

            Log.EarlierAttemptsClosed(_logger, result.Contact.Id, earlier.Length, result.Error?.Code);
            return new AuditDecision(result with { ActivityDetails = result.ActivityDetails + EarlierAttemptsNote(earlier.Length) }, mine, earlier);
        }

        if (mine is long unused && !result.AccountMayExist)
        {
            // Nothing to record (a transient failure, a skipped contact): the record goes. The store removes only
            // records still Scheduled, so one a racing worker completed meanwhile stays. A create that got no
            // answer may have made the account: its record stays open for the run that finds it.
            return new AuditDecision(result, null, [unused]);
        }

        return new AuditDecision(result, null, []);
    }

    /// <summary>
    /// The audit of one reset campaign contact, by creation's rules for open records: the page opened the contact's Scheduled
    /// record before its email (<paramref name="opened"/>), so what the write-back writes is an update by id, which a write
    /// carried out twice (its answer lost, then the original arriving late) writes once. A reset sent completes the
    /// contact's oldest open record (an earlier run's left open, or its own) and removes the others; a counted failure
    /// closes its own record as Failed (a new one when none was opened) and removes the earlier runs' open records, which
    /// were never counted (a reset has no account to recover, so nothing is kept open for a later run: before session 20
    /// only the last attempt, GaveUp, removed them, and a contact taken out of the campaign by hand kept them Scheduled);
    /// a contact with nothing to record (a transient failure, a blocked account) has its own record removed, and the
    /// earlier ones stay. Records left open count as no attempt (only Failed records count).
    /// </summary>
    private AuditDecision ResolveReset(ContactResult result, ILookup<long, AuditRecord> records, OpenedPage opened)
    {
        var mine = opened.Records.TryGetValue(result.Contact.Id, out var own) ? own : (long?)null;
        if (!result.RecordActivity)
        {
            return new AuditDecision(result, null, mine is long unused ? [unused] : []);
        }

        var openIds = OpenIds([.. records[result.Contact.Id]], mine);
        if (result.Error is null)
        {
            return openIds.Length == 0
                ? new AuditDecision(result, null, [])
                : new AuditDecision(result, openIds[0], openIds[1..]);
        }

        var earlier = openIds.Where(id => id != mine).ToArray();
        if (earlier.Length == 0)
        {
            return new AuditDecision(result, mine, []);
        }

        Log.EarlierAttemptsClosed(_logger, result.Contact.Id, earlier.Length, result.Error.Code);
        return new AuditDecision(result with { ActivityDetails = result.ActivityDetails + EarlierResetsNote(earlier.Length) }, mine, earlier);
    }

    /// <summary>The sentence a Failed reset record ends with when it closes earlier runs' open records.</summary>
    internal static string EarlierResetsNote(int count) => count == 1
        ? " An earlier reset left open (a run that stopped before its result was written) is closed with this record."
        : $" {count.ToString(System.Globalization.CultureInfo.InvariantCulture)} earlier resets left open (runs that stopped before their results were written) are closed with this record.";

    /// <summary>
    /// The kind of the page's audit records that the write-back reads: a reset campaign's, else creation's. A reset page none
    /// of whose contacts started (a stopped run) has no result to tell it: its opened records do (<see cref="OpenedPage.Kind"/>),
    /// so a read-back after a lost answer finds the reset records it removes (before session 20 it read creation records,
    /// found none of them open, and did not remove them again).
    /// </summary>
    private static ActivityKind AuditedKind(IReadOnlyList<ContactResult> results, OpenedPage opened) =>
        results.Any(r => r.ActivityKind == ActivityKind.PasswordReset)
            || (opened.Kind == ActivityKind.PasswordReset && !results.Any(r => r.ActivityKind == ActivityKind.AccountCreation))
            ? ActivityKind.PasswordReset : ActivityKind.AccountCreation;

    /// <summary>
    /// The contacts whose audit records the write-back reads: a creation page's, and a reset page's when it opened records or
    /// had an open refused (a refused call may have kept records it could not claim, <see cref="ReopenAsync"/>). A recorder
    /// that opens none has none left open either: its reset records are new, and nothing is read for them.
    /// </summary>
    private static long[] Audited(IReadOnlyList<ContactResult> results, OpenedPage opened) =>
        results.Where(r => r.ActivityKind == ActivityKind.AccountCreation
                || (r.ActivityKind == ActivityKind.PasswordReset && (opened.Records.Count > 0 || opened.NotOpened.Count > 0)))
            .Select(r => r.Contact.Id).Distinct().ToArray();

    /// <summary>
    /// Whether a counted failure settles the attempts an earlier run left open for the contact (a create that got no answer,
    /// a run that stopped), so that nothing of the contact stays Scheduled once this run is done with it:
    /// <list type="bullet">
    /// <item>the account its email has belongs to another contact: whatever those attempts' creates made, this contact never
    /// gets it;</item>
    /// <item>the attempt's look-ups found no account for the contact (<see cref="ContactResult.NoAccountFound"/>: a taken
    /// username, the CMS refusing the data): an account one of those attempts made would have the contact's email and would
    /// have been found, so they made none.</item>
    /// </list>
    /// Otherwise a create of this attempt that got no answer (<see cref="ContactResult.AccountMayExist"/>) settles nothing:
    /// the earlier records stay open for the run that finds the account.
    /// </summary>
    internal static bool SettlesEarlierAttempts(ContactResult result) =>
        result.Error is not null && (result.Error.Code == HeldByOtherContactCode || (result.NoAccountFound && !result.AccountMayExist));

    /// <summary>The sentence a Failed record ends with when it closes earlier attempts' open records.</summary>
    internal static string EarlierAttemptsNote(int count) => count == 1
        ? " An earlier attempt left open (a create that got no answer, or a run that stopped) is closed with this record."
        : $" {count.ToString(System.Globalization.CultureInfo.InvariantCulture)} earlier attempts left open (a create that got no answer, or a run that stopped) are closed with this record.";

    /// <summary>
    /// One contact's audit: its result as audited, the open record it completes or fails, the records it removes. When the
    /// attempt linked the account before a failure (<see cref="ContactResult.LinkedBeforeFailure"/>), <see cref="Linked"/> is
    /// that link's success, recorded on <see cref="Update"/>, and the failure's record (when it counts) is a new one.
    /// </summary>
    private sealed record AuditDecision(ContactResult Result, long? Update, IReadOnlyList<long> Discard)
    {
        public ContactResult? Linked { get; init; }
    }

    /// <summary>A page's audit: one decision per result (in order), and the records of contacts never started.</summary>
    private sealed record AuditPlan(AuditDecision[] Decisions, IReadOnlyList<long> NeverStarted)
    {
        public ContactResult[] Results => Decisions.Select(d => d.Result).ToArray();
    }

    /// <summary>
    /// The Completed and Scheduled records of the page's contacts (one read; none when no contact is a creation or a reset
    /// of a page that opened or tried to open records, <see cref="Audited"/>).
    /// </summary>
    private async Task<ILookup<long, AuditRecord>> ReadAuditsAsync(IReadOnlyList<ContactResult> results, OpenedPage opened, CancellationToken none)
    {
        var ids = Audited(results, opened);
        var records = ids.Length == 0 ? [] : await _activities.FindAuditsAsync(ids, AuditedKind(results, opened), none).ConfigureAwait(false);
        return records.ToLookup(r => r.ContactId);
    }

    /// <summary>
    /// Sends the CMS's new-account (set-password) notification for an account a stopped run created. Says whether it was
    /// sent, or the reason it was not (logged; the contact does not fail for it).
    /// </summary>
    private async Task<RecoveredNotification> SendRecoveredNotificationAsync(ContactResult result, CmsAccount account, CancellationToken cancellationToken)
    {
        try
        {
            await _cms.SendPasswordResetAsync(account, cancellationToken).ConfigureAwait(false);
            return new RecoveredNotification(true, null, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is CmsUserException typed ? typed.Message : ex.GetType().Name;
            Log.RecoveredNotificationFailed(_logger, result.Contact.Id, account.UserId, reason);
            return new RecoveredNotification(false, reason, NotificationNote.KindOf(ex));
        }
    }

    /// <summary>Whether the notification of a recovered account was sent, or why not (the text and its kind).</summary>
    private sealed record RecoveredNotification(bool Sent, string? Failure, CmsNotificationFailure? Kind);

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
        return new ActivityEntry(work.Contact.Id, work.ActivityKind, status, subject, DetailsOf(work, failed), now);
    }

    /// <summary>
    /// The record's details: a last failed attempt also says that the SDK gave up, so an admin reading the contact's
    /// records in CiviCRM can tell it from the attempts before it. An on-demand call compares a recorded failure with
    /// this text (<see cref="RecordedFailure"/>).
    /// </summary>
    internal static string? DetailsOf(ContactResult work, bool failed) =>
        failed && work.Kind == OutcomeKind.GaveUp
            ? $"{work.ActivityDetails?.TrimEnd()} {GaveUpSentence(work.ActivityKind, work.Attempt)}".TrimStart()
            : work.ActivityDetails;

    /// <summary>
    /// The sentence that ends a last failed attempt's details: a creation or reset leaves its trigger (a deprovisioning
    /// pass's contact has left it already, so its record says only that no attempt follows).
    /// </summary>
    private static string GaveUpSentence(ActivityKind kind, int? attempt)
    {
        var last = attempt is int n ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"No more attempts (this was attempt {n})") : "No more attempts";
        return kind is ActivityKind.AccountCreation or ActivityKind.PasswordReset
            ? last + ": the contact leaves the trigger and is not tried again until it is added to it again."
            : last + ".";
    }
}
