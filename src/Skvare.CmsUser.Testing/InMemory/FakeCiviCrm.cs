using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// An in-memory stand-in for the CiviCRM side (trigger sources, contact directory, activities, links),
/// for engine tests and demos that do not need HTTP. Thread-safe. Counts calls per operation so tests
/// can assert bulk behaviour.
/// </summary>
/// <remarks>
/// Built to hold 100,000 contacts and more: records are compact rows in chunked arrays with their texts as UTF-8,
/// every look-up goes through an index (contact id, CMS user id, per-contact chains of links and activities), group
/// and tag membership is a byte per contact, and the records handed out (<see cref="Contact"/>,
/// <see cref="AccountLink"/>, <see cref="ActivityEntry"/>) are built when read. See docs/testing.md ("The kit at
/// scale").
/// </remarks>
public sealed class FakeCiviCrm : ITriggerSourceFactory, IContactDirectory, IActivityRecorder, IAccountLinkStore, IAccountLinkLookup
{
    private const byte Added = 1;
    private const byte Removed = 2;
    private const byte Gone = byte.MaxValue;
    private const int MaxSharedTexts = 4096;

    private readonly object _gate = new();

    // Contact id N (given by AddContact) is row N - 1; a contact that is more than names and an email is kept whole in
    // _wholeContacts (by row); one whose id was changed by AddContact's configure is kept in _otherContacts (or the
    // row of that id) and its own row is marked Moved.
    private readonly ChunkedRows<ContactRow> _contacts = new();
    private readonly Dictionary<int, Contact> _wholeContacts = [];
    private readonly SortedList<long, Contact> _otherContacts = [];
    private readonly Dictionary<string, IdMap<byte>> _groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IdMap<byte>> _tags = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Func<Contact, bool>> _savedSearches = new(StringComparer.OrdinalIgnoreCase);

    // Links in the order written; each contact's links are a chain from its newest (row + 1, 0 = none).
    private readonly ChunkedRows<LinkRow> _links = new();
    private readonly IdMap<int> _newestLink = new();
    private readonly RowIndex<long> _currentLinkByUser;

    // Activity id N is row N - 1; each contact's activities are a chain from its newest.
    private readonly ChunkedRows<ActivityRow> _activities = new();
    private readonly IdMap<int> _newestActivity = new();
    private readonly Dictionary<string, int> _sharedTexts = new(StringComparer.Ordinal);

    // Names, emails, link names, subjects and details as UTF-8; a link's name shares its contact's email when equal.
    private readonly TextArena _texts = new();

    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Exception> _faults = new();

    /// <summary>Creates an empty CiviCRM.</summary>
    public FakeCiviCrm()
    {
        _currentLinkByUser = new RowIndex<long>(row => _links[row].CmsUserId, EqualityComparer<long>.Default);
    }

    /// <summary>Whether <see cref="EnsureReadyAsync"/> was called.</summary>
    public bool Ready { get; private set; }

    /// <summary>Calls per operation name (e.g. <c>ReadPage</c>, <c>RecordActivities</c>, <c>EnsureLinks</c>, <c>Acknowledge</c>, <c>CountFailures</c>).</summary>
    public IReadOnlyDictionary<string, int> Calls => _calls;

    /// <summary>Every activity written, in order.</summary>
    public IReadOnlyList<ActivityEntry> Activities
    {
        get
        {
            lock (_gate)
            {
                var all = new List<ActivityEntry>(_activities.Count);
                for (var row = 0; row < _activities.Count; row++)
                {
                    if (_activities[row].Status != Gone)
                    {
                        all.Add(ActivityAt(row));
                    }
                }

                return all.ToArray();
            }
        }
    }

    /// <summary>Every link (all domains).</summary>
    public IReadOnlyList<AccountLink> Links
    {
        get
        {
            lock (_gate)
            {
                var all = new AccountLink[_links.Count];
                for (var row = 0; row < all.Length; row++)
                {
                    all[row] = LinkAt(row);
                }

                return all;
            }
        }
    }

    /// <summary>Adds a contact; returns it with its new id.</summary>
    /// <param name="firstName">First name.</param>
    /// <param name="lastName">Last name.</param>
    /// <param name="email">Primary email (or null).</param>
    /// <param name="configure">Further changes (on hold, language, fields…).</param>
    public Contact AddContact(string? firstName, string? lastName, string? email, Func<Contact, Contact>? configure = null)
    {
        lock (_gate)
        {
            var id = _contacts.Count + 1L;
            var plain = new Contact
            {
                Id = id,
                FirstName = firstName,
                LastName = lastName,
                DisplayName = DisplayName(firstName, lastName, email),
                Email = email,
            };
            var contact = configure?.Invoke(plain) ?? plain;
            contact = AsPrinted(contact);
            if (contact == plain)
            {
                // The common case keeps three texts and no record.
                _otherContacts.Remove(id);
                _contacts.Add(new ContactRow { FirstName = _texts.Add(firstName), LastName = _texts.Add(lastName), Email = _texts.Add(email) });
            }
            else if (contact.Id == id)
            {
                _otherContacts.Remove(id);
                KeepWhole(_contacts.Add(default), contact);
            }
            else
            {
                // This id's row: the contact an earlier configure step gave this id, if any (the newest contact given
                // an id is the contact of that id; _otherContacts only holds ids past the rows).
                var row = _contacts.Add(new ContactRow { Kind = ContactKind.Moved });
                if (_otherContacts.Remove(id, out var earlier))
                {
                    KeepWhole(row, earlier);
                }

                if (contact.Id >= 1 && contact.Id <= _contacts.Count)
                {
                    KeepWhole((int)(contact.Id - 1), contact);
                }
                else
                {
                    _otherContacts[contact.Id] = contact;
                }
            }

            return contact;
        }
    }

    /// <summary>Adds contacts to a group (status Added).</summary>
    public void AddToGroup(string group, params long[] contactIds)
    {
        lock (_gate)
        {
            var members = GroupMembers(group);
            foreach (var id in contactIds)
            {
                members[id] = Added;
            }
        }
    }

    /// <summary>Takes contacts out of a group (status Removed), as a person leaving it.</summary>
    public void RemoveFromGroup(string group, params long[] contactIds)
    {
        lock (_gate)
        {
            var members = GroupMembers(group);
            foreach (var id in contactIds)
            {
                members[id] = Removed;
            }
        }
    }

    /// <summary>Tags contacts.</summary>
    public void AddTag(string tag, params long[] contactIds)
    {
        lock (_gate)
        {
            var members = TagMembers(tag);
            foreach (var id in contactIds)
            {
                members[id] = Added;
            }
        }
    }

    /// <summary>Defines a saved search by a predicate over contacts.</summary>
    public void AddSavedSearch(string name, Func<Contact, bool> predicate)
    {
        lock (_gate)
        {
            _savedSearches[name] = predicate;
        }
    }

    /// <summary>Adds a link (e.g. an account that already exists).</summary>
    public void AddLink(AccountLink link)
    {
        lock (_gate)
        {
            StoreLink(link.ContactId, link.CmsUserId, link.UfName, link.IsCurrentDomain);
        }
    }

    /// <summary>Adds a past activity (e.g. earlier failed attempts).</summary>
    public void AddActivity(ActivityEntry entry)
    {
        lock (_gate)
        {
            StoreActivity(entry);
        }
    }

    /// <summary>The group status of a contact (<c>Added</c>, <c>Removed</c>) or <see langword="null"/>.</summary>
    public string? GroupStatus(string group, long contactId)
    {
        lock (_gate)
        {
            return GroupMembers(group)[contactId] switch
            {
                Added => "Added",
                Removed => "Removed",
                _ => null,
            };
        }
    }

    /// <summary>Whether a contact has a tag.</summary>
    public bool HasTag(string tag, long contactId)
    {
        lock (_gate)
        {
            return TagMembers(tag)[contactId] == Added;
        }
    }

    /// <summary>
    /// When set, asked about every audit record <see cref="RecordAsync"/> and <see cref="OpenAsync"/> write, as it is
    /// written; a message it returns makes the store refuse that record as CiviCRM's database does: the call throws a
    /// permanent <see cref="CmsProviderException"/> (<see cref="CmsErrorReason.InvalidData"/>, the message), the records
    /// before it in the same call stay written and the records after it are not written (CiviCRM 6.17.2 runs an API v4
    /// request without a transaction). Runs under the store's lock: it must not call the store.
    /// </summary>
    public Func<ActivityEntry, string?>? RefuseRecordWhere { get; set; }

    /// <summary>Makes the next call (any operation) throw <paramref name="exception"/>.</summary>
    public void FailNext(Exception exception) => _faults.Enqueue(exception);

    /// <inheritdoc />
    public ITriggerSource Create(TriggerSourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Source(this, context);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Contact>> GetContactsAsync(IReadOnlyCollection<long> contactIds, IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken = default)
    {
        Count("GetContacts");
        lock (_gate)
        {
            var found = new List<Contact>(contactIds.Count);
            foreach (var id in contactIds)
            {
                if (Exists(id))
                {
                    found.Add(ContactWithLinks(id));
                }
            }

            return Task.FromResult<IReadOnlyList<Contact>>(found.ToArray());
        }
    }

    /// <inheritdoc />
    public Task EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        Count("EnsureReady");
        Ready = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
    {
        Count("RecordActivities");
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                Refuse(entry);

                // An entry with an id completes that (Scheduled) record; a record removed meanwhile is written anew.
                if (entry.Id is long id && ActivityRowOf(id) is var row and >= 0)
                {
                    Validate(entry);
                    ref var stored = ref _activities[row];
                    if (stored.ContactId != entry.ContactId)
                    {
                        Unchain(_newestActivity, stored.ContactId, row, static (rows, r) => ref rows._activities[r].Older);
                        stored.ContactId = entry.ContactId;
                        Chain(_newestActivity, entry.ContactId, row, static (rows, r) => ref rows._activities[r].Older);
                    }

                    Fill(ref stored, entry);
                }
                else
                {
                    StoreActivity(entry);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default)
    {
        Count("CountFailures");
        lock (_gate)
        {
            var result = new Dictionary<long, int>(requests.Count);
            foreach (var request in requests)
            {
                var failures = 0;
                for (var row = _newestActivity[request.ContactId] - 1; row >= 0; row = _activities[row].Older - 1)
                {
                    ref var a = ref _activities[row];
                    if (a.Kind == (int)kind && a.Status == (byte)ActivityOutcomeStatus.Failed && OccurredAt(a) >= request.Since)
                    {
                        failures++;
                    }
                }

                result.Add(request.ContactId, failures);
            }

            return Task.FromResult<IReadOnlyDictionary<long, int>>(result);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
    {
        Count("OpenActivities");
        lock (_gate)
        {
            var ids = new long[entries.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                Refuse(entries[i]);
                ids[i] = StoreActivity(entries[i]);
            }

            return Task.FromResult<IReadOnlyList<long>?>(ids);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default)
    {
        Count("FindAudits");
        lock (_gate)
        {
            var found = new List<AuditRecord>();
            var rows = new List<int>();
            foreach (var contactId in contactIds)
            {
                OldestFirst(_newestActivity[contactId], rows, static (owner, r) => owner._activities[r].Older);
                foreach (var row in rows)
                {
                    ref var a = ref _activities[row];
                    if (a.Kind == (int)kind && a.Status is (byte)ActivityOutcomeStatus.Completed or (byte)ActivityOutcomeStatus.Scheduled)
                    {
                        found.Add(new AuditRecord(row + 1L, a.ContactId, (ActivityOutcomeStatus)a.Status, SubjectOf(a)) { OccurredAt = OccurredAt(a) });
                    }
                }
            }

            return Task.FromResult<IReadOnlyList<AuditRecord>>(found.ToArray());
        }
    }

    /// <inheritdoc />
    /// <remarks>As CiviCRM orders them: the latest <see cref="ActivityEntry.OccurredAt"/>, of two at the same instant the later written.</remarks>
    public Task<ActivityEntry?> FindLatestRecordAsync(long contactId, ActivityKind kind, CancellationToken cancellationToken = default)
    {
        Count("FindLatestRecord");
        lock (_gate)
        {
            var latest = -1;
            for (var row = _newestActivity[contactId] - 1; row >= 0; row = _activities[row].Older - 1)
            {
                ref var a = ref _activities[row];
                if (a.Kind == (int)kind && (latest < 0 || OccurredAt(a) > OccurredAt(_activities[latest]) || (OccurredAt(a) == OccurredAt(_activities[latest]) && row > latest)))
                {
                    latest = row;
                }
            }

            return Task.FromResult<ActivityEntry?>(latest < 0 ? null : ActivityAt(latest));
        }
    }

    /// <inheritdoc />
    public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        Count("DiscardActivities");
        lock (_gate)
        {
            // Only records still Scheduled, as the CiviCRM recorder does.
            foreach (var id in ids)
            {
                if (ActivityRowOf(id) is var row and >= 0 && _activities[row].Status == (byte)ActivityOutcomeStatus.Scheduled)
                {
                    Unchain(_newestActivity, _activities[row].ContactId, row, static (rows, r) => ref rows._activities[r].Older);
                    _activities[row] = new ActivityRow { Status = Gone };
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default)
    {
        Count("FindLinks");
        lock (_gate)
        {
            var found = new List<AccountLink>();
            var seen = new HashSet<long>(contactIds.Count);
            foreach (var contactId in contactIds)
            {
                if (seen.Add(contactId))
                {
                    AddLinksOf(contactId, found);
                }
            }

            return Task.FromResult<IReadOnlyList<AccountLink>>(found.ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AccountLink>> FindLinksInDomainAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        Count("FindLinksInDomain");
        lock (_gate)
        {
            // As the CiviCRM store's read: the current-domain links of the requests' CMS users or contacts, each once.
            var found = new List<AccountLink>();
            var rows = new HashSet<int>();
            foreach (var request in requests)
            {
                if (_currentLinkByUser.Find(request.CmsUserId) is var byUser and >= 0 && rows.Add(byUser))
                {
                    found.Add(LinkAt(byUser));
                }

                for (var row = _newestLink[request.ContactId] - 1; row >= 0; row = _links[row].Older - 1)
                {
                    if (_links[row].IsCurrentDomain && rows.Add(row))
                    {
                        found.Add(LinkAt(row));
                    }
                }
            }

            return Task.FromResult<IReadOnlyList<AccountLink>>(found.ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
    {
        Count("EnsureLinks");
        var results = new List<AccountLinkResult>(requests.Count);
        var winners = AccountLinkClaims.Winners(requests);
        lock (_gate)
        {
            foreach (var request in requests)
            {
                if (winners[request.CmsUserId] is var winner && winner.ContactId != request.ContactId)
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.HeldByOtherContact, PreviousContactId: winner.ContactId));
                    continue;
                }

                var byUser = _currentLinkByUser.Find(request.CmsUserId);
                if (byUser >= 0 && _links[byUser].ContactId == request.ContactId)
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.AlreadyExisted));
                }
                else if (HasOtherCurrentLink(request.ContactId, request.CmsUserId))
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.Failed, "DB Error: already exists"));
                }
                else if (byUser >= 0 && !request.AccountCreatedNow)
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.HeldByOtherContact, PreviousContactId: _links[byUser].ContactId));
                }
                else if (byUser >= 0)
                {
                    ref var link = ref _links[byUser];
                    var previous = link.ContactId;
                    Unchain(_newestLink, previous, byUser, static (rows, r) => ref rows._links[r].Older);
                    link.ContactId = request.ContactId;
                    link.UfName = LinkName(request.ContactId, request.UfName);
                    link.IsCurrentDomain = true;
                    Chain(_newestLink, request.ContactId, byUser, static (rows, r) => ref rows._links[r].Older);
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.Repaired, PreviousContactId: previous));
                }
                else
                {
                    StoreLink(request.ContactId, request.CmsUserId, request.UfName, isCurrentDomain: true);
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.Created));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<AccountLinkResult>>(results);
    }

    private static string? DisplayName(string? firstName, string? lastName, string? email) =>
        (string.IsNullOrEmpty(firstName), string.IsNullOrEmpty(lastName)) switch
        {
            (false, false) => firstName + " " + lastName,
            (false, true) => firstName,
            (true, false) => lastName,
            _ => email,
        };

    private static DateTimeOffset OccurredAt(in ActivityRow row) => new(row.Ticks, TimeSpan.FromMinutes(row.OffsetMinutes));

    private void StoreLink(long contactId, long cmsUserId, string? ufName, bool isCurrentDomain)
    {
        var row = _links.Add(new LinkRow { ContactId = contactId, CmsUserId = cmsUserId, UfName = LinkName(contactId, ufName), IsCurrentDomain = isCurrentDomain });
        Chain(_newestLink, contactId, row, static (rows, r) => ref rows._links[r].Older);
        if (isCurrentDomain)
        {
            _currentLinkByUser.TryAdd(cmsUserId, row);
        }
    }

    private AccountLink LinkAt(int row)
    {
        ref var link = ref _links[row];
        return new AccountLink(link.ContactId, link.CmsUserId, _texts[link.UfName], link.IsCurrentDomain);
    }

    private void AddLinksOf(long contactId, List<AccountLink> into)
    {
        var start = into.Count;
        for (var row = _newestLink[contactId] - 1; row >= 0; row = _links[row].Older - 1)
        {
            into.Add(LinkAt(row));
        }

        // The chain runs newest first; a contact's links are read in the order they were written.
        into.Reverse(start, into.Count - start);
    }

    private AccountLink[] LinksOf(long contactId)
    {
        if (_newestLink[contactId] == 0)
        {
            return [];
        }

        // The chain runs newest first: fill the array from its end, so it reads in the order of writing.
        var count = 0;
        for (var row = _newestLink[contactId] - 1; row >= 0; row = _links[row].Older - 1)
        {
            count++;
        }

        var links = new AccountLink[count];
        for (var row = _newestLink[contactId] - 1; row >= 0; row = _links[row].Older - 1)
        {
            links[--count] = LinkAt(row);
        }

        return links;
    }

    private bool HasCurrentLink(long contactId)
    {
        for (var row = _newestLink[contactId] - 1; row >= 0; row = _links[row].Older - 1)
        {
            if (_links[row].IsCurrentDomain)
            {
                return true;
            }
        }

        return false;
    }

    private bool HasOtherCurrentLink(long contactId, long cmsUserId)
    {
        for (var row = _newestLink[contactId] - 1; row >= 0; row = _links[row].Older - 1)
        {
            if (_links[row].IsCurrentDomain && _links[row].CmsUserId != cmsUserId)
            {
                return true;
            }
        }

        return false;
    }

    private long StoreActivity(ActivityEntry entry)
    {
        Validate(entry);
        var row = _activities.Add(new ActivityRow { ContactId = entry.ContactId });
        Fill(ref _activities[row], entry);
        Chain(_newestActivity, entry.ContactId, row, static (rows, r) => ref rows._activities[r].Older);
        return row + 1L;
    }

    /// <summary>Throws <see cref="RefuseRecordWhere"/>'s refusal of this record, if any.</summary>
    private void Refuse(ActivityEntry entry)
    {
        if (RefuseRecordWhere?.Invoke(entry) is { } message)
        {
            throw new CmsProviderException("CiviCRM", CmsErrorReason.InvalidData, message);
        }
    }

    private static void Validate(ActivityEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if ((uint)entry.Kind >= Gone || (uint)entry.Status >= Gone)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), "The activity kind or status is not one the store knows.");
        }
    }

    private void Fill(ref ActivityRow row, ActivityEntry entry)
    {
        row.Kind = (byte)entry.Kind;
        row.Status = (byte)entry.Status;
        // The subject's text is the row's own, so a completion rewrites it in place when it fits.
        row.Subject = row.Subject == 0 ? _texts.Add(entry.Subject) : _texts.Replace(row.Subject, entry.Subject);
        row.Details = Shared(entry.Details);
        row.Ticks = entry.OccurredAt.Ticks;
        row.OffsetMinutes = (short)entry.OccurredAt.Offset.TotalMinutes;
    }

    // Details repeat ("Rule group:members."): keep one copy of each, up to a bound.
    private int Shared(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        if (_sharedTexts.TryGetValue(text, out var shared))
        {
            return shared;
        }

        var handle = _texts.Add(text);
        if (_sharedTexts.Count < MaxSharedTexts)
        {
            _sharedTexts[text] = handle;
        }

        return handle;
    }

    // A link's name: its contact's email text when it is that email (as the engine links), else its own.
    private int LinkName(long contactId, string? ufName)
    {
        if (contactId >= 1 && contactId <= _contacts.Count && _contacts[(int)(contactId - 1)] is { Kind: ContactKind.Plain, Email: var email }
            && _texts.Equals(email, ufName, StringComparison.Ordinal))
        {
            return email;
        }

        return _texts.Add(ufName);
    }

    /// <summary>
    /// The contact with its custom fields (<c>custom_N</c> in <see cref="Contact.Fields"/>) as CiviCRM's token processor
    /// prints a text field's value, as the real contact read hands them: a value that trims to empty or <c>0</c> is none,
    /// entities are decoded, tags dropped and white space collapsed (<see cref="CustomFieldText"/>).
    /// </summary>
    private static Contact AsPrinted(Contact contact)
    {
        if (!contact.Fields.Any(f => f.Key.StartsWith("custom_", StringComparison.Ordinal) && f.Value is not null))
        {
            return contact;
        }

        var fields = contact.Fields.ToDictionary(
            f => f.Key,
            f => f.Key.StartsWith("custom_", StringComparison.Ordinal) ? CustomFieldText.Printed(f.Value, CustomFieldText.Text, "String") : f.Value,
            StringComparer.Ordinal);
        return contact with { Fields = fields };
    }

    private void KeepWhole(int row, Contact contact)
    {
        _contacts[row] = new ContactRow { Kind = ContactKind.Whole };
        _wholeContacts[row] = contact;
    }

    private ActivityEntry ActivityAt(int row)
    {
        ref var a = ref _activities[row];
        return new ActivityEntry(a.ContactId, (ActivityKind)a.Kind, (ActivityOutcomeStatus)a.Status, SubjectOf(a), _texts[a.Details], OccurredAt(a)) { Id = row + 1L };
    }

    private string SubjectOf(in ActivityRow row) => _texts[row.Subject]!;

    private int ActivityRowOf(long id) => id >= 1 && id <= _activities.Count && _activities[(int)(id - 1)].Status != Gone ? (int)(id - 1) : -1;

    // A contact's rows form a chain from its newest (row + 1 in `newest`, then each row's Older), kept in
    // descending row order so reading it backwards gives the order of writing, also after a row moves.
    private void Chain(IdMap<int> newest, long contactId, int row, OlderOf olderOf)
    {
        var next = newest[contactId] - 1;
        if (next < row)
        {
            olderOf(this, row) = next + 1;
            newest[contactId] = row + 1;
            return;
        }

        while (olderOf(this, next) - 1 > row)
        {
            next = olderOf(this, next) - 1;
        }

        olderOf(this, row) = olderOf(this, next);
        olderOf(this, next) = row + 1;
    }

    private void Unchain(IdMap<int> newest, long contactId, int row, OlderOf olderOf)
    {
        var current = newest[contactId] - 1;
        if (current == row)
        {
            newest[contactId] = olderOf(this, row);
        }
        else
        {
            while (current >= 0 && olderOf(this, current) - 1 != row)
            {
                current = olderOf(this, current) - 1;
            }

            if (current >= 0)
            {
                olderOf(this, current) = olderOf(this, row);
            }
        }

        olderOf(this, row) = 0;
    }

    private void OldestFirst(int newest, List<int> rows, Func<FakeCiviCrm, int, int> olderOf)
    {
        rows.Clear();
        for (var row = newest - 1; row >= 0; row = olderOf(this, row) - 1)
        {
            rows.Add(row);
        }

        rows.Reverse();
    }

    private void Count(string operation)
    {
        _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        if (_faults.TryDequeue(out var fault))
        {
            throw fault;
        }
    }

    private IdMap<byte> GroupMembers(string group)
    {
        if (!_groups.TryGetValue(group, out var members))
        {
            members = new IdMap<byte>();
            _groups[group] = members;
        }

        return members;
    }

    private IdMap<byte> TagMembers(string tag)
    {
        if (!_tags.TryGetValue(tag, out var members))
        {
            members = new IdMap<byte>();
            _tags[tag] = members;
        }

        return members;
    }

    private bool Exists(long id) =>
        id >= 1 && id <= _contacts.Count ? _contacts[(int)(id - 1)].Kind != ContactKind.Moved : _otherContacts.ContainsKey(id);

    // The smallest contact id above `after`, or null.
    private long? NextContactId(long after)
    {
        long? dense = null;
        for (var row = (int)Math.Clamp(after, 0, _contacts.Count); row < _contacts.Count; row++)
        {
            if (_contacts[row].Kind != ContactKind.Moved)
            {
                dense = row + 1L;
                break;
            }
        }

        if (_otherContacts.Count == 0)
        {
            return dense;
        }

        var keys = _otherContacts.Keys;
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (keys[mid] > after)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo < keys.Count && (dense is not long d || keys[lo] < d) ? keys[lo] : dense;
    }

    // The contact as stored (links as given), without the links of the store.
    private Contact ContactAt(long id)
    {
        if (id >= 1 && id <= _contacts.Count && _contacts[(int)(id - 1)].Kind != ContactKind.Moved)
        {
            return _contacts[(int)(id - 1)].Kind == ContactKind.Whole ? _wholeContacts[(int)(id - 1)] : PlainContact(id, []);
        }

        return _otherContacts[id];
    }

    private Contact PlainContact(long id, AccountLink[] links)
    {
        ref var row = ref _contacts[(int)(id - 1)];
        var (firstName, lastName, email) = (_texts[row.FirstName], _texts[row.LastName], _texts[row.Email]);
        return new Contact
        {
            Id = id,
            FirstName = firstName,
            LastName = lastName,
            DisplayName = DisplayName(firstName, lastName, email),
            Email = email,
            Links = links,
        };
    }

    private Contact ContactWithLinks(long id)
    {
        var links = LinksOf(id);
        return id >= 1 && id <= _contacts.Count && _contacts[(int)(id - 1)].Kind == ContactKind.Plain
            ? PlainContact(id, links)
            : ContactAt(id) with { Links = links };
    }

    private bool IsPending(TriggerSourceContext context, long id) =>
        IsPending(context.Trigger, id)
        && !(context.KeepMembers && context.History is { } history && IsPending(history, id))
        && (context.RequireIn is not { } requireIn || IsMember(requireIn, id))
        && (context.RequireNotIn is not { } requireNotIn || !IsMember(requireNotIn, id));

    private bool IsMember(TriggerDefinition set, long id) => set.Kind == TriggerKind.SavedSearch
        ? _savedSearches.TryGetValue(set.Reference, out var predicate) && predicate(ContactAt(id))
        : IsPending(set, id);

    private bool IsPending(TriggerDefinition trigger, long id) => trigger.Kind switch
    {
        TriggerKind.Group => GroupMembers(trigger.Reference)[id] == Added,
        TriggerKind.Tag => TagMembers(trigger.Reference)[id] == Added,
        _ => _savedSearches.TryGetValue(trigger.Reference, out var predicate) && predicate(ContactAt(id))
            && !HasCurrentLink(id),
    };

    private delegate ref int OlderOf(FakeCiviCrm owner, int row);

    private enum ContactKind : byte
    {
        /// <summary>Names and email in the row.</summary>
        Plain,

        /// <summary>The whole record in <see cref="_wholeContacts"/>.</summary>
        Whole,

        /// <summary>AddContact's configure gave the contact of this id another id: no contact has this one.</summary>
        Moved,
    }

    /// <summary>A contact: its names and email as texts (16 bytes and their UTF-8) unless it is kept whole.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct ContactRow
    {
        public int FirstName;
        public int LastName;
        public int Email;
        public ContactKind Kind;
    }

    /// <summary>A UFMatch row (28 bytes); <see cref="Older"/> chains the contact's links (row + 1, 0 = none).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct LinkRow
    {
        public long ContactId;
        public long CmsUserId;
        public int UfName;
        public int Older;
        public bool IsCurrentDomain;
    }

    /// <summary>
    /// An activity (32 bytes): subject (its own) and details (shared when they repeat) as texts, kind and status as
    /// bytes (<see cref="Gone"/> when discarded), the instant as ticks and offset.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct ActivityRow
    {
        public long ContactId;
        public long Ticks;
        public int Subject;
        public int Details;
        public int Older;
        public short OffsetMinutes;
        public byte Kind;
        public byte Status;
    }

    private sealed class Source(FakeCiviCrm owner, TriggerSourceContext context) : ITriggerSource
    {
        public TriggerDefinition Trigger => context.Trigger;

        public async IAsyncEnumerable<IReadOnlyList<Contact>> ReadPendingAsync(int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var lastId = 0L;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                owner.Count("ReadPage");
                var page = new List<Contact>(Math.Clamp(pageSize, 0, 1000));
                lock (owner._gate)
                {
                    for (var id = owner.NextContactId(lastId); id is long current && page.Count < pageSize; id = owner.NextContactId(current))
                    {
                        if (owner.IsPending(context, current))
                        {
                            page.Add(owner.ContactWithLinks(current));
                        }
                    }
                }

                if (page.Count > 0)
                {
                    lastId = page[^1].Id;
                    yield return page;
                }

                if (page.Count < pageSize)
                {
                    yield break;
                }

                await Task.Yield();
            }
        }

        public Task<Contact?> FindPendingAsync(long contactId, CancellationToken cancellationToken = default)
        {
            owner.Count("FindPending");
            lock (owner._gate)
            {
                return Task.FromResult(owner.Exists(contactId) && owner.IsPending(context, contactId) ? owner.ContactWithLinks(contactId) : null);
            }
        }

        public Task<IReadOnlyList<Contact>> FindPendingAmongAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(contactIds);
            owner.Count("FindPendingAmong");
            lock (owner._gate)
            {
                IReadOnlyList<Contact> pending = contactIds.Distinct().Where(id => owner.Exists(id) && owner.IsPending(context, id)).Select(owner.ContactWithLinks).ToArray();
                return Task.FromResult(pending);
            }
        }

        public Task AcknowledgeAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken = default)
        {
            owner.Count("Acknowledge");
            lock (owner._gate)
            {
                foreach (var ack in acknowledgements)
                {
                    if (!context.KeepMembers)
                    {
                        Leave(context.Trigger, ack.ContactId);
                    }

                    if (ack.Disposition == TriggerDisposition.Completed && context.History is { } history)
                    {
                        Join(history, ack.ContactId);
                    }
                }
            }

            return Task.CompletedTask;
        }

        private void Leave(TriggerDefinition trigger, long contactId)
        {
            if (trigger.Kind == TriggerKind.Group)
            {
                owner.GroupMembers(trigger.Reference)[contactId] = Removed;
            }
            else if (trigger.Kind == TriggerKind.Tag)
            {
                owner.TagMembers(trigger.Reference)[contactId] = 0;
            }
        }

        private void Join(TriggerDefinition history, long contactId)
        {
            if (history.Kind == TriggerKind.Group)
            {
                owner.GroupMembers(history.Reference)[contactId] = Added;
            }
            else if (history.Kind == TriggerKind.Tag)
            {
                owner.TagMembers(history.Reference)[contactId] = Added;
            }
        }
    }
}
