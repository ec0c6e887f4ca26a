using System.Runtime.CompilerServices;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// One trigger in CiviCRM. Groups (static and smart) are read with <c>groups IN</c> and an EXCLUDE join on
/// <c>Removed</c> rows (the smart-group cache may still list a removed contact); tags with <c>tags IN</c>;
/// saved searches by running their <c>api_params</c> on Contact, minus contacts already linked here.
/// </summary>
internal sealed class CiviCrmTriggerSource : ITriggerSource, IPreparingTriggerSource
{
    private readonly CiviCrmApiClient _client;
    private readonly ContactReader _reader;
    private readonly ReferenceResolver _resolver;
    private readonly TriggerSourceContext _context;

    /// <summary>The extra fields this source reads with its contacts.</summary>
    private readonly IReadOnlyCollection<string> _fields;

    public CiviCrmTriggerSource(CiviCrmApiClient client, ContactReader reader, ReferenceResolver resolver, TriggerSourceContext context)
    {
        _client = client;
        _reader = reader;
        _resolver = resolver;
        _context = context;

        // Only account creation makes usernames and CMS fields: the other passes (deprovisioning, reset campaigns) need no
        // website, and send no Website.get for one.
        _fields = context.Purpose == ActivityKind.AccountCreation || !WebsiteTokens.Needed(context.ExtraFields)
            ? context.ExtraFields
            : context.ExtraFields.Where(f => f != WebsiteTokens.Path).ToArray();
    }

    public TriggerDefinition Trigger => _context.Trigger;

    /// <summary>The client this source writes through (a page write-back chains its changes only onto the same site).</summary>
    internal CiviCrmApiClient Client => _client;

    public async IAsyncEnumerable<IReadOnlyList<Contact>> ReadPendingAsync(int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = await PendingQueryAsync(cancellationToken).ConfigureAwait(false);
        await EnsureHistoryAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var rows in _client.StreamPagesAsync("Contact", query, pageSize, cancellationToken).ConfigureAwait(false))
        {
            // The join dates and the links in other domains need only the rows' ids: both reads go out together.
            var joinDates = ReadJoinDatesAsync(rows, cancellationToken);
            IReadOnlyList<Contact> contacts;
            try
            {
                contacts = await _reader.ToContactsAsync(rows, _fields, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await Task.WhenAny(joinDates).ConfigureAwait(false);
                _ = joinDates.Exception;
                throw;
            }

            var joined = await joinDates.ConfigureAwait(false);
            yield return joined.Count == 0 ? contacts : contacts.Select(c => joined.TryGetValue(c.Id, out var at) ? c with { TriggeredAt = at } : c).ToArray();
        }
    }

    /// <inheritdoc />
    public bool CanPrepareFor(IActivityRecorder recorder) => recorder is CiviCrmActivityRecorder civi && ReferenceEquals(civi.Client, _client);

    /// <remarks>
    /// Two requests a page: the page's <c>Contact.get</c>, then one request with every follow-up chained onto a one-row
    /// read of the API user's own contact (<see cref="Api4Carrier"/>, in this order): the links in other domains
    /// (<c>UFMatch.get</c>), the join dates for a group trigger (<c>SubscriptionHistory.get</c>), the failed attempts with
    /// their dates (<c>ActivityContact.get</c>, counted here against each contact's own "since"), the Scheduled records
    /// (<c>Activity.save</c>) and then the page's audit records (<c>ActivityContact.get</c>, which sees them).
    /// <para>
    /// A read that starts while the trigger is not resolved yet (a cold process: the engine's set-up is in flight) sends its
    /// first page chained onto the trigger's own look-up (<see cref="ReadFirstPageEarlyAsync"/>), so it goes with the set-up
    /// instead of after it; the page is used once the set-up confirms the trigger it found.
    /// </para>
    /// </remarks>
    public async IAsyncEnumerable<PreparedContactPage> ReadPreparedAsync(int pageSize, PagePreparation preparation, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preparation);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var lastId = 0L;
        var readsEarly = ReadsFirstPageEarly;
        if (readsEarly)
        {
            var first = await ReadFirstPageEarlyAsync(pageSize, cancellationToken).ConfigureAwait(false);

            // Used only once the set-up is done and resolved the trigger to the row the page was read for.
            await preparation.Ready(cancellationToken).ConfigureAwait(false);
            await EnsureHistoryAsync(cancellationToken).ConfigureAwait(false);
            if (first is { } early && await ResolvesAsAsync(early, cancellationToken).ConfigureAwait(false))
            {
                if (early.Rows.Count == 0)
                {
                    yield break;
                }

                yield return await PrepareAsync(early.Rows, preparation, cancellationToken).ConfigureAwait(false);
                if (early.Rows.Count < pageSize)
                {
                    yield break;
                }

                lastId = CiviCrmApiClient.LastId("Contact", early.Rows);
            }

            // Otherwise (the look-up matched no row or another one than the set-up's): read from the start, by id.
        }

        var query = await PendingQueryAsync(cancellationToken).ConfigureAwait(false);
        if (!readsEarly)
        {
            // (The early read checked it once the set-up was done.)
            await EnsureHistoryAsync(cancellationToken).ConfigureAwait(false);
        }

        await foreach (var rows in _client.StreamPagesAfterAsync("Contact", query, pageSize, lastId, cancellationToken).ConfigureAwait(false))
        {
            yield return await PrepareAsync(rows, preparation, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resolves the rule's history group or tag before the first contact is handed out, so a misspelled or deleted one
    /// stops the run (a configuration error) before any account is created, instead of at the first write-back. The
    /// engine's set-up resolves it with the triggers, so this sends no request unless it did not resolve.
    /// </summary>
    private async Task EnsureHistoryAsync(CancellationToken cancellationToken)
    {
        if (_context.History is { } history && !_context.KeepMembers)
        {
            await _resolver.IdAsync(history, cancellationToken).ConfigureAwait(false);
        }
    }

    private const string FirstPageChain = "page";

    /// <summary>
    /// The groups and tags besides the trigger that the pending read names by id: an access rule's history target (its
    /// members are not pending), a deprovisioning pass's revoked set or the trigger its contacts left.
    /// </summary>
    private IEnumerable<TriggerDefinition> OtherSets()
    {
        if (_context.KeepMembers && _context.History is { } history)
        {
            yield return history;
        }

        if (_context.RequireIn is { } requireIn)
        {
            yield return requireIn;
        }

        if (_context.RequireNotIn is { } requireNotIn)
        {
            yield return requireNotIn;
        }
    }

    /// <summary>The alias of the <paramref name="index"/>th other set's join in the early look-up (its id is <c>"$setN.id"</c> in the page).</summary>
    private static string SetAlias(int index) => "set" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether the first page is read with the trigger's look-up (a group, tag or saved search), when it or a group or tag
    /// the read needs besides it (<see cref="OtherSets"/>, joined onto the look-up) is not resolved yet (or the set-up is
    /// refreshing its resolution). A read that needs a saved search besides the trigger (a revoked set that is one) waits
    /// for the set-up's resolution, as before.
    /// </summary>
    private bool ReadsFirstPageEarly
    {
        get
        {
            var sets = OtherSets().ToArray();
            return sets.Select((set, i) => ReferenceResolver.LookupJoin(set, SetAlias(i))).All(join => join is not null)
                && (!_resolver.IsSettled(Trigger) || sets.Any(set => !_resolver.IsSettled(set)));
        }
    }

    /// <summary>
    /// Whether the set-up resolved the trigger and every other set to the rows the early page was read for (the guard that
    /// lets the page be used). Waits for the resolution; a reference it could not resolve fails here as in any read.
    /// </summary>
    private async Task<bool> ResolvesAsAsync(EarlyPage early, CancellationToken cancellationToken)
    {
        var resolved = await _resolver.RowAsync(Trigger, cancellationToken).ConfigureAwait(false);
        if (early.TriggerId != resolved.GetInt64("id"))
        {
            return false;
        }

        if (Trigger.Kind == TriggerKind.SavedSearch && !SearchedAsResolved(early.Row, resolved))
        {
            return false;
        }

        var sets = OtherSets().ToArray();
        for (var i = 0; i < sets.Length; i++)
        {
            if (early.SetIds[i] != await _resolver.IdAsync(sets[i], cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first page read with the trigger's look-up, the look-up's row, and the ids of the rows it was read for.</summary>
    private sealed record EarlyPage(long TriggerId, long?[] SetIds, JsonElement Row, IReadOnlyList<JsonElement> Rows);

    /// <summary>
    /// The early look-up's choice of the contact-type test for a saved search: none for a search on Contact (<c>IS NOT NULL</c>),
    /// <c>contact_type = api_entity</c> for one on Individual, Organization or Household (the page names it as
    /// <c>["contact_type", "$contact_type_op", "$api_entity"]</c>).
    /// </summary>
    private const string ContactTypeOpSelect = "IF((api_entity = \"Contact\"), \"IS NOT NULL\", \"=\") AS contact_type_op";

    /// <summary>
    /// Whether a page read early for a saved search searched what the set-up resolved: the same row (entity and
    /// <c>api_params</c>, as the look-up's row shows them), a search on contacts, with a list of conditions (the page took them
    /// as <c>"$api_params.where"</c>) and no joins of its own (the early page does not carry them).
    /// </summary>
    private static bool SearchedAsResolved(JsonElement early, JsonElement resolved)
    {
        var entity = early.GetString("api_entity");
        if (entity is not ("Contact" or "Individual" or "Organization" or "Household")
            || resolved.GetString("api_entity") != entity
            || !early.TryGetProperty("api_params", out var searched)
            || !resolved.TryGetProperty("api_params", out var apiParams)
            || !JsonElement.DeepEquals(searched, apiParams)
            || apiParams.ValueKind != JsonValueKind.Object
            || !apiParams.TryGetProperty("where", out var where)
            || where.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        return !apiParams.TryGetProperty("join", out var joins) || joins.ValueKind == JsonValueKind.Null || (joins.ValueKind == JsonValueKind.Array && joins.GetArrayLength() == 0);
    }

    /// <summary>
    /// One request that needs neither the trigger's id nor the domain's: the trigger's look-up (<see cref="ReferenceResolver.LookupQuery"/>,
    /// as the set-up sends it) with the first page's <c>Contact.get</c> chained onto its row, the trigger's id as <c>$id</c>
    /// and the link join on <see cref="ContactReader.CurrentDomain"/> (checked against CiviCRM 6.17.2: <c>$id</c> is replaced
    /// inside <c>where</c> values and join conditions). Returns the page and the id of the row it was read for, or
    /// <see langword="null"/> when the look-up did not find exactly one row (the set-up reports why).
    /// </summary>
    private async Task<EarlyPage?> ReadFirstPageEarlyAsync(int pageSize, CancellationToken cancellationToken)
    {
        var (entity, lookup) = ReferenceResolver.LookupQuery(Trigger);
        var sets = OtherSets().ToArray();
        var placeholders = new Dictionary<TriggerDefinition, object>();
        for (var i = 0; i < sets.Length; i++)
        {
            // Each other set joined onto the trigger's row (INNER: no row unless each matches; more than one if one is
            // ambiguous), its id selected and named in the page as "$setN.id", which CiviCRM takes from the row's own key.
            var alias = SetAlias(i);
            lookup.Join.Add(ReferenceResolver.LookupJoin(sets[i], alias)!);
            lookup.Select.Add(alias + ".id");
            placeholders.TryAdd(sets[i], "$" + alias + ".id");
        }

        if (Trigger.Kind == TriggerKind.SavedSearch)
        {
            lookup.Select.Add(ContactTypeOpSelect);
        }

        var page = await PendingQueryAsync(cancellationToken, "$id", ContactReader.CurrentDomain, placeholders).ConfigureAwait(false);
        lookup.Chain[FirstPageChain] = new Api4Chain("Contact", "get", CiviCrmApiClient.PageParams(page, 0, pageSize));
        Api4Result result;
        try
        {
            result = await _client.CallAsync(entity, "get", lookup, cancellationToken).ConfigureAwait(false);
        }
        catch (CiviCrmApiException) when (Trigger.Kind == TriggerKind.SavedSearch || sets.Length > 0)
        {
            // A saved search's own conditions the page could not run as they are (a search on another entity, conditions on
            // its joins), or a joined set the API user may not read (CiviCRM drops such a join, and "$setN.id" stays a
            // text): the read waits for the set-up's resolution, which reports what is wrong, and reads by id.
            return null;
        }

        if (result.Values.Count != 1
            || result.Values[0].GetInt64("id") is not long id
            || !result.Values[0].TryGetProperty(FirstPageChain, out var rows)
            || rows.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var row = result.Values[0];
        return new EarlyPage(id, sets.Select((_, i) => row.GetInt64(SetAlias(i) + ".id")).ToArray(), row, rows.EnumerateArray().ToArray());
    }

    private const string OtherLinksKey = "uf_other";
    private const string JoinedKey = "joined";
    private const string FailedKey = "failed";
    private const string OpenKey = "open";
    private const string AuditsKey = "audits";

    /// <summary>A page's follow-ups in one request (see <see cref="ReadPreparedAsync"/>).</summary>
    private async Task<PreparedContactPage> PrepareAsync(IReadOnlyList<JsonElement> rows, PagePreparation preparation, CancellationToken cancellationToken)
    {
        // The contacts as far as the page's own rows tell (names, this domain's link): enough to open their records.
        var bare = _reader.ToContacts(rows, _fields, ContactReader.NoLinks, websites: null);
        if (bare.Count == 0)
        {
            return new PreparedContactPage { Contacts = [], FailedAttempts = new Dictionary<long, int>() };
        }

        var ids = bare.Select(c => c.Id).ToArray();
        var calls = new List<(string Key, Api4Chain Call)>();
        if (_reader.ReadsOtherDomainLinks)
        {
            calls.Add((OtherLinksKey, new Api4Chain("UFMatch", "get", await _reader.OtherDomainLinksQueryAsync(ids, cancellationToken).ConfigureAwait(false))));
        }

        if (NeedsJoinDates)
        {
            var joins = await JoinDatesQueryAsync(ids, cancellationToken).ConfigureAwait(false);
            joins.Limit = ids.Length;
            calls.Add((JoinedKey, new Api4Chain("SubscriptionHistory", "get", joins)));
        }

        // The activities wait for the engine's set-up (the activity types may not exist yet on a new site).
        await preparation.Ready(cancellationToken).ConfigureAwait(false);

        // A status an earlier write found missing and could not set up again stops the run here, before any attempt
        // (nothing sent while the statuses are as set up).
        await _client.ActivityStatuses.ThrowIfBrokenAsync(_client, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cancellationToken).ConfigureAwait(false);

        // Every failed attempt of the page's contacts, with its date: each contact's "since" depends on its join date, which
        // comes in the same answer.
        calls.Add((FailedKey, new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.FailedAttemptsQuery(ids, preparation.Kind, sinceSite: null))));

        // Each record carries the page's mark while it is Scheduled, so a refused open can tell the records it kept.
        var mark = Marked.New();
        var open = preparation.Open is { } opener ? bare.Where(c => Opens(preparation.Kind, c)).Select(opener).ToArray() : [];
        var reads = calls.ToArray();
        if (open.Length > 0)
        {
            calls.Add((OpenKey, new Api4Chain("Activity", "save", CiviCrmActivityRecorder.OpenQuery(open, mark))));

            // After the records just written: the snapshot includes them.
            calls.Add((AuditsKey, new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.AuditQuery(ids, preparation.Kind))));
        }

        // Once the request that opens the records is sent, a cancellation does not abandon it: the server may have written
        // them, and only the answer names them, so a page the run will not start can give them back.
        cancellationToken.ThrowIfCancellationRequested();
        var writing = open.Length > 0 ? CancellationToken.None : cancellationToken;
        Dictionary<string, JsonElement[]> answers;
        Dictionary<long, long>? reopened = null;
        IReadOnlyDictionary<long, string> notOpened = new Dictionary<long, string>();

        // The website tokens' values, when a pattern uses one: a request of its own beside the follow-ups (same round trip).
        var websites = _reader.StartWebsites(_fields, ids, writing);
        try
        {
            try
            {
                answers = await Api4Carrier.SendAsync(_client, calls, writing).ConfigureAwait(false);
            }
            catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Permanent && open.Length > 0)
            {
                // CiviCRM refused the request for good: one contact's record (the database refusing it), or one of the reads.
                (answers, reopened, notOpened) = await ReopenAsync(reads, open, ids, preparation.Kind, mark, writing).ConfigureAwait(false);
            }
        }
        catch
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            throw;
        }

        var others = answers.TryGetValue(OtherLinksKey, out var links) ? ContactReader.ToLinks(links) : ContactReader.NoLinks;
        var siteTime = await _client.GetSiteTimeAsync(writing).ConfigureAwait(false);
        var joined = answers.TryGetValue(JoinedKey, out var joinRows) ? ToJoinDates(joinRows, siteTime) : [];
        var contacts = _reader.ToContacts(rows, _fields, others, websites is null ? null : await websites.ConfigureAwait(false))
            .Select(c => joined.TryGetValue(c.Id, out var at) ? c with { TriggeredAt = at } : c)
            .ToArray();
        var since = contacts.ToDictionary(c => c.Id, c => preparation.CountFailuresSince(c.TriggeredAt));
        var failed = new Dictionary<long, int>();
        foreach (var row in answers[FailedKey])
        {
            if (row.GetInt64("contact_id") is long id && since.TryGetValue(id, out var from) && CiviCrmActivityRecorder.CountsSince(row, from, siteTime))
            {
                failed[id] = failed.GetValueOrDefault(id) + 1;
            }
        }

        var opened = reopened ?? [];
        if (reopened is null && open.Length > 0 && CiviCrmActivityRecorder.OpenedIds(answers[OpenKey], open.Length) is { } recordIds)
        {
            for (var i = 0; i < open.Length; i++)
            {
                opened[open[i].ContactId] = recordIds[i];
            }
        }

        return new PreparedContactPage
        {
            Contacts = contacts,
            FailedAttempts = failed,
            Opened = opened,
            Audits = open.Length > 0 ? CiviCrmActivityRecorder.ToAuditRecords(answers[AuditsKey], siteTime) : null,
            NotOpened = notOpened,
        };
    }

    /// <summary>
    /// Whether a page prepared for <paramref name="kind"/> opens a Scheduled record for <paramref name="contact"/>
    /// (<see cref="PagePreparation.Open"/>): a reset campaign's every contact, another kind's contacts not linked in the
    /// current domain.
    /// </summary>
    private static bool Opens(ActivityKind kind, Contact contact) => kind == ActivityKind.PasswordReset || contact.CurrentDomainLink is null;

    private const string KeptKey = "kept";

    /// <summary>
    /// After CiviCRM refused a page's preparation for good: the reads again with the records the refused open kept (API v4
    /// runs no transaction: a <c>save</c> keeps the records before the one the database refused; found by the page's
    /// mark), then each record not kept opened in a request of its own (a refusal now is that contact's alone, and a record
    /// refused alone is not sent again), then the page's audit records. Returns the answers as the one request would have
    /// and the records opened by contact, and the contacts whose record CiviCRM refused. A read refused again is thrown, as
    /// before.
    /// </summary>
    private async Task<(Dictionary<string, JsonElement[]> Answers, Dictionary<long, long> Opened, IReadOnlyDictionary<long, string> NotOpened)> ReopenAsync(
        (string Key, Api4Chain Call)[] reads, ActivityEntry[] open, long[] ids, ActivityKind kind, string mark, CancellationToken cancellationToken)
    {
        var answers = await Api4Carrier.SendAsync(_client, [.. reads, (KeptKey, new Api4Chain("ActivityContact", "get", CiviCrmActivityRecorder.MarkedOpenQuery(ids, kind, mark)))], cancellationToken).ConfigureAwait(false);
        var opened = new Dictionary<long, long>();
        foreach (var row in answers[KeptKey])
        {
            if (row.GetInt64("contact_id") is long contact && row.GetInt64("act.id") is long record)
            {
                opened[contact] = record;
            }
        }

        var notOpened = new Dictionary<long, string>();
        foreach (var entry in open.Where(e => !opened.ContainsKey(e.ContactId)))
        {
            try
            {
                var result = await _client.CallAsync("Activity", "save", CiviCrmActivityRecorder.OpenQuery([entry], mark), cancellationToken).ConfigureAwait(false);
                if (CiviCrmActivityRecorder.OpenedIds(result.Values, 1) is [var id])
                {
                    opened[entry.ContactId] = id;
                }
            }
            catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Permanent)
            {
                notOpened[entry.ContactId] = ex.Message;
            }
        }

        var audits = await _client.CallAsync("ActivityContact", "get", CiviCrmActivityRecorder.AuditQuery(ids, kind), cancellationToken).ConfigureAwait(false);
        answers[AuditsKey] = [.. audits.Values];
        return (answers, opened, notOpened);
    }

    /// <remarks>
    /// One request: the contact's links in other domains and, for a group trigger, the date it joined come chained
    /// onto its row.
    /// </remarks>
    public Task<Contact?> FindPendingAsync(long contactId, CancellationToken cancellationToken = default) =>
        FindPendingAsync(contactId, _fields, cancellationToken);

    /// <summary>
    /// As <see cref="FindPendingAsync(long, CancellationToken)"/>, the contact read with <paramref name="fields"/> instead of
    /// the trigger's extra fields: the on-demand read asks a rule on its own with none, having read the contact's fields
    /// (and websites) already.
    /// </summary>
    internal async Task<Contact?> FindPendingAsync(long contactId, IReadOnlyCollection<string> fields, CancellationToken cancellationToken)
    {
        var query = await PendingQueryAsync(cancellationToken, fields: fields).ConfigureAwait(false);
        query.Where.Add(Api4Condition.Eq("id", contactId));
        query.Limit = 1;
        await _reader.ChainOtherDomainLinksAsync(query, cancellationToken).ConfigureAwait(false);
        var joins = NeedsJoinDates;
        if (joins)
        {
            query.Chain[JoinedChain] = new Api4Chain("SubscriptionHistory", "get", await JoinDatesQueryAsync("$id", cancellationToken).ConfigureAwait(false));
        }

        var (result, websites) = await _reader.ReadWithWebsitesAsync(query, fields, [contactId], cancellationToken).ConfigureAwait(false);
        var contacts = await _reader.ToContactsAsync(result.Values, fields, cancellationToken, websites).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            return null;
        }

        var contact = contacts[0];
        return joins ? await WithJoinDateAsync(contact, result.Values[0], JoinedChain, cancellationToken).ConfigureAwait(false) : contact;
    }

    /// <summary>
    /// How many contacts <see cref="FindPendingAmongAsync"/> asks in one request: a list of ids of this size is a few
    /// kilobytes of body (always a POST, far under PHP's <c>post_max_size</c>) and the answer a few hundred kilobytes, as
    /// <c>cmsuser failures</c> reads the activities.
    /// </summary>
    internal const int FindPageSize = 500;

    private const string FoundKey = "found";

    /// <remarks>
    /// One request per <see cref="FindPageSize"/> contacts: this trigger's pending read (<see cref="PendingQueryAsync"/>,
    /// the same membership conditions and joins as <see cref="FindPendingAsync(long, CancellationToken)"/>) limited to
    /// <c>id IN</c> the page's ids, with the page's links in other domains (<c>UFMatch.get</c>) and, for a group trigger,
    /// the dates they joined it (<c>SubscriptionHistory.get</c>) chained beside it onto a one-row read of the API user's
    /// own contact (<see cref="Api4Carrier"/>); a read that needs neither is sent alone. A pending read whose conditions
    /// hold a <c>$</c> text of their own (a saved search's) cannot ride on a chain, and goes in a request of its own.
    /// </remarks>
    public async Task<IReadOnlyList<Contact>> FindPendingAmongAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        var found = new List<Contact>();

        // No contact has an id of 0 or less: such an id is not asked, as the single look-up finds nothing for it.
        foreach (var page in contactIds.Where(id => id > 0).Distinct().Chunk(FindPageSize))
        {
            found.AddRange(await FindPendingPageAsync(page, cancellationToken).ConfigureAwait(false));
        }

        return found;
    }

    /// <summary>One page of <see cref="FindPendingAmongAsync"/>.</summary>
    private async Task<IReadOnlyList<Contact>> FindPendingPageAsync(long[] ids, CancellationToken cancellationToken)
    {
        var query = await PendingQueryAsync(cancellationToken).ConfigureAwait(false);
        query.Where.Add(Api4Condition.In("id", ids));
        query.OrderBy.Add(new("id", "ASC"));
        query.Limit = ids.Length;
        var follow = new List<(string Key, Api4Chain Call)>();
        if (_reader.ReadsOtherDomainLinks)
        {
            follow.Add((OtherLinksKey, new Api4Chain("UFMatch", "get", await _reader.OtherDomainLinksQueryAsync(ids, cancellationToken).ConfigureAwait(false))));
        }

        if (NeedsJoinDates)
        {
            var joins = await JoinDatesQueryAsync(ids, cancellationToken).ConfigureAwait(false);
            joins.Limit = ids.Length;
            follow.Add((JoinedKey, new Api4Chain("SubscriptionHistory", "get", joins)));
        }

        // The website tokens' values (when a pattern uses one): a request of its own beside the read, as for one contact.
        var websites = _reader.StartWebsites(_fields, ids, cancellationToken);
        Dictionary<string, JsonElement[]> answers;
        try
        {
            var read = (FoundKey, new Api4Chain("Contact", "get", query));
            if (ProvisioningContactReader.HasPlaceholder(query))
            {
                answers = follow.Count > 0 ? await Api4Carrier.SendAsync(_client, follow, cancellationToken).ConfigureAwait(false) : new(StringComparer.Ordinal);
                answers[FoundKey] = [.. (await _client.CallAsync("Contact", "get", query, cancellationToken).ConfigureAwait(false)).Values];
            }
            else
            {
                answers = await Api4Carrier.SendAsync(_client, [read, .. follow], cancellationToken).ConfigureAwait(false);
            }

            answers[FoundKey] = await RestOfPageAsync(query, answers[FoundKey], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            throw;
        }

        var rows = answers[FoundKey];
        if (rows.Length == 0)
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            return [];
        }

        var others = answers.TryGetValue(OtherLinksKey, out var links) ? ContactReader.ToLinks(links) : ContactReader.NoLinks;
        var contacts = _reader.ToContacts(rows, _fields, others, websites is null ? null : await websites.ConfigureAwait(false));
        if (!answers.TryGetValue(JoinedKey, out var joinRows))
        {
            return contacts;
        }

        var siteTime = await _client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        var joined = ToJoinDates(joinRows, siteTime);
        return contacts.Select(c => joined.TryGetValue(c.Id, out var at) ? c with { TriggeredAt = at } : c).ToArray();
    }

    /// <summary>
    /// A page's rows with the rest of them when a join repeated rows (a saved search's own joins may give a contact several)
    /// and so filled the limit before every contact came: read on by id after the last one, as a run reads its pages.
    /// </summary>
    private async Task<JsonElement[]> RestOfPageAsync(Api4Params query, JsonElement[] rows, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? rows.Length;
        var all = rows;
        var last = rows;
        while (last.Length == limit && last.Length > 0 && ContactReader.RowIds(all).Length < limit)
        {
            var lastId = CiviCrmApiClient.LastId("Contact", last);
            last = [.. (await _client.CallAsync("Contact", "get", CiviCrmApiClient.PageParams(query, lastId, limit), cancellationToken).ConfigureAwait(false)).Values];
            all = [.. all, .. last];
        }

        return all;
    }

    /// <summary>The contact with the date it joined the group, from the <c>SubscriptionHistory</c> rows chained onto its row under <paramref name="chain"/>.</summary>
    internal async Task<Contact> WithJoinDateAsync(Contact contact, JsonElement row, string chain, CancellationToken cancellationToken)
    {
        if (!row.TryGetProperty(chain, out var joined) || joined.ValueKind != JsonValueKind.Array)
        {
            return contact;
        }

        var siteTime = await _client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        var at = joined.EnumerateArray().Select(r => siteTime.FromSite(r.GetString("joined"))).OfType<DateTimeOffset>().Select(d => (DateTimeOffset?)d).Max();
        return at is { } date ? contact with { TriggeredAt = date } : contact;
    }

    private const string JoinedChain = "joined";

    /// <summary>Whether a pending contact's entry date comes from the group's subscription history (a group trigger of account creation).</summary>
    internal bool NeedsJoinDates => Trigger.Kind == TriggerKind.Group && _context.Purpose == ActivityKind.AccountCreation;

    /// <summary>The last date each contact was Added to the trigger group (<paramref name="contactIds"/>: a list, or <c>$id</c> in a chain).</summary>
    internal async Task<Api4Params> JoinDatesQueryAsync(object contactIds, CancellationToken cancellationToken)
    {
        var groupId = await _resolver.IdAsync(Trigger, cancellationToken).ConfigureAwait(false);
        var query = new Api4Params()
            .WithSelect("contact_id", "MAX(date) AS joined")
            .WithWhere(
                contactIds is string placeholder ? Api4Condition.Eq("contact_id", placeholder) : Api4Condition.In("contact_id", (long[])contactIds),
                Api4Condition.Eq("group_id", groupId),
                Api4Condition.Eq("status", "Added"));
        query.GroupBy.Add("contact_id");
        return query;
    }

    /// <remarks>
    /// One request for the page: leaving the trigger and joining the history target are one <c>GroupContact.save</c>
    /// when both are groups (a record per change, matched on group and contact), otherwise the two writes chained
    /// onto a one-row read of the API user's own contact. Each change stays idempotent, as before.
    /// </remarks>
    public async Task AcknowledgeAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(acknowledgements);
        var calls = await AcknowledgeCallsAsync(acknowledgements, cancellationToken).ConfigureAwait(false);
        if (calls.Count > 0)
        {
            await Api4Carrier.SendAsync(_client, calls, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The calls of <see cref="AcknowledgeAsync"/>, in order, each with its chain key: none, one (a leave or a join, or
    /// both as one <c>GroupContact.save</c> when both are groups), or the leave then the join. Each is idempotent.
    /// </summary>
    internal async Task<IReadOnlyList<(string Key, Api4Chain Call)>> AcknowledgeCallsAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken)
    {
        var leaving = acknowledgements.Select(a => a.ContactId).Distinct().ToArray();
        var leave = leaving.Length > 0 && Trigger.Kind != TriggerKind.SavedSearch && !_context.KeepMembers
            ? await LeaveCallAsync(Trigger, leaving, cancellationToken).ConfigureAwait(false)
            : null;
        var done = acknowledgements.Where(a => a.Disposition == TriggerDisposition.Completed).Select(a => a.ContactId).Distinct().ToArray();
        var join = done.Length > 0 && _context.History is { } history
            ? await JoinCallAsync(history, done, cancellationToken).ConfigureAwait(false)
            : null;

        switch (leave, join)
        {
            case (null, null):
                return [];
            case ({ } only, null):
                return [("leave", only)];
            case (null, { } only):
                return [("join", only)];
            case ({ Entity: "GroupContact", Action: "save" } l, { Entity: "GroupContact", Action: "save" } j):
                var both = new Api4Params { Match = { "group_id", "contact_id" } };
                foreach (var record in l.Params.Records.Concat(j.Params.Records))
                {
                    both.Records.Add(record);
                }

                return [("trigger", new Api4Chain("GroupContact", "save", both))];
            default:
                return [("leave", leave!), ("join", join!)];
        }
    }

    private const string GroupStateKey = "ackGroups";
    private const string TagStateKey = "ackTags";

    /// <summary>
    /// The reads of what <paramref name="acknowledgements"/> would change, to chain onto another read (after a write whose
    /// answer was lost): the contacts' memberships of the trigger and history groups (<c>GroupContact.get</c>, status) and
    /// their trigger and history tags (<c>EntityTag.get</c>). None when the changes write nothing (a saved search without
    /// history, or a kept trigger without history). <see cref="AcknowledgementsDoneAsync"/> reads the answers.
    /// </summary>
    internal async Task<IReadOnlyList<(string Key, Api4Chain Call)>> AcknowledgeStateCallsAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken)
    {
        var (leave, join) = await AcknowledgeTargetsAsync(acknowledgements, cancellationToken).ConfigureAwait(false);
        var sets = new[] { leave, join }.OfType<(TriggerKind Kind, long Id)>().ToArray();
        if (sets.Length == 0)
        {
            return [];
        }

        var contacts = acknowledgements.Select(a => a.ContactId).Distinct().Order().ToArray();
        var calls = new List<(string Key, Api4Chain Call)>();
        var groups = sets.Where(s => s.Kind == TriggerKind.Group).Select(s => s.Id).Distinct().ToArray();
        if (groups.Length > 0)
        {
            var query = new Api4Params { Limit = 0 }
                .WithSelect("contact_id", "group_id", "status")
                .WithWhere(Api4Condition.In("contact_id", contacts), Api4Condition.In("group_id", groups));
            calls.Add((GroupStateKey, new Api4Chain("GroupContact", "get", query)));
        }

        var tags = sets.Where(s => s.Kind == TriggerKind.Tag).Select(s => s.Id).Distinct().ToArray();
        if (tags.Length > 0)
        {
            var query = new Api4Params { Limit = 0 }
                .WithSelect("entity_id", "tag_id")
                .WithWhere(Api4Condition.Eq("entity_table", "civicrm_contact"), Api4Condition.In("entity_id", contacts), Api4Condition.In("tag_id", tags));
            calls.Add((TagStateKey, new Api4Chain("EntityTag", "get", query)));
        }

        return calls;
    }

    /// <summary>
    /// Which of <paramref name="acknowledgements"/> the answers to <see cref="AcknowledgeStateCallsAsync"/> show carried out:
    /// out of the trigger (a group membership <c>Removed</c>, the tag gone) when the change leaves it, and in the history
    /// target (a membership <c>Added</c>, the tag there) when it joins it. Only a change done in every part counts: a
    /// contact put back in the trigger meanwhile, or one already in the history target but still in the trigger, gets its
    /// change sent again (the state it asks for, as before). A membership row that is missing is not <c>Removed</c>: a
    /// smart group's member has none, and sending the change again writes the row.
    /// </summary>
    internal async Task<IReadOnlyCollection<TriggerAcknowledgement>> AcknowledgementsDoneAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, IReadOnlyDictionary<string, JsonElement[]> answers, CancellationToken cancellationToken)
    {
        var (leave, join) = await AcknowledgeTargetsAsync(acknowledgements, cancellationToken).ConfigureAwait(false);
        var status = new Dictionary<(long Contact, long Group), string?>();
        if (answers.TryGetValue(GroupStateKey, out var memberships))
        {
            foreach (var row in memberships)
            {
                if (row.GetInt64("contact_id") is long contact && row.GetInt64("group_id") is long group)
                {
                    status[(contact, group)] = row.GetString("status");
                }
            }
        }

        var tagged = new HashSet<(long Contact, long Tag)>();
        if (answers.TryGetValue(TagStateKey, out var tags))
        {
            foreach (var row in tags)
            {
                if (row.GetInt64("entity_id") is long contact && row.GetInt64("tag_id") is long tag)
                {
                    tagged.Add((contact, tag));
                }
            }
        }

        bool In((TriggerKind Kind, long Id) set, long contact) => set.Kind == TriggerKind.Group
            ? status.TryGetValue((contact, set.Id), out var s) && s == "Added"
            : tagged.Contains((contact, set.Id));
        bool Left((TriggerKind Kind, long Id) set, long contact) => set.Kind == TriggerKind.Group
            ? status.TryGetValue((contact, set.Id), out var s) && s == "Removed"
            : !tagged.Contains((contact, set.Id));

        return acknowledgements
            .Where(a => (leave is not { } l || Left(l, a.ContactId))
                && (a.Disposition != TriggerDisposition.Completed || join is not { } j || In(j, a.ContactId)))
            .ToArray();
    }

    /// <summary>The trigger the changes leave (none for a saved search or a kept trigger) and the history target they join (when some contact is done).</summary>
    private async Task<((TriggerKind Kind, long Id)? Leave, (TriggerKind Kind, long Id)? Join)> AcknowledgeTargetsAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken)
    {
        (TriggerKind, long)? leave = acknowledgements.Count > 0 && Trigger.Kind != TriggerKind.SavedSearch && !_context.KeepMembers
            ? (Trigger.Kind, await _resolver.IdAsync(Trigger, cancellationToken).ConfigureAwait(false))
            : null;
        (TriggerKind, long)? join = acknowledgements.Any(a => a.Disposition == TriggerDisposition.Completed) && _context.History is { } history
            ? (history.Kind, await _resolver.IdAsync(history, cancellationToken).ConfigureAwait(false))
            : null;
        return (leave, join);
    }

    /// <summary>The read of this trigger's pending contacts (<see cref="ReadPendingAsync"/>, <see cref="FindPendingAsync(long, CancellationToken)"/>, and chained per rule by <see cref="ProvisioningContactReader"/>).</summary>
    /// <param name="cancellationToken">Cancels the look-ups.</param>
    /// <param name="triggerId">The trigger's id when not the resolved one (<c>$id</c> in a read chained onto the trigger's look-up).</param>
    /// <param name="domain">The link join's domain when not the identity's (see <see cref="ContactReader.BaseQueryAsync"/>).</param>
    /// <param name="setIds">The ids of other groups and tags when not the resolved ones (<c>"$setN.id"</c> in a read chained onto a look-up that joins them).</param>
    /// <param name="fields">The extra fields to read when not the trigger's.</param>
    internal async Task<Api4Params> PendingQueryAsync(CancellationToken cancellationToken, object? triggerId = null, object? domain = null, IReadOnlyDictionary<TriggerDefinition, object>? setIds = null, IReadOnlyCollection<string>? fields = null)
    {
        var query = await _reader.BaseQueryAsync(fields ?? _fields, cancellationToken, domain).ConfigureAwait(false);
        switch (Trigger.Kind)
        {
            case TriggerKind.Group:
                var groupId = triggerId ?? await _resolver.IdAsync(Trigger, cancellationToken).ConfigureAwait(false);
                query.Where.Add(Api4Condition.In("groups", new[] { groupId }));
                query.Join.Add(new Api4Join("GroupContact", "gcr", Api4JoinSide.Exclude,
                [
                    Api4Condition.Field("gcr.contact_id", "=", "id"),
                    Api4Condition.Field("gcr.group_id", "=", groupId),
                    Api4Condition.Field("gcr.status", "=", "'Removed'"),
                ]));
                break;
            case TriggerKind.Tag:
                var tagId = triggerId ?? await _resolver.IdAsync(Trigger, cancellationToken).ConfigureAwait(false);
                query.Where.Add(Api4Condition.In("tags", new[] { tagId }));
                break;
            default:
                if (triggerId is string)
                {
                    // Chained onto the search's own look-up: its conditions are the row's (the early page's guard checks
                    // that the set-up resolved the same search, on contacts and without joins of its own).
                    query.Where.Add(Api4Condition.Raw(SearchConditions));
                    query.Where.Add(Api4Condition.Field("contact_type", "$contact_type_op", "$api_entity"));
                }
                else
                {
                    await AddSavedSearchAsync(query, Trigger, cancellationToken).ConfigureAwait(false);
                }

                // A saved search cannot be left: contacts already linked in this domain are excluded instead.
                query.Where.Add(Api4Condition.Field("uf.uf_id", "IS NULL"));
                break;
        }

        if (_context.KeepMembers && _context.History is { } history)
        {
            // An access trigger keeps its members: pending are those not yet in the history target.
            query.Where.Add(await MembershipAsync(history, "NOT IN", setIds, cancellationToken).ConfigureAwait(false));
        }

        if (_context.RequireIn is { } requireIn)
        {
            if (requireIn.Kind == TriggerKind.SavedSearch)
            {
                await AddSavedSearchAsync(query, requireIn, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                query.Where.Add(await MembershipAsync(requireIn, "IN", setIds, cancellationToken).ConfigureAwait(false));
            }
        }

        if (_context.RequireNotIn is { } requireNotIn)
        {
            query.Where.Add(await LeftAsync(query, requireNotIn, setIds, cancellationToken).ConfigureAwait(false));
        }

        return query;
    }

    /// <summary><c>["AND", "$api_params.where"]</c>: a saved search's conditions taken from the row a read is chained onto (CiviCRM replaces the text with the array).</summary>
    private static readonly JsonElement SearchConditions = JsonDocument.Parse("[\"AND\",\"$api_params.where\"]").RootElement.Clone();

    /// <summary><c>groups</c>/<c>tags</c> <paramref name="op"/> the set (static and smart groups alike).</summary>
    private async Task<Api4Condition> MembershipAsync(TriggerDefinition set, string op, IReadOnlyDictionary<TriggerDefinition, object>? setIds, CancellationToken cancellationToken)
    {
        var id = await SetIdAsync(set, setIds, cancellationToken).ConfigureAwait(false);
        return Api4Condition.Field(set.Kind == TriggerKind.Group ? "groups" : "tags", op, new[] { id });
    }

    /// <summary>The id of a group or tag: its placeholder in <paramref name="setIds"/>, or the resolved id.</summary>
    private async Task<object> SetIdAsync(TriggerDefinition set, IReadOnlyDictionary<TriggerDefinition, object>? setIds, CancellationToken cancellationToken) =>
        setIds is not null && setIds.TryGetValue(set, out var placeholder) ? placeholder : await _resolver.IdAsync(set, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Not in the group or tag: not a member, or (groups) a <c>Removed</c> membership row, which also covers a smart-group
    /// member taken out by hand while the group cache still lists them.
    /// </summary>
    private async Task<Api4Condition> LeftAsync(Api4Params query, TriggerDefinition set, IReadOnlyDictionary<TriggerDefinition, object>? setIds, CancellationToken cancellationToken)
    {
        var notMember = await MembershipAsync(set, "NOT IN", setIds, cancellationToken).ConfigureAwait(false);
        if (set.Kind != TriggerKind.Group)
        {
            return notMember;
        }

        var id = await SetIdAsync(set, setIds, cancellationToken).ConfigureAwait(false);
        query.Join.Add(new Api4Join("GroupContact", "gleft", Api4JoinSide.Left,
        [
            Api4Condition.Field("gleft.contact_id", "=", "id"),
            Api4Condition.Field("gleft.group_id", "=", id),
            Api4Condition.Field("gleft.status", "=", "'Removed'"),
        ]));
        return Api4Condition.Or(notMember, Api4Condition.Field("gleft.id", "IS NOT NULL"));
    }

    /// <summary>
    /// For a group trigger, the date each contact of the page was last Added to it (SubscriptionHistory, one call per
    /// page), so only failures after it count: a contact re-added after a fix starts over. Smart-group members have no
    /// such row and keep the attempt window.
    /// </summary>
    /// <summary>The last date each contact of the page's rows joined the trigger group (empty when the trigger is not a group).</summary>
    private async Task<Dictionary<long, DateTimeOffset>> ReadJoinDatesAsync(IReadOnlyList<JsonElement> rows, CancellationToken cancellationToken)
    {
        var joined = new Dictionary<long, DateTimeOffset>();
        if (rows.Count == 0 || !NeedsJoinDates)
        {
            return joined;
        }

        var ids = rows.Where(r => r.ValueKind == JsonValueKind.Object).Select(r => ContactReader.SafeId(r, "id") ?? 0).Where(id => id > 0).Distinct().ToArray();
        if (ids.Length == 0)
        {
            return joined;
        }

        var query = await JoinDatesQueryAsync(ids, cancellationToken).ConfigureAwait(false);
        query.Limit = ids.Length;
        var result = await _client.CallAsync("SubscriptionHistory", "get", query, cancellationToken).ConfigureAwait(false);
        var siteTime = await _client.GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        return ToJoinDates(result.Values, siteTime);
    }

    /// <summary>Each contact's join date from the rows of <see cref="JoinDatesQueryAsync"/>.</summary>
    private static Dictionary<long, DateTimeOffset> ToJoinDates(IEnumerable<JsonElement> rows, SiteTime siteTime)
    {
        var joined = new Dictionary<long, DateTimeOffset>();
        foreach (var row in rows)
        {
            if (row.GetInt64("contact_id") is long id && siteTime.FromSite(row.GetString("joined")) is { } at)
            {
                joined[id] = at;
            }
        }

        return joined;
    }

    private async Task AddSavedSearchAsync(Api4Params query, TriggerDefinition trigger, CancellationToken cancellationToken)
    {
        var search = await _resolver.RowAsync(trigger, cancellationToken).ConfigureAwait(false);
        var entity = search.GetString("api_entity");
        if (entity is not ("Contact" or "Individual" or "Organization" or "Household"))
        {
            throw new CiviCrmApiException(FailureKind.Configuration, $"The saved search '{trigger.Reference}' searches {entity}; a trigger needs a search on contacts.", "SavedSearch", "get");
        }

        if (search.TryGetProperty("api_params", out var apiParams) && apiParams.ValueKind == JsonValueKind.Object)
        {
            if (apiParams.TryGetProperty("where", out var where) && where.ValueKind == JsonValueKind.Array)
            {
                foreach (var condition in where.EnumerateArray())
                {
                    query.Where.Add(Api4Condition.Raw(condition));
                }
            }

            if (apiParams.TryGetProperty("join", out var joins) && joins.ValueKind == JsonValueKind.Array)
            {
                foreach (var join in joins.EnumerateArray())
                {
                    query.RawJoins.Add(join.Clone());
                }
            }
        }

        if (entity != "Contact")
        {
            query.Where.Add(Api4Condition.Eq("contact_type", entity));
        }
    }

    private async Task<Api4Chain> LeaveCallAsync(TriggerDefinition trigger, long[] contactIds, CancellationToken cancellationToken)
    {
        var id = await _resolver.IdAsync(trigger, cancellationToken).ConfigureAwait(false);
        if (trigger.Kind == TriggerKind.Group)
        {
            // save + match: updates the membership to Removed, or writes a Removed row that also hides a smart-group member.
            var save = new Api4Params { Match = { "group_id", "contact_id" } };
            foreach (var contactId in contactIds)
            {
                save.Records.Add(new Dictionary<string, object?> { ["group_id"] = id, ["contact_id"] = contactId, ["status"] = "Removed" });
            }

            return new Api4Chain("GroupContact", "save", save);
        }

        var delete = new Api4Params().WithWhere(
            Api4Condition.Eq("entity_table", "civicrm_contact"),
            Api4Condition.Eq("tag_id", id),
            Api4Condition.In("entity_id", contactIds));
        return new Api4Chain("EntityTag", "delete", delete);
    }

    private async Task<Api4Chain> JoinCallAsync(TriggerDefinition history, long[] contactIds, CancellationToken cancellationToken)
    {
        var id = await _resolver.IdAsync(history, cancellationToken).ConfigureAwait(false);
        var save = new Api4Params();
        if (history.Kind == TriggerKind.Group)
        {
            save.Match.Add("group_id");
            save.Match.Add("contact_id");
            foreach (var contactId in contactIds)
            {
                save.Records.Add(new Dictionary<string, object?> { ["group_id"] = id, ["contact_id"] = contactId, ["status"] = "Added" });
            }

            return new Api4Chain("GroupContact", "save", save);
        }

        save.Match.Add("entity_table");
        save.Match.Add("entity_id");
        save.Match.Add("tag_id");
        foreach (var contactId in contactIds)
        {
            save.Records.Add(new Dictionary<string, object?> { ["entity_table"] = "civicrm_contact", ["entity_id"] = contactId, ["tag_id"] = id });
        }

        return new Api4Chain("EntityTag", "save", save);
    }
}
