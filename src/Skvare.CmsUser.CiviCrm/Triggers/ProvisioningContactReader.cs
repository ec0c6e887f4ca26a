using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// The on-demand read in one request: a <c>Contact.get</c> of the contact (fields, this domain's link joined, other
/// domains' links chained) with, chained onto its row in this order, each rule's pending test (the rule's own pending
/// query limited to this contact, so groups, smart groups, tags, saved searches, kept members, required and excluded
/// sets mean exactly what they mean in a batch), each group rule's join date, the failed attempts with their dates,
/// the contact's latest record of the kind (any status: the answer of an on-demand call for a contact that still has the
/// defect that record failed it with), the Scheduled record of this attempt, created only when the contact is not linked
/// in this domain (a chained create runs once per row of a <c>Contact.get</c> of the contact that excludes linked
/// contacts), then the Completed and Scheduled audit records (which include it).
/// </summary>
internal sealed class ProvisioningContactReader
{
    private const string FailedChain = "failed";
    private const string LatestChain = "latest";
    private const string AuditsChain = "audits";
    private const string OpenChain = "open";
    private const string RecordChain = "record";

    private readonly CiviCrmApiClient _client;
    private readonly ContactReader _reader;
    private readonly ReferenceResolver _resolver;

    public ProvisioningContactReader(CiviCrmApiClient client, ContactReader reader, ReferenceResolver resolver)
    {
        _client = client;
        _reader = reader;
        _resolver = resolver;
    }

    private static string PendingChain(int rule) => "pending_" + rule.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string JoinedChain(int rule) => "joined_" + rule.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<ProvisioningContactRead?> ReadAsync(ProvisioningContactQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sources = query.Triggers.Select(t => new CiviCrmTriggerSource(_client, _reader, _resolver, t)).ToArray();
        var read = await _reader.BaseQueryAsync(query.ExtraFields, cancellationToken).ConfigureAwait(false);
        read.Where.Add(Api4Condition.Eq("id", query.ContactId));
        read.Limit = 1;
        await _reader.ChainOtherDomainLinksAsync(read, cancellationToken).ConfigureAwait(false);

        // A rule whose query holds a "$..." text of its own (a saved search's condition) cannot ride on the chain: CiviCRM
        // would read it as a field of the row. Such a rule is asked on its own, after the read, if no rule before it matched.
        var chained = new bool[sources.Length];
        for (var i = 0; i < sources.Length; i++)
        {
            var pending = await sources[i].PendingQueryAsync(cancellationToken).ConfigureAwait(false);
            if (HasPlaceholder(pending))
            {
                continue;
            }

            chained[i] = true;
            pending.Select.Clear();
            pending.Select.Add("id");
            pending.Where.Add(Api4Condition.Eq("id", "$id"));
            pending.Limit = 1;
            read.Chain[PendingChain(i)] = new Api4Chain("Contact", "get", pending);
            if (sources[i].NeedsJoinDates)
            {
                read.Chain[JoinedChain(i)] = new Api4Chain("SubscriptionHistory", "get", await sources[i].JoinDatesQueryAsync("$id", cancellationToken).ConfigureAwait(false));
            }
        }

        // All of the contact's failed attempts (its "since" depends on the join date, which comes with this answer).
        read.Chain[FailedChain] = new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.FailedAttemptsQuery("$id", query.Kind, sinceSite: null));

        // Before the record is opened (chains run in the order sent): the latest record is never this attempt's.
        read.Chain[LatestChain] = new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.LatestRecordQuery("$id", query.Kind));
        if (query.Open is { } open)
        {
            read.Chain[OpenChain] = new Api4Chain("Contact", "get", await UnlinkedAsync(open with { ContactId = query.ContactId }, cancellationToken).ConfigureAwait(false));
        }

        // After the record is opened (chains run in key order): the audit records include it, as the page write-back's
        // snapshot taken with its Scheduled records does.
        if (query.ReadAudits)
        {
            read.Chain[AuditsChain] = new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.AuditQuery("$id", query.Kind));
        }

        // The website tokens' values (when a pattern uses one): a request of its own beside the read, in the same round trip.
        var (result, websites) = await _reader.ReadWithWebsitesAsync(read, query.ExtraFields, [query.ContactId], cancellationToken).ConfigureAwait(false);
        if (result.Values.Count == 0)
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            return null;
        }

        var row = result.Values[0];
        var opened = OpenedRecord(row);
        ProvisioningContactRead? answer;
        try
        {
            answer = await ToReadAsync(query, sources, chained, row, result.Values, opened, websites, cancellationToken).ConfigureAwait(false);
        }
        catch when (opened is long record)
        {
            // The answer cannot be used (CiviCRM dropped the link join, a rule asked on its own failed): the record goes.
            await DiscardAsync(record).ConfigureAwait(false);
            throw;
        }

        if (answer is null && opened is long unused)
        {
            await DiscardAsync(unused).ConfigureAwait(false);
        }

        return answer;
    }

    /// <summary>Removes this attempt's record while still Scheduled (best effort: left Scheduled, the contact's next success completes or removes it).</summary>
    private async Task DiscardAsync(long record)
    {
        try
        {
            await _client.CallAsync("Activity", "delete", CiviCrmActivityRecorder.DiscardQuery([record]), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
        }
    }

    private async Task<ProvisioningContactRead?> ToReadAsync(
        ProvisioningContactQuery query, CiviCrmTriggerSource[] sources, bool[] chained, JsonElement row, IReadOnlyList<JsonElement> rows, long? opened, Task<Websites>? websites, CancellationToken cancellationToken)
    {
        var contacts = await _reader.ToContactsAsync(rows, query.ExtraFields, cancellationToken, websites).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            // A row without a readable id: nothing can be acted on or recorded against anyone (as a batch read leaves it out).
            return null;
        }

        var contact = contacts[0];

        // A rule asked on its own is asked only whether the contact is pending, and since when: its fields (and websites)
        // came with the read above, and are not read again.
        int? pendingIn = null;
        for (var i = 0; i < sources.Length && pendingIn is null; i++)
        {
            if (chained[i])
            {
                if (row.TryGetProperty(PendingChain(i), out var pending) && pending.ValueKind == JsonValueKind.Array && pending.GetArrayLength() > 0)
                {
                    pendingIn = i;
                    contact = sources[i].NeedsJoinDates ? await sources[i].WithJoinDateAsync(contact, row, JoinedChain(i), cancellationToken).ConfigureAwait(false) : contact;
                }
            }
            else if (await sources[i].FindPendingAsync(query.ContactId, fields: [], cancellationToken).ConfigureAwait(false) is { } found)
            {
                pendingIn = i;
                contact = contact with { TriggeredAt = found.TriggeredAt };
            }
        }

        var siteTime = await _client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        var since = query.CountFailuresSince(contact.TriggeredAt);
        var failed = Rows(row, FailedChain).Count(r => CiviCrmActivityRecorder.CountsSince(r, since, siteTime));
        return new ProvisioningContactRead
        {
            Contact = contact,
            PendingIn = pendingIn,
            FailedAttempts = failed,
            Audits = query.ReadAudits ? CiviCrmActivityRecorder.ToAuditRecords(Rows(row, AuditsChain), siteTime) : null,
            OpenedRecord = opened,
            LatestRecord = Rows(row, LatestChain).Select(r => CiviCrmActivityRecorder.ToLatestRecord(r, query.Kind, siteTime)).FirstOrDefault(),
        };
    }

    /// <summary>
    /// A <c>Contact.get</c> of the contact that finds it only when it has no link in this domain, with the Scheduled
    /// record's create chained onto it: the create runs once per row, so only for an unlinked contact.
    /// </summary>
    private async Task<Api4Params> UnlinkedAsync(ActivityEntry open, CancellationToken cancellationToken)
    {
        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        var unlinked = new Api4Params { Limit = 1 }.WithSelect("id").WithWhere(Api4Condition.Eq("id", "$id"));
        unlinked.Join.Add(new Api4Join("UFMatch", "open_uf", Api4JoinSide.Exclude,
        [
            Api4Condition.Field("open_uf.contact_id", "=", "id"),
            Api4Condition.Field("open_uf.domain_id", "=", identity.DomainId),
        ]));
        var create = new Api4Params();
        foreach (var (field, value) in CiviCrmActivityRecorder.ToRecord(open with { Id = null }))
        {
            create.Values[field] = value;
        }

        unlinked.Chain[RecordChain] = new Api4Chain("Activity", "create", create);
        return unlinked;
    }

    private static long? OpenedRecord(JsonElement row) =>
        Rows(row, OpenChain).SelectMany(r => Rows(r, RecordChain)).Select(r => r.GetInt64("id")).FirstOrDefault(id => id is not null);

    private static IEnumerable<JsonElement> Rows(JsonElement row, string chain) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(chain, out var rows) && rows.ValueKind == JsonValueKind.Array
            ? rows.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object)
            : [];

    /// <summary>Whether the query holds a text starting with <c>$</c>, which a chain would replace with a field of the row.</summary>
    internal static bool HasPlaceholder(Api4Params query) =>
        query.ToJson().Contains("\"$", StringComparison.Ordinal);
}
