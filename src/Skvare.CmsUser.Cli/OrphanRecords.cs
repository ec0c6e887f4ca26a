using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.Cli;

/// <summary>Why no run will finish an open record: where its contact is.</summary>
internal enum OrphanContact
{
    /// <summary>The contact is in CiviCRM but waits in no trigger of the record's kind (taken out of its group or tag, merged, deceased, or given an account another way).</summary>
    NotWaiting,

    /// <summary>The contact is in CiviCRM's trash.</summary>
    InTrash,

    /// <summary>The contact was deleted for good: the record has no target any more (its <c>source_record_id</c> still names it).</summary>
    Deleted,
}

/// <summary>An open (Scheduled) creation or reset record whose contact waits in no trigger that would finish it.</summary>
/// <param name="ActivityId">The activity.</param>
/// <param name="Kind"><see cref="ActivityKind.AccountCreation"/> or <see cref="ActivityKind.PasswordReset"/>.</param>
/// <param name="ContactId">The record's target, or for a deleted contact the id the record was opened for; <see langword="null"/> when unknown.</param>
/// <param name="DisplayName">CiviCRM's display name of the contact, or <see langword="null"/>.</param>
/// <param name="Contact">Where the contact is.</param>
/// <param name="OpenedAt">When the record was opened (its <c>activity_date_time</c>), or <see langword="null"/> when unreadable.</param>
internal sealed record OrphanRecord(long ActivityId, ActivityKind Kind, long? ContactId, string? DisplayName, OrphanContact Contact, DateTimeOffset? OpenedAt);

/// <summary>What <see cref="OrphanRecords.FindAsync"/> found: the orphans, and the age an open record needed to be looked at.</summary>
/// <param name="Records">The orphans, oldest first.</param>
/// <param name="OlderThan">Only records opened longer ago than this were looked at.</param>
/// <param name="Open">How many open records old enough were read (orphans or not).</param>
internal sealed record OrphanScan(IReadOnlyList<OrphanRecord> Records, TimeSpan OlderThan, int Open);

/// <summary>
/// Open "User Account Creation" and "User Account Password Reset" records no run will finish: a page opens one Scheduled
/// record per contact before its CMS calls and its write-back completes it; a run killed in between leaves it open, and
/// the next run that reaches the contact closes it. A contact no trigger holds any more (taken out of its group or tag
/// by hand, trashed, deleted, merged) is never reached again, so its record would stay Scheduled for ever.
/// <see cref="FindAsync"/> lists them with a few requests (the records 500 a request, each trigger asked for 500 contacts a
/// request); <see cref="CloseAsync"/> marks them Cancelled, 500 a request, only while they are still Scheduled.
/// </summary>
internal static class OrphanRecords
{
    /// <summary>The age an open record needs before it is looked at, unless <c>--older-than</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultOlderThan = TimeSpan.FromDays(1);

    /// <summary>The least <c>--older-than</c>: a younger record may belong to a page a run is working on right now.</summary>
    public static readonly TimeSpan MinimumOlderThan = TimeSpan.FromMinutes(5);

    /// <summary>The most <c>--older-than</c> (ten years).</summary>
    public static readonly TimeSpan MaximumOlderThan = TimeSpan.FromDays(3650);

    /// <summary>Rows a read asks for at a time, and records one close writes.</summary>
    internal const int PageSize = 500;

    /// <summary>The status a closed orphan gets: CiviCRM core's reserved "Cancelled" (closed, not completed), which counts as no attempt.</summary>
    internal const string ClosedStatus = "Cancelled";

    private const string Scheduled = "Scheduled";

    private const string SiteFormat = "yyyy-MM-dd HH:mm:ss";

    /// <summary>The details a closed creation record gets (replacing "In progress…").</summary>
    internal const string ClosedCreationNote =
        "Closed by 'cmsuser failures --close-orphans': this attempt never finished (its run stopped) and the contact is in no trigger any more (taken out of its group or tag, trashed, deleted or merged), so no run would finish it. " +
        "It counts as no attempt. The create may have been carried out: if the contact is put back in a trigger, the next run finds an account with its email and links it.";

    /// <summary>The details a closed password reset record gets (replacing "In progress…").</summary>
    internal const string ClosedResetNote =
        "Closed by 'cmsuser failures --close-orphans': this reset never finished (its run stopped; the email may have been sent) and the contact is in no reset campaign's group or tag any more (taken out, trashed, deleted or merged), so no run would finish it. " +
        "It counts as no attempt.";

    private static readonly string[] Types = [CiviCrmActivityTypes.AccountCreation, CiviCrmActivityTypes.PasswordReset];

    /// <summary>
    /// The open records opened longer ago than <paramref name="olderThan"/> whose contacts wait in no trigger of the
    /// record's kind: a creation record in no rule's trigger, a reset record in no reset campaign's. A record of a contact
    /// still waiting is the next run's to finish, and is never listed.
    /// </summary>
    public static async Task<OrphanScan> FindAsync(IServiceProvider services, IReadOnlyList<ProvisioningRule> rules, IReadOnlyList<PasswordResetCampaign> campaigns, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var client = services.GetRequiredService<CiviCrmApiClient>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();

        // CiviCRM stores activity dates as the site's wall-clock time: the age is compared in its zone, or not at all (a wrong
        // zone could take a record opened minutes ago, by a run still working on its page, for one hours old).
        var zone = await client.GetSiteTimeZoneAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new CliException("CiviCRM's time zone could not be read, so the age of its open records is not known and none was looked at. Run again later, or set CmsUser:CiviCrm:TimeZone.", ExitCodes.Stopped);
        var before = ToSite(now - olderThan, zone);

        // Both reads at once: records with their target (one row per target), and records whose target was deleted for good.
        var targeted = ReadAsync(client, "ActivityContact", TargetedQuery(before), cancellationToken);
        var untargeted = ReadAsync(client, "Activity", UntargetedQuery(before), cancellationToken);
        await Task.WhenAll(targeted, untargeted).ConfigureAwait(false);

        var open = new Dictionary<long, OpenRecord>();
        foreach (var row in targeted.Result)
        {
            if (row.GetInt64("act.id") is not long id || KindOf(row.GetString("act.activity_type_id:name")) is not { } kind)
            {
                continue;
            }

            if (!open.TryGetValue(id, out var record))
            {
                record = open[id] = new OpenRecord(id, kind, FromSite(row.GetString("act.activity_date_time"), zone));
            }

            if (row.GetInt64("contact_id") is long contact)
            {
                record.Targets.Add(new Target(contact, Name(row.GetString("contact.display_name")), row.GetFlag("contact.is_deleted")));
            }
        }

        var orphans = new List<OrphanRecord>();
        var read = open.Count;
        foreach (var row in untargeted.Result)
        {
            if (row.GetInt64("id") is long id && !open.ContainsKey(id) && KindOf(row.GetString("activity_type_id:name")) is { } kind)
            {
                orphans.Add(new OrphanRecord(id, kind, row.GetInt64("source_record_id"), null, OrphanContact.Deleted, FromSite(row.GetString("activity_date_time"), zone)));
                read++;
            }
        }

        // Which contacts still wait: each creation trigger for the creation records' contacts, each campaign's for the reset
        // records', every source asked only for the contacts no source before it holds, 500 contacts a request.
        var triggers = services.GetRequiredService<ITriggerSourceFactory>();
        var creation = rules.Where(r => r.Trigger is not null).Select(r => triggers.Create(new TriggerSourceContext
        {
            Trigger = r.Trigger!,
            History = r.History,
            Purpose = ActivityKind.AccountCreation,
            KeepMembers = r.Deprovision?.When == DeprovisionWhen.LeftTrigger,
        })).ToList();
        var resets = campaigns.Where(c => c.Trigger is not null).Select(c => triggers.Create(new TriggerSourceContext
        {
            Trigger = c.Trigger!,
            Purpose = ActivityKind.PasswordReset,
        })).ToList();
        var waiting = new Dictionary<ActivityKind, HashSet<long>>
        {
            [ActivityKind.AccountCreation] = await WaitingAsync(creation, Contacts(open.Values, ActivityKind.AccountCreation), cancellationToken).ConfigureAwait(false),
            [ActivityKind.PasswordReset] = await WaitingAsync(resets, Contacts(open.Values, ActivityKind.PasswordReset), cancellationToken).ConfigureAwait(false),
        };

        foreach (var record in open.Values)
        {
            // A record is the next run's when any of its targets waits (the SDK's records have one; a merge may leave two).
            if (record.Targets.Any(t => !t.InTrash && waiting[record.Kind].Contains(t.ContactId)))
            {
                continue;
            }

            var target = record.Targets.FirstOrDefault(t => !t.InTrash) ?? record.Targets.FirstOrDefault();
            orphans.Add(target is null
                ? new OrphanRecord(record.Id, record.Kind, null, null, OrphanContact.Deleted, record.OpenedAt)
                : new OrphanRecord(record.Id, record.Kind, target.ContactId, target.Name, target.InTrash ? OrphanContact.InTrash : OrphanContact.NotWaiting, record.OpenedAt));
        }

        var sorted = orphans.OrderBy(o => o.OpenedAt ?? DateTimeOffset.MinValue).ThenBy(o => o.ActivityId).ToList();
        return new OrphanScan(sorted, olderThan, read);
    }

    /// <summary>
    /// Marks <paramref name="orphans"/> Cancelled with a note saying why, <see cref="PageSize"/> records a request, each
    /// only while still Scheduled (a run that reached the contact meanwhile keeps what it wrote). Returns how many it closed.
    /// </summary>
    public static async Task<int> CloseAsync(IServiceProvider services, IReadOnlyList<OrphanRecord> orphans, CancellationToken cancellationToken)
    {
        var client = services.GetRequiredService<CiviCrmApiClient>();
        var closed = 0;
        foreach (var kind in orphans.Select(o => o.Kind).Distinct())
        {
            foreach (var page in orphans.Where(o => o.Kind == kind).Select(o => o.ActivityId).Distinct().Chunk(PageSize))
            {
                var result = await client.CallAsync("Activity", "update", CloseQuery(page, kind), cancellationToken).ConfigureAwait(false);
                closed += result.Values.Count;
            }
        }

        return closed;
    }

    /// <summary>
    /// The open records' targets (<c>ActivityContact</c>, one row per target) opened before <paramref name="before"/> (site
    /// time), with the contact's display name and whether it is in the trash.
    /// </summary>
    internal static Api4Params TargetedQuery(string before)
    {
        var query = new Api4Params()
            .WithSelect("contact_id", "act.id", "act.activity_type_id:name", "act.activity_date_time", "contact.display_name", "contact.is_deleted")
            .WithWhere(
                Api4Condition.Eq("record_type_id:name", "Activity Targets"),
                Api4Condition.In("act.activity_type_id:name", Types),
                Api4Condition.Eq("act.status_id:name", Scheduled),
                Api4Condition.Eq("act.is_deleted", false),
                Api4Condition.Field("act.activity_date_time", "<", before));
        query.Join.Add(new Api4Join("Activity", "act", Api4JoinSide.Inner, [Api4Condition.Field("act.id", "=", "activity_id")]));
        query.Join.Add(new Api4Join("Contact", "contact", Api4JoinSide.Left, [Api4Condition.Field("contact.id", "=", "contact_id")]));
        return query;
    }

    /// <summary>
    /// The open records opened before <paramref name="before"/> (site time) that have no target: their contact was deleted
    /// for good (CiviCRM removes its activity contacts and keeps the activity, whose source is the API user).
    /// </summary>
    internal static Api4Params UntargetedQuery(string before)
    {
        var query = new Api4Params()
            .WithSelect("id", "activity_type_id:name", "activity_date_time", "source_record_id")
            .WithWhere(
                Api4Condition.In("activity_type_id:name", Types),
                Api4Condition.Eq("status_id:name", Scheduled),
                Api4Condition.Eq("is_deleted", false),
                Api4Condition.Field("activity_date_time", "<", before));
        query.Join.Add(new Api4Join("ActivityContact", "tgt", Api4JoinSide.Exclude,
        [
            Api4Condition.Field("tgt.activity_id", "=", "id"),
            Api4Condition.Field("tgt.record_type_id:name", "=", "'Activity Targets'"),
        ]));
        return query;
    }

    /// <summary>
    /// One <c>Activity.update</c> closing the records <paramref name="ids"/> of <paramref name="kind"/>: Cancelled with the
    /// kind's note, only those still Scheduled.
    /// </summary>
    internal static Api4Params CloseQuery(IReadOnlyCollection<long> ids, ActivityKind kind)
    {
        var query = new Api4Params().WithWhere(
            Api4Condition.In("id", ids),
            Api4Condition.Eq("activity_type_id:name", kind == ActivityKind.PasswordReset ? CiviCrmActivityTypes.PasswordReset : CiviCrmActivityTypes.AccountCreation),
            Api4Condition.Eq("status_id:name", Scheduled));
        query.Values["status_id:name"] = ClosedStatus;
        query.Values["details"] = kind == ActivityKind.PasswordReset ? ClosedResetNote : ClosedCreationNote;
        return query;
    }

    /// <summary>Every row of a keyset-paged read.</summary>
    private static async Task<List<JsonElement>> ReadAsync(CiviCrmApiClient client, string entity, Api4Params query, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        await foreach (var page in client.StreamPagesAsync(entity, query, PageSize, cancellationToken).ConfigureAwait(false))
        {
            rows.AddRange(page);
        }

        return rows;
    }

    /// <summary>The contacts among <paramref name="contacts"/> that wait in one of <paramref name="sources"/>.</summary>
    private static async Task<HashSet<long>> WaitingAsync(IReadOnlyList<ITriggerSource> sources, IReadOnlyCollection<long> contacts, CancellationToken cancellationToken)
    {
        var waiting = new HashSet<long>();
        foreach (var source in sources)
        {
            var unplaced = contacts.Where(id => !waiting.Contains(id)).ToArray();
            if (unplaced.Length == 0)
            {
                break;
            }

            foreach (var pending in await source.FindPendingAmongAsync(unplaced, cancellationToken).ConfigureAwait(false))
            {
                waiting.Add(pending.Id);
            }
        }

        return waiting;
    }

    /// <summary>The contacts (not in the trash: no trigger holds those) of the open records of <paramref name="kind"/>.</summary>
    private static long[] Contacts(IEnumerable<OpenRecord> records, ActivityKind kind) =>
        records.Where(r => r.Kind == kind).SelectMany(r => r.Targets).Where(t => !t.InTrash).Select(t => t.ContactId).Distinct().ToArray();

    private static ActivityKind? KindOf(string? type) => type switch
    {
        CiviCrmActivityTypes.AccountCreation => ActivityKind.AccountCreation,
        CiviCrmActivityTypes.PasswordReset => ActivityKind.PasswordReset,
        _ => null,
    };

    private static string? Name(string? name) => string.IsNullOrWhiteSpace(name) ? null : name;

    /// <summary>An instant as the site's wall-clock time, as API v4 compares <c>activity_date_time</c>.</summary>
    internal static string ToSite(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString(SiteFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// A site wall-clock time as an instant, or <see langword="null"/> when it is not one. A time the clocks skipped (a
    /// DST gap) is read an hour later; a time they went through twice, as the zone's standard time.
    /// </summary>
    internal static DateTimeOffset? FromSite(string? text, TimeZoneInfo zone)
    {
        if (string.IsNullOrWhiteSpace(text)
            || !DateTime.TryParseExact(text.Trim(), [SiteFormat, "yyyyMMddHHmmss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            || local.Year is < 2 or > 9998)
        {
            return null;
        }

        var wall = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        for (var step = 0; zone.IsInvalidTime(wall) && step < 16; step++)
        {
            wall = wall.AddMinutes(15);
        }

        return zone.IsInvalidTime(wall) ? null : new DateTimeOffset(wall, zone.GetUtcOffset(wall)).ToUniversalTime();
    }

    /// <summary>One open record of the targeted read, with its targets.</summary>
    private sealed record OpenRecord(long Id, ActivityKind Kind, DateTimeOffset? OpenedAt)
    {
        public List<Target> Targets { get; } = [];
    }

    /// <summary>A target of an open record.</summary>
    private sealed record Target(long ContactId, string? Name, bool InTrash);
}
