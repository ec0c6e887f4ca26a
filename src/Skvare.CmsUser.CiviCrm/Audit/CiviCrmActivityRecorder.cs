using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Audit;

/// <summary>
/// Writes the <see cref="CiviCrmActivityTypes"/> activities in bulk and counts failed attempts per contact in one
/// call. Ensures the activity types and the "Failed" status exist. Internal: the engine reaches it through
/// <see cref="IActivityRecorder"/>; the container constructs it.
/// </summary>
internal sealed class CiviCrmActivityRecorder : IActivityRecorder
{
    private static readonly string[] AuditStatuses = ["Completed", "Scheduled"];

    private readonly CiviCrmApiClient _client;
    private readonly ILogger _logger;

    /// <summary>The client this recorder writes through (a trigger source prepares its pages only for the same site).</summary>
    internal CiviCrmApiClient Client => _client;

    /// <summary>Creates the recorder.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="logger">The logger.</param>
    /// <remarks>The site's time zone comes from the client (its <see cref="CiviCrmOptions.TimeZone"/>, else read from CiviCRM).</remarks>
    public CiviCrmActivityRecorder(CiviCrmApiClient client, ILogger<CiviCrmActivityRecorder>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request beside the identity read, which reads the activity types and the Failed status and writes only what is
    /// missing or switched off: a set-up site costs no write (an <c>OptionValue.save</c> also clears CiviCRM's caches), and
    /// an API user without "administer CiviCRM" works once they exist. A new site's types are written in the same round
    /// trip, so the set-up is one round trip there too. See <see cref="EnsureQuery"/>.
    /// </remarks>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        var identity = _client.GetIdentityAsync(cancellationToken);
        var ensure = Api4Carrier.SendAsync(_client, EnsureCalls(), cancellationToken);

        // The site's time zone (read once per process, needed by the first count and record) is read alongside, not after:
        // not awaited here, its failure is reported by the call that needs it.
        _ = _client.GetSiteTimeAsync(CancellationToken.None).ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        // The identity first: an API key that did not authenticate is reported as such, not as a carrier that found no row.
        await Task.WhenAll(identity, ensure).ConfigureAwait(false);
        var written = Wanted.Where((_, i) => ensure.Result[EnsureKey(i)].Length > 0).Select(w => w.Name).ToArray();
        if (written.Length > 0)
        {
            Log.OptionValuesEnsured(_logger, string.Join(", ", written));
        }

        // The values each written status has now (read after the writes, in the same request): every save's answer is
        // checked against them (ActivityStatusGuard). Scheduled and Completed are CiviCRM's own and never created here.
        var missing = _client.ActivityStatuses.Learn(ensure.Result.TryGetValue(ActivityStatusGuard.StatusesKey, out var statuses) ? statuses : []);
        if (missing.Length > 0)
        {
            Log.ActivityStatusBroken(_logger, ActivityStatusGuard.Describe(missing));
            throw new CiviCrmApiException(FailureKind.Configuration, ActivityStatusGuard.Describe(missing), "OptionValue", "get");
        }
    }

    /// <summary>The activity types and the status the SDK records with, each with its option group.</summary>
    private static readonly (string Group, string Name)[] Wanted =
    [
        ("activity_type", CiviCrmActivityTypes.AccountCreation), ("activity_type", CiviCrmActivityTypes.PasswordReset), ("activity_type", CiviCrmActivityTypes.AccountBlocked),
        ("activity_type", CiviCrmActivityTypes.RolesRemoved), ("activity_type", CiviCrmActivityTypes.AccessRestored), ("activity_status", CiviCrmActivityTypes.FailedStatus),
    ];

    private static string EnsureKey(int index) => "ensure" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The calls of <see cref="EnsureReadyAsync"/> (chained onto the API user's own contact), one per wanted option, then the
    /// read of the values of the statuses the SDK writes (<see cref="ActivityStatusGuard.StatusesCall"/>).
    /// </summary>
    internal static IReadOnlyList<(string Key, Api4Chain Call)> EnsureCalls() =>
        [.. Wanted.Select((w, i) => (EnsureKey(i), new Api4Chain("OptionGroup", "get", EnsureQuery(w.Group, w.Name)))), (ActivityStatusGuard.StatusesKey, ActivityStatusGuard.StatusesCall())];

    /// <summary>
    /// A conditional write in one call: the option group's row comes back only when it has no active option of that name
    /// (for a status, also closed: <c>filter</c> 1), through an EXCLUDE join, and the <c>OptionValue.save</c> chained onto
    /// it runs once per row, so only then (checked against CiviCRM 6.17.2: nothing written when the option exists, a
    /// missing one created, a switched-off one switched on again). The record names its group by name, not by
    /// <c>$id</c>: in a chain nested in another chain, CiviCRM replaces <c>$id</c> with the outer row's id first
    /// (seen on 6.17.2: the status was written into the activity-type group).
    /// </summary>
    internal static Api4Params EnsureQuery(string group, string name)
    {
        var absent = new List<Api4Condition>
        {
            Api4Condition.Field("ov.option_group_id", "=", "id"),
            Api4Condition.Field("ov.name", "=", "'" + name + "'"),
            Api4Condition.Field("ov.is_active", "=", true),
        };
        var record = new Dictionary<string, object?>
        {
            ["option_group_id:name"] = group,
            ["name"] = name,
            ["label"] = name,
            ["is_active"] = true,
        };
        if (group == "activity_status")
        {
            // Activity statuses: filter 0 = open (Scheduled), 1 = closed (Completed, Cancelled). A failed attempt is closed.
            absent.Add(Api4Condition.Field("ov.filter", "=", 1));
            record["filter"] = 1;
        }

        var query = new Api4Params().WithSelect("id").WithWhere(Api4Condition.Eq("name", group));
        query.Join.Add(new Api4Join("OptionValue", "ov", Api4JoinSide.Exclude, [.. absent]));
        var save = new Api4Params { Match = { "option_group_id", "name" } };
        save.Records.Add(record);
        query.Chain["save"] = new Api4Chain("OptionValue", "save", save);
        return query;
    }

    /// <inheritdoc />
    public async Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await _client.ActivityStatuses.ThrowIfBrokenAsync(_client, _logger, cancellationToken).ConfigureAwait(false);
        var save = SaveQuery(entries);
        var result = await _client.CallAsync("Activity", "save", save, cancellationToken).ConfigureAwait(false);
        await _client.ActivityStatuses.VerifyAsync(_client, save.Records, result.Values, _logger, throwIfUnfixed: true, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return [];
        }

        await _client.ActivityStatuses.ThrowIfBrokenAsync(_client, _logger, cancellationToken).ConfigureAwait(false);
        var open = OpenQuery(entries);
        var result = await _client.CallAsync("Activity", "save", open, cancellationToken).ConfigureAwait(false);
        await _client.ActivityStatuses.VerifyAsync(_client, open.Records, result.Values, _logger, throwIfUnfixed: true, cancellationToken).ConfigureAwait(false);
        return OpenedIds(result.Values, entries.Count);
    }

    /// <summary>One <c>Activity.save</c> of the entries (an entry with an id updates that record).</summary>
    internal static Api4Params SaveQuery(IEnumerable<ActivityEntry> entries)
    {
        var save = new Api4Params();
        foreach (var entry in entries)
        {
            save.Records.Add(ToRecord(entry));
        }

        return save;
    }

    /// <summary>
    /// One <c>Activity.save</c> that opens a new record per entry (ids, if any, are ignored), each carrying
    /// <paramref name="mark"/> in <c>result</c> when given (<see cref="Marked"/>).
    /// </summary>
    internal static Api4Params OpenQuery(IEnumerable<ActivityEntry> entries, string? mark = null)
    {
        var save = SaveQuery(entries.Select(e => e with { Id = null }));
        if (mark is not null)
        {
            foreach (var record in save.Records)
            {
                record[Marked.Field] = mark;
            }
        }

        return save;
    }

    /// <summary>The ids of the records an open wrote, in order; null when the answer does not name one per entry.</summary>
    internal static IReadOnlyList<long>? OpenedIds(IEnumerable<JsonElement> rows, int expected)
    {
        var ids = rows.Select(r => r.GetInt64("id")).ToArray();
        return ids.Length == expected && ids.All(id => id is not null) ? ids.Select(id => id!.Value).ToArray() : null;
    }

    /// <inheritdoc />
    public async Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        // Only records still Scheduled: a record another worker completed meanwhile stays.
        await _client.CallAsync("Activity", "delete", DiscardQuery(ids), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var counts = new Dictionary<long, int>();
        if (requests.Count == 0)
        {
            return counts;
        }

        // One call per page whatever the contacts' "since" (join dates differ per contact): the failed records since
        // the earliest one, each with its date, counted per contact against that contact's own "since".
        // (API v4 dates have whole seconds: a record in the same second as "since" counts, as the server's >= did.)
        var siteTime = await _client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        var since = requests.GroupBy(r => r.ContactId).ToDictionary(g => g.Key, g => g.Min(r => r.Since));
        var query = FailedAttemptsQuery(since.Keys.ToArray(), kind, siteTime.ToSite(since.Values.Min()));
        var result = await _client.CallAsync("ActivityContact", "get", query, cancellationToken).ConfigureAwait(false);
        foreach (var row in result.Values)
        {
            if (row.GetInt64("contact_id") is long id && since.TryGetValue(id, out var from) && CountsSince(row, from, siteTime))
            {
                counts[id] = counts.GetValueOrDefault(id) + 1;
            }
        }

        return counts;
    }

    /// <summary>
    /// The failed records of <paramref name="kind"/> of the contacts (<paramref name="contactIds"/>: a list, or <c>$id</c> in
    /// a chain), each with its date, from <paramref name="sinceSite"/> (site time) on, or all of them when
    /// <see langword="null"/> (a chained read that learns the contact's "since" only from its own answer).
    /// </summary>
    internal static Api4Params FailedAttemptsQuery(object contactIds, ActivityKind kind, string? sinceSite)
    {
        var query = TargetRecordsQuery(contactIds, kind, Api4Condition.Eq("act.status_id:name", CiviCrmActivityTypes.FailedStatus), "act.activity_date_time");
        if (sinceSite is not null)
        {
            query.Where.Add(Api4Condition.Field("act.activity_date_time", ">=", sinceSite));
        }

        return query;
    }

    /// <summary>
    /// The not-deleted activities of <paramref name="kind"/> in <paramref name="status"/> whose target is one of the
    /// contacts (<paramref name="contactIds"/>: a list, or <c>$id</c> in a chain), one row per target with the contact id
    /// and <paramref name="select"/>.
    /// </summary>
    private static Api4Params TargetRecordsQuery(object contactIds, ActivityKind kind, Api4Condition? status, params string[] select)
    {
        var query = new Api4Params()
            .WithSelect(["contact_id", .. select])
            .WithWhere(
                contactIds is string placeholder ? Api4Condition.Eq("contact_id", placeholder) : Api4Condition.In("contact_id", ((IEnumerable<long>)contactIds).ToArray()),
                Api4Condition.Eq("record_type_id:name", "Activity Targets"),
                Api4Condition.Eq("act.activity_type_id:name", TypeName(kind)));
        if (status is not null)
        {
            query.Where.Add(status);
        }

        query.Where.Add(Api4Condition.Eq("act.is_deleted", false));
        query.Join.Add(new Api4Join("Activity", "act", Api4JoinSide.Inner, [Api4Condition.Field("act.id", "=", "activity_id")]));
        return query;
    }

    /// <summary>
    /// Whether a row of <see cref="FailedAttemptsQuery"/> counts from <paramref name="since"/>. API v4 dates have whole
    /// seconds: a record in the same second as "since" counts, as the server's <c>&gt;=</c> did.
    /// </summary>
    internal static bool CountsSince(System.Text.Json.JsonElement row, DateTimeOffset since, SiteTime siteTime) =>
        siteTime.FromSite(row.GetString("act.activity_date_time")) is { } at && at >= since.AddTicks(-(since.Ticks % TimeSpan.TicksPerSecond));

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        if (contactIds.Count == 0)
        {
            return [];
        }

        var result = await _client.CallAsync("ActivityContact", "get", AuditQuery(contactIds, kind), cancellationToken).ConfigureAwait(false);
        return await ToAuditRecordsAsync(_client, result.Values, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The read of <see cref="FindAuditsAsync"/>: the contacts' Completed and Scheduled records of a kind (on
    /// <c>ActivityContact</c>; <paramref name="contactIds"/>: the ids, or <c>$id</c> in a chain).
    /// </summary>
    internal static Api4Params AuditQuery(object contactIds, ActivityKind kind)
    {
        var query = TargetRecordsQuery(contactIds, kind, Api4Condition.In("act.status_id:name", AuditStatuses), "act.id", "act.subject", "act.status_id:name", "act.activity_date_time");
        query.Limit = 0;
        return query;
    }

    /// <summary>
    /// The contacts' Scheduled records of a kind that carry <paramref name="marker"/> (<see cref="Marked"/>): those a refused
    /// open kept (<c>contact_id</c>, <c>act.id</c>).
    /// </summary>
    internal static Api4Params MarkedOpenQuery(IReadOnlyCollection<long> contactIds, ActivityKind kind, string marker)
    {
        var query = TargetRecordsQuery(contactIds, kind, Api4Condition.Eq("act.status_id:name", "Scheduled"), "act.id");
        query.Where.Add(Api4Condition.Eq("act." + Marked.Field, marker));
        query.Limit = 0;
        return query;
    }

    /// <summary>
    /// Rows of <see cref="AuditQuery"/> as audit records, each dated with the site's zone (<paramref name="siteTime"/>; no date
    /// without it or with a stand-in zone, since a wrong zone could date a record hours off). A wall-clock time the site's
    /// clocks went through twice (clocks going back) is read as its later instant: the date proves an account created at or
    /// after it the SDK's, so of two candidates the one that proves less is taken.
    /// </summary>
    internal static AuditRecord[] ToAuditRecords(IEnumerable<System.Text.Json.JsonElement> rows, SiteTime? siteTime) =>
        rows.Where(r => r.GetInt64("contact_id") is not null && r.GetInt64("act.id") is not null)
            .Select(r => new AuditRecord(
                r.GetInt64("act.id")!.Value,
                r.GetInt64("contact_id")!.Value,
                r.GetString("act.status_id:name") == "Scheduled" ? ActivityOutcomeStatus.Scheduled : ActivityOutcomeStatus.Completed,
                r.GetString("act.subject") ?? "")
            {
                OccurredAt = siteTime is { Provisional: false } ? siteTime.FromSite(r.GetString("act.activity_date_time"), latest: true) : null,
            })
            .ToArray();

    /// <summary>
    /// <see cref="ToAuditRecords(IEnumerable{JsonElement}, SiteTime?)"/> with the client's site time, read only when a
    /// Scheduled record is among the rows (only those dates are used; the zone is cached once read). A failure to learn the
    /// zone leaves the records undated rather than failing the read.
    /// </summary>
    internal static async Task<AuditRecord[]> ToAuditRecordsAsync(CiviCrmApiClient client, IReadOnlyCollection<JsonElement> rows, CancellationToken cancellationToken)
    {
        SiteTime? siteTime = null;
        if (rows.Any(r => r.GetString("act.status_id:name") == "Scheduled"))
        {
            try
            {
                siteTime = await client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException)
            {
                siteTime = null;
            }
        }

        return ToAuditRecords(rows, siteTime);
    }

    /// <inheritdoc />
    /// <remarks>One <c>ActivityContact.get</c> (<see cref="LatestRecordQuery"/>); the on-demand read chains the same query onto its contact read.</remarks>
    public async Task<ActivityEntry?> FindLatestRecordAsync(long contactId, ActivityKind kind, CancellationToken cancellationToken = default)
    {
        var result = await _client.CallAsync("ActivityContact", "get", LatestRecordQuery(new[] { contactId }, kind), cancellationToken).ConfigureAwait(false);
        var siteTime = await _client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        return result.Values.Count > 0 ? ToLatestRecord(result.Values[0], kind, siteTime) : null;
    }

    /// <summary>
    /// The read of <see cref="FindLatestRecordAsync"/>: the contact's latest not-deleted record of a kind, whatever its status
    /// (<c>activity_date_time</c> descending, then the activity id descending: two records written in one second come in the
    /// order they were written), one row with its id, status, subject, details and date (<paramref name="contactIds"/>: the
    /// one contact's id in a list, or <c>$id</c> in a chain). Checked against CiviCRM 6.17.2: details come back as written
    /// (markup, emoji, CJK and right-to-left text, white space at either end).
    /// </summary>
    internal static Api4Params LatestRecordQuery(object contactIds, ActivityKind kind)
    {
        var query = TargetRecordsQuery(contactIds, kind, null, "act.id", "act.status_id:name", "act.subject", "act.details", "act.activity_date_time");
        query.OrderBy.Add(new("act.activity_date_time", "DESC"));
        query.OrderBy.Add(new("act.id", "DESC"));
        query.Limit = 1;
        return query;
    }

    /// <summary>
    /// A row of <see cref="LatestRecordQuery"/> as the record, or <see langword="null"/> when the row is not one: no contact
    /// or activity id, a status the SDK does not write (a record Cancelled by <c>cmsuser failures --close-orphans</c>), or no
    /// date. The engine then provisions the contact as usual.
    /// </summary>
    internal static ActivityEntry? ToLatestRecord(JsonElement row, ActivityKind kind, SiteTime siteTime)
    {
        if (row.ValueKind != JsonValueKind.Object || row.GetInt64("contact_id") is not long contactId || row.GetInt64("act.id") is not long id
            || siteTime.FromSite(row.GetString("act.activity_date_time")) is not { } at)
        {
            return null;
        }

        ActivityOutcomeStatus? status = row.GetString("act.status_id:name") switch
        {
            "Completed" => ActivityOutcomeStatus.Completed,
            "Scheduled" => ActivityOutcomeStatus.Scheduled,
            CiviCrmActivityTypes.FailedStatus => ActivityOutcomeStatus.Failed,
            _ => null,
        };
        return status is { } known
            ? new ActivityEntry(contactId, kind, known, row.GetString("act.subject") ?? "", row.GetString("act.details"), at) { Id = id }
            : null;
    }

    /// <summary>The parameters of <see cref="DiscardAsync"/>: the records, only while still Scheduled.</summary>
    internal static Api4Params DiscardQuery(IReadOnlyCollection<long> ids) =>
        new Api4Params().WithWhere(Api4Condition.In("id", ids), Api4Condition.Eq("status_id:name", "Scheduled"));

    /// <summary>The <c>Activity.save</c> record of an entry: an update of its open record (by id), or a new record.</summary>
    internal static Dictionary<string, object?> ToRecord(ActivityEntry entry)
    {
        var record = new Dictionary<string, object?>
        {
            ["activity_type_id:name"] = TypeName(entry.Kind),
            ["status_id:name"] = entry.Status switch
            {
                ActivityOutcomeStatus.Completed => "Completed",
                ActivityOutcomeStatus.Scheduled => "Scheduled",
                _ => CiviCrmActivityTypes.FailedStatus,
            },
            ["subject"] = entry.Subject,
            ["details"] = entry.Details ?? "",
        };
        if (entry.Id is long id)
        {
            // Completes the Scheduled record written before the attempt; its contacts stay as they are, its mark goes.
            record["id"] = id;
            record[Marked.Field] = null;
        }
        else
        {
            record["source_contact_id"] = "user_contact_id";
            record["target_contact_id"] = new[] { entry.ContactId };
            record["source_record_id"] = entry.ContactId;
        }

        return record;
    }

    internal static string TypeName(ActivityKind kind) => kind switch
    {
        ActivityKind.PasswordReset => CiviCrmActivityTypes.PasswordReset,
        ActivityKind.AccountBlocked => CiviCrmActivityTypes.AccountBlocked,
        ActivityKind.RolesRemoved => CiviCrmActivityTypes.RolesRemoved,
        ActivityKind.AccessRestored => CiviCrmActivityTypes.AccessRestored,
        _ => CiviCrmActivityTypes.AccountCreation,
    };
}
