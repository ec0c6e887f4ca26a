using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Links;

/// <summary>
/// A page's audit and write-back requests, each a set of calls chained onto a one-row read of the API user's own contact
/// (API v4 runs a chain once per result row, in the order of the keys as sent): the Scheduled records with the page's audit
/// records read after them (<c>Activity.save</c>, <c>ActivityContact.get</c>); the read when the page needs one
/// (<c>UFMatch.get</c> of the page's CMS users and contacts in this domain, <c>ActivityContact.get</c> of the audit
/// records, the highest activity id when the write may create records, and after a lost answer the trigger and history
/// memberships the trigger changes would write, <c>GroupContact.get</c> and <c>EntityTag.get</c>); the write (<c>UFMatch.get</c> of the CMS users
/// when there was no read, <c>UFMatch.save</c> matched on <c>uf_id</c> and <c>domain_id</c>, <c>Activity.save</c>,
/// <c>Activity.delete</c> of Scheduled records, the trigger changes), sent by <see cref="Api4Carrier"/>.
/// </summary>
/// <remarks>
/// CiviCRM 6.17 runs a request without a transaction: when a chained call fails, the calls before it stay written, the
/// calls after it do not run, and the answer is the failing call's error (HTTP 500, <c>error_message</c> of that call), with
/// no sign of which call it was. The engine then replays each part on its own; new activities are found by
/// <see cref="FindUnwrittenAsync"/> (an id above the read's watermark, same contact, type, status and subject).
/// </remarks>
internal sealed class CiviCrmPageWriteBack : IPageWriteBackStore
{
    private const string LinksKey = "links";
    private const string AuditsKey = "audits";
    private const string WatermarkKey = "watermark";
    private const string ActivitiesKey = "activities";
    private const string DiscardKey = "discard";
    private const string OpenKey = "open";
    private const string BeforeKey = "before";

    private readonly CiviCrmApiClient _client;
    private readonly ILogger _logger;

    public CiviCrmPageWriteBack(CiviCrmApiClient client, ILogger<CiviCrmPageWriteBack>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<PageWriteBackSnapshot> ReadAsync(PageWriteBackQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var calls = new List<(string Key, Api4Chain Call)>();
        if (query.Links.Count > 0)
        {
            var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            calls.Add((LinksKey, new Api4Chain("UFMatch", "get", CiviCrmLinkStore.InDomainQuery(query.Links, identity.DomainId))));
        }

        if (query.AuditContactIds.Count > 0)
        {
            calls.Add((AuditsKey, new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.AuditQuery(query.AuditContactIds, query.Kind))));
        }

        if (query.MayCreateRecords)
        {
            var highest = new Api4Params { Limit = 1 }.WithSelect("id");
            highest.OrderBy.Add(new("id", "DESC"));
            calls.Add((WatermarkKey, new Api4Chain("Activity", "get", highest)));
        }

        // After a lost answer: what the trigger changes left, in the same request (a GroupContact.save sent again writes
        // civicrm_subscription_history rows again, whatever the membership already is).
        var triggers = query.Acknowledgements.Count > 0 && query.TriggerSource is CiviCrmTriggerSource civi && ReferenceEquals(civi.Client, _client) ? civi : null;
        if (triggers is not null)
        {
            calls.AddRange(await triggers.AcknowledgeStateCallsAsync(query.Acknowledgements, cancellationToken).ConfigureAwait(false));
        }

        if (calls.Count == 0)
        {
            return triggers is null ? PageWriteBackSnapshot.Empty : new PageWriteBackSnapshot { AcknowledgementsDone = [] };
        }

        var answers = await Api4Carrier.SendAsync(_client, calls, cancellationToken).ConfigureAwait(false);
        return new PageWriteBackSnapshot
        {
            AcknowledgementsDone = triggers is null ? null : await triggers.AcknowledgementsDoneAsync(query.Acknowledgements, answers, cancellationToken).ConfigureAwait(false),
            Links = answers.TryGetValue(LinksKey, out var links) ? CiviCrmLinkStore.ToLinks(links) : [],
            Audits = answers.TryGetValue(AuditsKey, out var audits) ? await CiviCrmActivityRecorder.ToAuditRecordsAsync(_client, audits, cancellationToken).ConfigureAwait(false) : [],
            ActivityWatermark = answers.TryGetValue(WatermarkKey, out var mark) ? mark.Select(r => r.GetInt64("id")).FirstOrDefault() ?? 0 : null,
        };
    }

    /// <inheritdoc />
    public async Task<PageWriteBackOpened> OpenAsync(IReadOnlyList<ActivityEntry> scheduled, PageWriteBackQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        ArgumentNullException.ThrowIfNull(query);
        var calls = new List<(string Key, Api4Chain Call)>();
        var open = CiviCrmActivityRecorder.OpenQuery(scheduled);
        if (scheduled.Count > 0)
        {
            await _client.ActivityStatuses.ThrowIfBrokenAsync(_client, _logger, cancellationToken).ConfigureAwait(false);
            calls.Add((OpenKey, new Api4Chain("Activity", "save", open)));
        }

        if (query.AuditContactIds.Count > 0)
        {
            // After the records just written: the snapshot includes them.
            calls.Add((AuditsKey, new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.AuditQuery(query.AuditContactIds, query.Kind))));
        }

        if (calls.Count == 0)
        {
            return new PageWriteBackOpened([], PageWriteBackSnapshot.Empty);
        }

        var answers = await Api4Carrier.SendAsync(_client, calls, cancellationToken).ConfigureAwait(false);
        if (answers.TryGetValue(OpenKey, out var openRows))
        {
            // Before any attempt: a Scheduled status that cannot be set up stops the page here.
            await _client.ActivityStatuses.VerifyAsync(_client, open.Records, openRows, _logger, throwIfUnfixed: true, cancellationToken).ConfigureAwait(false);
        }

        return new PageWriteBackOpened(
            CiviCrmActivityRecorder.OpenedIds(answers.TryGetValue(OpenKey, out var rows) ? rows : [], scheduled.Count),
            new PageWriteBackSnapshot { Audits = answers.TryGetValue(AuditsKey, out var audits) ? await CiviCrmActivityRecorder.ToAuditRecordsAsync(_client, audits, cancellationToken).ConfigureAwait(false) : [] });
    }

    /// <inheritdoc />
    public async Task<PageWriteBackWritten> WriteAsync(PageWriteBackBatch batch, ITriggerSource? source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var calls = new List<(string Key, Api4Chain Call)>();
        if (batch.Links.Count > 0)
        {
            var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            if (batch.ReadLinksFirst)
            {
                // Whom each CMS user is linked to before the save (only to tell a repair in the log).
                var before = new Api4Params { Limit = batch.Links.Count * 2 }
                    .WithSelect("id", "uf_id", "uf_name", "contact_id")
                    .WithWhere(Api4Condition.Eq("domain_id", identity.DomainId), Api4Condition.In("uf_id", batch.Links.Select(l => l.CmsUserId)));
                calls.Add((BeforeKey, new Api4Chain("UFMatch", "get", before)));
            }

            // save + match on (uf_id, domain_id): creates the missing links and repoints links of the same CMS user, idempotently.
            var save = new Api4Params { Match = { "uf_id", "domain_id" } };
            foreach (var link in batch.Links)
            {
                save.Records.Add(CiviCrmLinkStore.Record(link, identity.DomainId));
            }

            calls.Add((LinksKey, new Api4Chain("UFMatch", "save", save)));
        }

        var activities = CiviCrmActivityRecorder.SaveQuery(batch.Activities);
        if (batch.Activities.Count > 0)
        {
            await _client.ActivityStatuses.ThrowIfBrokenAsync(_client, _logger, cancellationToken).ConfigureAwait(false);
            calls.Add((ActivitiesKey, new Api4Chain("Activity", "save", activities)));
        }

        if (batch.Discard.Count > 0)
        {
            calls.Add((DiscardKey, new Api4Chain("Activity", "delete", CiviCrmActivityRecorder.DiscardQuery(batch.Discard))));
        }

        var acknowledged = batch.Acknowledgements.Count == 0;
        if (!acknowledged && source is CiviCrmTriggerSource civi && ReferenceEquals(civi.Client, _client))
        {
            calls.AddRange(await civi.AcknowledgeCallsAsync(batch.Acknowledgements, cancellationToken).ConfigureAwait(false));
            acknowledged = true;
        }

        if (calls.Count == 0)
        {
            return new PageWriteBackWritten(acknowledged, []);
        }

        var answers = await Api4Carrier.SendAsync(_client, calls, cancellationToken).ConfigureAwait(false);
        if (answers.TryGetValue(ActivitiesKey, out var written))
        {
            // The write landed: a status that cannot be set up again stops the next write, not this one (the engine would
            // write this page's parts again).
            await _client.ActivityStatuses.VerifyAsync(_client, activities.Records, written, _logger, throwIfUnfixed: false, cancellationToken).ConfigureAwait(false);
        }

        return new PageWriteBackWritten(acknowledged, answers.TryGetValue(BeforeKey, out var links) ? CiviCrmLinkStore.ToLinks(links) : []);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActivityEntry>> FindUnwrittenAsync(IReadOnlyList<ActivityEntry> created, PageWriteBackSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (created.Count == 0 || snapshot.ActivityWatermark is not long mark)
        {
            // Without a watermark nothing can tell this write's records from older ones with the same subject: the engine
            // always reads one when the write may create records, so this is a store used on its own.
            return created;
        }

        var query = new Api4Params { Limit = 0 }
            .WithSelect("contact_id", "act.activity_type_id:name", "act.status_id:name", "act.subject")
            .WithWhere(
                Api4Condition.In("contact_id", created.Select(e => e.ContactId).Distinct().ToArray()),
                Api4Condition.Eq("record_type_id:name", "Activity Targets"),
                Api4Condition.In("act.activity_type_id:name", created.Select(e => CiviCrmActivityRecorder.TypeName(e.Kind)).Distinct().ToArray()),
                Api4Condition.Field("act.id", ">", mark));
        query.Join.Add(new Api4Join("Activity", "act", Api4JoinSide.Inner, [Api4Condition.Field("act.id", "=", "activity_id")]));
        var result = await _client.CallAsync("ActivityContact", "get", query, cancellationToken).ConfigureAwait(false);

        // Each record found accounts for one entry with the same contact, type, status and subject.
        var found = result.Values
            .Select(r => (r.GetInt64("contact_id"), r.GetString("act.activity_type_id:name"), r.GetString("act.status_id:name"), r.GetString("act.subject")))
            .GroupBy(k => k)
            .ToDictionary(g => g.Key, g => g.Count());
        var unwritten = new List<ActivityEntry>();
        foreach (var entry in created)
        {
            var record = CiviCrmActivityRecorder.ToRecord(entry);
            var key = ((long?)entry.ContactId, CiviCrmActivityRecorder.TypeName(entry.Kind), record["status_id:name"] as string, entry.Subject);
            if (found.TryGetValue(key, out var count) && count > 0)
            {
                found[key] = count - 1;
            }
            else
            {
                unwritten.Add(entry);
            }
        }

        return unwritten;
    }
}
