using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// An in-memory stand-in for the CiviCRM side (trigger sources, contact directory, activities, links),
/// for engine tests and demos that do not need HTTP. Thread-safe. Counts calls per operation so tests
/// can assert bulk behaviour.
/// </summary>
public sealed class FakeCiviCrm : ITriggerSourceFactory, IContactDirectory, IActivityRecorder, IAccountLinkStore
{
    private readonly object _gate = new();
    private readonly Dictionary<long, Contact> _contacts = [];
    private readonly SortedSet<long> _contactIds = [];
    private readonly Dictionary<string, Dictionary<long, string>> _groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, HashSet<long>> _tags = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Func<Contact, bool>> _savedSearches = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<AccountLink> _links = [];
    private readonly Dictionary<long, List<int>> _linksByContact = [];
    private readonly Dictionary<long, int> _currentLinkByUser = [];
    private readonly List<ActivityEntry> _activities = [];
    private readonly Dictionary<long, List<ActivityEntry>> _activitiesByContact = [];
    private readonly Dictionary<long, int> _activityAt = [];
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Exception> _faults = new();
    private long _nextContactId = 1;
    private long _lastActivityId;

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
                return _activities.ToArray();
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
                return _links.ToArray();
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
            var contact = new Contact
            {
                Id = _nextContactId++,
                FirstName = firstName,
                LastName = lastName,
                DisplayName = string.Join(' ', new[] { firstName, lastName }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } d ? d : email,
                Email = email,
            };
            contact = configure?.Invoke(contact) ?? contact;
            _contacts[contact.Id] = contact;
            _contactIds.Add(contact.Id);
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
                members[id] = "Added";
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
                members[id] = "Removed";
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
                members.Add(id);
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
            StoreLink(link);
        }
    }

    /// <summary>Adds a past activity (e.g. earlier failed attempts).</summary>
    public void AddActivity(ActivityEntry entry)
    {
        lock (_gate)
        {
            Store(entry with { Id = ++_lastActivityId });
        }
    }

    /// <summary>The group status of a contact (<c>Added</c>, <c>Removed</c>) or <see langword="null"/>.</summary>
    public string? GroupStatus(string group, long contactId)
    {
        lock (_gate)
        {
            return GroupMembers(group).TryGetValue(contactId, out var status) ? status : null;
        }
    }

    /// <summary>Whether a contact has a tag.</summary>
    public bool HasTag(string tag, long contactId)
    {
        lock (_gate)
        {
            return TagMembers(tag).Contains(contactId);
        }
    }

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
            IReadOnlyList<Contact> found = contactIds.Where(_contacts.ContainsKey).Select(id => WithLinks(_contacts[id])).ToArray();
            return Task.FromResult(found);
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
                // An entry with an id completes that (Scheduled) record; a record removed meanwhile is written anew.
                if (entry.Id is long id && _activityAt.TryGetValue(id, out var at))
                {
                    _activities[at] = entry;
                    var list = _activitiesByContact[entry.ContactId];
                    list[list.FindIndex(a => a.Id == id)] = entry;
                }
                else
                {
                    Store(entry with { Id = ++_lastActivityId });
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
            IReadOnlyDictionary<long, int> result = requests.ToDictionary(
                r => r.ContactId,
                r => _activitiesByContact.TryGetValue(r.ContactId, out var list)
                    ? list.Count(a => a.Kind == kind && a.Status == ActivityOutcomeStatus.Failed && a.OccurredAt >= r.Since)
                    : 0);
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
    {
        Count("OpenActivities");
        lock (_gate)
        {
            var ids = new List<long>(entries.Count);
            foreach (var entry in entries)
            {
                var stored = entry with { Id = ++_lastActivityId };
                Store(stored);
                ids.Add(stored.Id!.Value);
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
            IReadOnlyList<AuditRecord> found = contactIds
                .SelectMany(id => _activitiesByContact.TryGetValue(id, out var list) ? list : [])
                .Where(a => a.Kind == kind && a.Status is ActivityOutcomeStatus.Completed or ActivityOutcomeStatus.Scheduled)
                .Select(a => new AuditRecord(a.Id ?? 0, a.ContactId, a.Status, a.Subject))
                .ToArray();
            return Task.FromResult(found);
        }
    }

    /// <inheritdoc />
    public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        Count("DiscardActivities");
        lock (_gate)
        {
            // Only records still Scheduled, as the CiviCRM recorder does.
            var doomed = ids.Distinct().Where(_activityAt.ContainsKey).Select(id => _activities[_activityAt[id]])
                .Where(a => a.Status == ActivityOutcomeStatus.Scheduled).ToList();
            if (doomed.Count > 0)
            {
                var doomedIds = doomed.Select(a => a.Id!.Value).ToHashSet();
                _activities.RemoveAll(a => a.Id is long id && doomedIds.Contains(id));
                foreach (var contactId in doomed.Select(a => a.ContactId).Distinct())
                {
                    _activitiesByContact[contactId].RemoveAll(a => a.Id is long id && doomedIds.Contains(id));
                }

                _activityAt.Clear();
                for (var i = 0; i < _activities.Count; i++)
                {
                    if (_activities[i].Id is long id)
                    {
                        _activityAt[id] = i;
                    }
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
            IReadOnlyList<AccountLink> found = contactIds.Distinct().SelectMany(LinksOf).ToArray();
            return Task.FromResult(found);
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

                var byUser = _currentLinkByUser.GetValueOrDefault(request.CmsUserId, -1);
                var contactTaken = LinksOf(request.ContactId).Any(l => l.IsCurrentDomain && l.CmsUserId != request.CmsUserId);
                if (byUser >= 0 && _links[byUser].ContactId == request.ContactId)
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.AlreadyExisted));
                }
                else if (contactTaken)
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.Failed, "DB Error: already exists"));
                }
                else if (byUser >= 0 && !request.AccountCreatedNow)
                {
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.HeldByOtherContact, PreviousContactId: _links[byUser].ContactId));
                }
                else if (byUser >= 0)
                {
                    var previous = _links[byUser].ContactId;
                    _links[byUser] = new AccountLink(request.ContactId, request.CmsUserId, request.UfName);
                    _linksByContact[previous].Remove(byUser);
                    IndexOf(request.ContactId).Add(byUser);
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.Repaired, PreviousContactId: previous));
                }
                else
                {
                    StoreLink(new AccountLink(request.ContactId, request.CmsUserId, request.UfName));
                    results.Add(new AccountLinkResult(request, AccountLinkResultKind.Created));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<AccountLinkResult>>(results);
    }

    private void StoreLink(AccountLink link)
    {
        _links.Add(link);
        var index = _links.Count - 1;
        IndexOf(link.ContactId).Add(index);
        if (link.IsCurrentDomain)
        {
            _currentLinkByUser.TryAdd(link.CmsUserId, index);
        }
    }

    private List<int> IndexOf(long contactId)
    {
        if (!_linksByContact.TryGetValue(contactId, out var indexes))
        {
            indexes = [];
            _linksByContact[contactId] = indexes;
        }

        return indexes;
    }

    private IEnumerable<AccountLink> LinksOf(long contactId) =>
        _linksByContact.TryGetValue(contactId, out var indexes) ? indexes.Order().Select(i => _links[i]) : [];

    private void Store(ActivityEntry entry)
    {
        _activities.Add(entry);
        if (entry.Id is long id)
        {
            _activityAt[id] = _activities.Count - 1;
        }

        if (!_activitiesByContact.TryGetValue(entry.ContactId, out var list))
        {
            list = [];
            _activitiesByContact[entry.ContactId] = list;
        }

        list.Add(entry);
    }

    private void Count(string operation)
    {
        _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        if (_faults.TryDequeue(out var fault))
        {
            throw fault;
        }
    }

    private Dictionary<long, string> GroupMembers(string group)
    {
        if (!_groups.TryGetValue(group, out var members))
        {
            members = [];
            _groups[group] = members;
        }

        return members;
    }

    private HashSet<long> TagMembers(string tag)
    {
        if (!_tags.TryGetValue(tag, out var members))
        {
            members = [];
            _tags[tag] = members;
        }

        return members;
    }

    private Contact WithLinks(Contact contact) => contact with { Links = LinksOf(contact.Id).ToArray() };

    private bool IsPending(TriggerSourceContext context, Contact contact) =>
        IsPending(context.Trigger, contact)
        && !(context.KeepMembers && context.History is { } history && IsPending(history, contact))
        && (context.RequireIn is not { } requireIn || IsMember(requireIn, contact))
        && (context.RequireNotIn is not { } requireNotIn || !IsMember(requireNotIn, contact));

    private bool IsMember(TriggerDefinition set, Contact contact) => set.Kind == TriggerKind.SavedSearch
        ? _savedSearches.TryGetValue(set.Reference, out var predicate) && predicate(contact)
        : IsPending(set, contact);

    private bool IsPending(TriggerDefinition trigger, Contact contact) => trigger.Kind switch
    {
        TriggerKind.Group => GroupMembers(trigger.Reference).TryGetValue(contact.Id, out var status) && status == "Added",
        TriggerKind.Tag => TagMembers(trigger.Reference).Contains(contact.Id),
        _ => _savedSearches.TryGetValue(trigger.Reference, out var predicate) && predicate(contact)
            && !LinksOf(contact.Id).Any(l => l.IsCurrentDomain),
    };

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
                Contact[] page;
                lock (owner._gate)
                {
                    page = owner._contactIds.GetViewBetween(lastId + 1, long.MaxValue).Select(id => owner._contacts[id])
                        .Where(c => owner.IsPending(context, c)).Take(pageSize).Select(owner.WithLinks).ToArray();
                }

                if (page.Length > 0)
                {
                    lastId = page[^1].Id;
                    yield return page;
                }

                if (page.Length < pageSize)
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
                return Task.FromResult(owner._contacts.TryGetValue(contactId, out var c) && owner.IsPending(context, c) ? owner.WithLinks(c) : null);
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
                owner.GroupMembers(trigger.Reference)[contactId] = "Removed";
            }
            else if (trigger.Kind == TriggerKind.Tag)
            {
                owner.TagMembers(trigger.Reference).Remove(contactId);
            }
        }

        private void Join(TriggerDefinition history, long contactId)
        {
            if (history.Kind == TriggerKind.Group)
            {
                owner.GroupMembers(history.Reference)[contactId] = "Added";
            }
            else if (history.Kind == TriggerKind.Tag)
            {
                owner.TagMembers(history.Reference).Add(contactId);
            }
        }
    }
}
