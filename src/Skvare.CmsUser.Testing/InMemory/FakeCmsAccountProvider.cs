using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// An in-memory CMS: accounts with case-insensitive unique usernames and emails, roles, a mail log,
/// and failure injection. For engine tests and demos. Thread-safe.
/// </summary>
/// <remarks>
/// Look-ups by id, username and email go through indexes (no scans), and an account is a compact row (its texts as
/// UTF-8, its roles a shared set) until a test is handed it as a <see cref="FakeProviderAccount"/> (by
/// <see cref="AddAccount"/>, <see cref="AfterCreate"/> or <see cref="Accounts"/>): from then on that object is the
/// account, so a change made to it is what the CMS sees, and a change the CMS makes shows in it. 100,000 accounts
/// stay small and fast (docs/testing.md, "The kit at scale").
/// </remarks>
public sealed class FakeCmsAccountProvider : ICmsAccountProvider
{
    private readonly object _gate = new();
    private const long FirstId = 100;

    // Account id FirstId + N is row N (ids are given in order and never reused). A row handed out as an object is in
    // _handedOut, and the object is the account from then on.
    private readonly ChunkedRows<AccountRow> _accounts = new();
    private readonly Dictionary<int, FakeProviderAccount> _handedOut = [];
    private readonly TextArena _texts = new();
    private readonly RoleSets _roleSets = new();
    private readonly List<IReadOnlyDictionary<string, string>> _fields = [];
    private readonly RowIndex<string> _byUsername;
    private readonly RowIndex<string> _byEmail;
    private readonly ChunkedRows<Mail> _mails = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<CmsProviderException>> _createFailures = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<CmsProviderException> _nextFailures = new();
    private readonly ConcurrentDictionary<string, string> _mailFailures = new(StringComparer.OrdinalIgnoreCase);
    private long _nextId = FirstId;

    /// <summary>Creates the provider.</summary>
    /// <param name="capabilities">What it claims to support.</param>
    /// <param name="rules">Its username rules; <see cref="UsernameRules.Default"/> when null.</param>
    public FakeCmsAccountProvider(CmsCapabilities capabilities = CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.OneTimeLoginLink | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock, UsernameRules? rules = null)
    {
        Capabilities = capabilities;
        UsernameRules = rules ?? UsernameRules.Default;
        _byUsername = new RowIndex<string>(
            key => string.GetHashCode(key, StringComparison.OrdinalIgnoreCase),
            row => _texts.HashCode(_accounts[row].Username, StringComparison.OrdinalIgnoreCase),
            (row, key) => _texts.Equals(_accounts[row].Username, key, StringComparison.OrdinalIgnoreCase));
        _byEmail = new RowIndex<string>(
            key => string.GetHashCode(key, StringComparison.OrdinalIgnoreCase),
            row => _texts.HashCode(_accounts[row].Email, StringComparison.OrdinalIgnoreCase),
            (row, key) => _texts.Equals(_accounts[row].Email, key, StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc />
    public string Name => "InMemory";

    /// <summary>
    /// The clock that dates each account as it is stored (<see cref="CmsAccount.CreatedAt"/>, as WordPress's
    /// <c>registered_date</c> does), or <see langword="null"/> (the default) for a CMS that does not say when an account
    /// was created. Give it the host's <c>FakeTimeProvider</c> to test the recovery of an account a stopped run created.
    /// </summary>
    public TimeProvider? Clock { get; set; }

    /// <inheritdoc />
    public UsernameRules UsernameRules { get; }

    /// <inheritdoc />
    public CmsCapabilities Capabilities { get; }

    /// <summary>Called inside <see cref="CreateAsync"/> before the account is stored; a test can await a gate here.</summary>
    public Func<NewCmsAccount, Task>? BeforeCreate { get; set; }

    /// <summary>
    /// Called after an account is stored (e.g. to link it like the CMS's CiviCRM plugin does); the account it is given
    /// is the stored one (a role added to it is a role of the account).
    /// </summary>
    public Action<FakeProviderAccount>? AfterCreate { get; set; }

    /// <summary>
    /// Called when <see cref="FindByEmailAsync"/> found an account, before it is returned (e.g. another process links the
    /// account to a contact meanwhile).
    /// </summary>
    public Action<CmsAccount>? AfterFindByEmail { get; set; }

    /// <summary>
    /// Decides what <see cref="CreateOneTimeLoginLinkAsync"/> answers: given the account and the link the fake made, it
    /// returns the link to answer with, <see langword="null"/> (a CMS that offers none for this account), or throws (a
    /// CMS that fails, e.g. <see cref="Transient"/>). Unset: the link the fake made.
    /// </summary>
    public Func<CmsAccount, Uri, Uri?>? LoginLinkAnswer { get; set; }

    /// <summary>
    /// Called when <see cref="AddRolesAsync"/> is about to change an account: a save of the user, on which CiviCRM's own
    /// CMS plugin links the user to a contact with its email when the user has no link yet.
    /// </summary>
    public Action<CmsAccount>? BeforeAddRoles { get; set; }

    /// <summary>All accounts, as the stored objects (see the remarks: reading them makes every row an object).</summary>
    public IReadOnlyList<FakeProviderAccount> Accounts
    {
        get
        {
            lock (_gate)
            {
                var all = new FakeProviderAccount[_accounts.Count];
                for (var row = 0; row < all.Length; row++)
                {
                    all[row] = HandOut(row);
                }

                return all;
            }
        }
    }

    /// <summary>Mails the CMS "sent", e.g. <c>reset:ana@example.org</c>, <c>notify:ana@example.org</c>.</summary>
    public IReadOnlyList<string> Mails
    {
        get
        {
            lock (_gate)
            {
                var all = new string[_mails.Count];
                for (var i = 0; i < all.Length; i++)
                {
                    all[i] = (_mails[i].Reset ? "reset:" : "notify:") + _texts[_mails[i].Email];
                }

                return all;
            }
        }
    }

    /// <summary>Calls per operation (e.g. <c>Create</c>, <c>FindByEmail</c>).</summary>
    public IReadOnlyDictionary<string, int> Calls => _calls;

    /// <summary>Adds an existing account.</summary>
    public FakeProviderAccount AddAccount(string username, string email, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(roles);
        lock (_gate)
        {
            var row = Store(new NewCmsAccount { Username = username, Email = email, Roles = roles, Active = true });
            return HandOut(row);
        }
    }

    /// <summary>Makes every create for this email fail with the exception the factory returns.</summary>
    public void FailCreateFor(string email, Func<CmsProviderException> failure) => _createFailures[email] = failure;

    /// <summary>
    /// Makes the new-account email of a create for this email fail, as a site whose mail system fails: the account is
    /// created, no mail is recorded, and the created account says <see cref="CmsNotification.Failed"/> with
    /// <paramref name="reason"/> (<see cref="CmsNotificationFailure.MailRefused"/>).
    /// </summary>
    /// <param name="email">The email address of the account.</param>
    /// <param name="reason">What the site says went wrong (any text).</param>
    public void FailMailFor(string email, string reason)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(reason);
        _mailFailures[email] = reason;
    }

    /// <summary>Stops failing creates for this email.</summary>
    public void StopFailingCreateFor(string email) => _createFailures.TryRemove(email, out _);

    /// <summary>Makes the next CMS call (any operation) fail.</summary>
    public void FailNext(CmsProviderException failure) => _nextFailures.Enqueue(failure);

    /// <summary>A transient failure as a provider would throw it.</summary>
    public static CmsProviderException Transient(string message = "HTTP 503 Service Unavailable") =>
        new("InMemory", CmsErrorReason.Unavailable, message, statusCode: 503);

    /// <summary>A permanent failure as a provider would throw it.</summary>
    public static CmsProviderException Permanent(string message = "The CMS refused the data.") =>
        new("InMemory", CmsErrorReason.InvalidData, message, statusCode: 400);

    /// <inheritdoc />
    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        Enter("FindByEmail");
        CmsAccount? found;
        lock (_gate)
        {
            found = AccountAt(_byEmail.Find(email));
        }

        if (found is not null)
        {
            AfterFindByEmail?.Invoke(found);
        }

        return Task.FromResult(found);
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        Enter("FindByUsername");
        lock (_gate)
        {
            return Task.FromResult(AccountAt(_byUsername.Find(username)));
        }
    }

    /// <inheritdoc />
    public Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        Enter("GetById");
        lock (_gate)
        {
            return Task.FromResult(AccountAt(RowOf(userId)));
        }
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentException.ThrowIfNullOrWhiteSpace(account.Username, nameof(account));
        ArgumentException.ThrowIfNullOrWhiteSpace(account.Email, nameof(account));
        Enter("Create");
        if (_createFailures.TryGetValue(account.Email, out var failure))
        {
            throw failure();
        }

        if (BeforeCreate is { } before)
        {
            await before(account).ConfigureAwait(false);
        }

        var after = AfterCreate;
        FakeProviderAccount? created = null;
        CmsAccount? result = null;
        int row;
        CmsNotification notification;
        string? notificationFailure;
        lock (_gate)
        {
            if (_byUsername.Find(account.Username) >= 0)
            {
                throw new CmsProviderException(Name, CmsErrorReason.DuplicateUsername, $"The username {account.Username} is taken.", statusCode: 409);
            }

            if (_byEmail.Find(account.Email) >= 0)
            {
                throw new CmsProviderException(Name, CmsErrorReason.DuplicateEmail, $"The email {account.Email} is used.", statusCode: 409);
            }

            if (account.Password is null && !Capabilities.HasFlag(CmsCapabilities.CreateWithoutPassword))
            {
                throw new CmsProviderException(Name, CmsErrorReason.InvalidData, "A password is required.", statusCode: 400);
            }

            row = Store(account);
            var mailFailure = account.Notify && _mailFailures.TryGetValue(account.Email, out var reason) ? reason : null;
            if (account.Notify && mailFailure is null)
            {
                _mails.Add(new Mail(_accounts[row].Email, Reset: false));
            }

            notification = !account.Notify ? CmsNotification.NotRequested : mailFailure is null ? CmsNotification.Sent : CmsNotification.Failed;
            notificationFailure = mailFailure;

            if (after is null)
            {
                result = AccountAt(row);
            }
            else
            {
                created = HandOut(row);
            }
        }

        if (after is not null)
        {
            after(created!);
            lock (_gate)
            {
                result = AccountAt(row);
            }
        }

        return result! with
        {
            Notification = notification,
            NotificationFailure = notificationFailure,
            NotificationFailureReason = notificationFailure is null ? CmsNotificationFailure.Unknown : CmsNotificationFailure.MailRefused,
        };
    }

    /// <inheritdoc />
    public Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId);
        ArgumentNullException.ThrowIfNull(roles);
        Enter("AddRoles");
        BeforeAddRoles?.Invoke(account);
        lock (_gate)
        {
            var row = Find(account.UserId);
            if (_handedOut.TryGetValue(row, out var target))
            {
                foreach (var role in roles.Where(r => !target.Roles.Contains(r)))
                {
                    target.Roles.Add(role);
                }
            }
            else
            {
                var current = _roleSets[_accounts[row].Roles];
                _accounts[row].Roles = _roleSets.Id([.. current, .. roles.Where(r => !current.Contains(r)).Distinct()]);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId);
        ArgumentNullException.ThrowIfNull(roles);
        Enter("RemoveRoles");
        lock (_gate)
        {
            var row = Find(account.UserId);
            if (_handedOut.TryGetValue(row, out var target))
            {
                target.Roles.RemoveAll(roles.Contains);
            }
            else
            {
                _accounts[row].Roles = _roleSets.Id([.. _roleSets[_accounts[row].Roles].Where(r => !roles.Contains(r))]);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        Enter("SendPasswordReset");
        lock (_gate)
        {
            _mails.Add(new Mail(_accounts[Find(account.UserId)].Email, Reset: true));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId);
        Enter("Block");
        lock (_gate)
        {
            SetActive(Find(account.UserId), false);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId);
        Enter("Unblock");
        lock (_gate)
        {
            SetActive(Find(account.UserId), true);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        Enter("LoginLink");
        lock (_gate)
        {
            var row = Find(account.UserId);
            var link = new Uri($"https://cms.invalid/login/{FirstId + row}/{Guid.NewGuid():N}");
            return Task.FromResult(LoginLinkAnswer is { } answer ? answer(account, link) : link);
        }
    }

    /// <inheritdoc />
    public Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new ConnectivityReport("InMemory CMS", true, [new ConnectivityCheck("reachable", true, "in memory")]));

    /// <inheritdoc />
    /// <remarks>Counted as <c>CheckCredentials</c> in <see cref="Calls"/>; <see cref="FailNext"/> makes it fail with that exception's kind.</remarks>
    public Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Enter("CheckCredentials");
            return Task.FromResult(new ConnectivityCheck("Credentials", true, "in memory"));
        }
        catch (CmsProviderException ex)
        {
            return Task.FromResult(ConnectivityCheck.Failed("Credentials", ex));
        }
    }

    // Stores the account under the next id; returns its row.
    private int Store(NewCmsAccount account)
    {
        var flags = (account.Active ? AccountFlags.Active : 0) | (account.Password is not null ? AccountFlags.HasPassword : 0)
            | (account.ContactId is not null ? AccountFlags.HasContactId : 0);
        var fields = 0;
        if (account.Fields.Count > 0)
        {
            _fields.Add(new Dictionary<string, string>(account.Fields));
            fields = _fields.Count;
        }

        var row = _accounts.Add(new AccountRow
        {
            Username = _texts.Add(account.Username),
            Email = _texts.Add(account.Email),
            FirstName = _texts.Add(account.FirstName),
            LastName = _texts.Add(account.LastName),
            Language = _texts.Add(account.Language),
            Roles = _roleSets.Id(account.Roles),
            Fields = fields,
            ContactId = account.ContactId ?? 0,
            Flags = flags,
            CreatedTicks = Clock is { } clock ? clock.GetUtcNow().UtcTicks : 0,
        });
        _nextId++;
        _byUsername.TryAdd(account.Username, row);
        _byEmail.TryAdd(account.Email, row);
        return row;
    }

    // The row as an object, kept from now on as the account (a test may hold it and change it).
    private FakeProviderAccount HandOut(int row)
    {
        if (!_handedOut.TryGetValue(row, out var account))
        {
            ref var a = ref _accounts[row];
            account = new FakeProviderAccount(FirstId + row, _texts[a.Username]!, _texts[a.Email]!)
            {
                Roles = [.. _roleSets[a.Roles]],
                HasPassword = (a.Flags & AccountFlags.HasPassword) != 0,
                FirstName = _texts[a.FirstName],
                LastName = _texts[a.LastName],
                Language = _texts[a.Language],
                Active = (a.Flags & AccountFlags.Active) != 0,
                Fields = a.Fields == 0 ? FakeProviderAccount.NoFields : _fields[a.Fields - 1],
                ContactId = (a.Flags & AccountFlags.HasContactId) != 0 ? a.ContactId : null,
                CreatedAt = CreatedAt(a.CreatedTicks),
            };
            _handedOut.Add(row, account);
        }

        return account;
    }

    // What a provider answers for the account at `row` (null for -1).
    private CmsAccount? AccountAt(int row)
    {
        if (row < 0)
        {
            return null;
        }

        if (_handedOut.TryGetValue(row, out var account))
        {
            return account.ToAccount();
        }

        ref var a = ref _accounts[row];
        return new CmsAccount(FirstId + row, _texts[a.Username], _texts[a.Email]) { IsActive = (a.Flags & AccountFlags.Active) != 0, Roles = _roleSets[a.Roles], CreatedAt = CreatedAt(a.CreatedTicks) };
    }

    // A row's creation date (UTC ticks; 0: stored without a clock).
    private static DateTimeOffset? CreatedAt(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    private void SetActive(int row, bool active)
    {
        if (_handedOut.TryGetValue(row, out var account))
        {
            account.Active = active;
        }
        else
        {
            _accounts[row].Flags = active ? _accounts[row].Flags | AccountFlags.Active : _accounts[row].Flags & ~AccountFlags.Active;
        }
    }

    private int RowOf(long id) => id >= FirstId && id - FirstId < _accounts.Count ? (int)(id - FirstId) : -1;

    private int Find(long id) => RowOf(id) is var row and >= 0
        ? row
        : throw new CmsProviderException(Name, CmsErrorReason.NotFound, $"There is no user with id {id}.", statusCode: 404);

    /// <summary>A mail of the log: the address (the account's text) and which mail; the text is built when read.</summary>
    private readonly record struct Mail(int Email, bool Reset);

    [Flags]
    private enum AccountFlags : byte
    {
        Active = 1,
        HasPassword = 2,
        HasContactId = 4,
    }

    /// <summary>
    /// An account: its texts in the arena, its roles a shared set, its fields (rare) an index into a list (0 for none).
    /// 40 bytes, and the texts' UTF-8.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct AccountRow
    {
        public long ContactId;
        public long CreatedTicks;
        public int Username;
        public int Email;
        public int FirstName;
        public int LastName;
        public int Language;
        public int Roles;
        public int Fields;
        public AccountFlags Flags;
    }

    /// <summary>
    /// Role lists kept once each (most accounts have the roles of their rule), by id; id 0 is no roles. Not
    /// thread-safe.
    /// </summary>
    private sealed class RoleSets
    {
        private readonly List<IReadOnlyList<string>> _sets = [Array.Empty<string>()];
        private readonly Dictionary<string[], int> _ids = new(new Sequence()) { [[]] = 0 };

        public IReadOnlyList<string> this[int id] => _sets[id];

        public int Id(IReadOnlyList<string> roles)
        {
            if (roles.Count == 0)
            {
                return 0;
            }

            var set = roles.ToArray();
            if (!_ids.TryGetValue(set, out var id))
            {
                _sets.Add(Array.AsReadOnly(set));
                id = _sets.Count - 1;
                _ids.Add(set, id);
            }

            return id;
        }

        private sealed class Sequence : IEqualityComparer<string[]>
        {
            public bool Equals(string[]? x, string[]? y) => x.AsSpan().SequenceEqual(y);

            public int GetHashCode(string[] obj)
            {
                var hash = default(HashCode);
                foreach (var role in obj)
                {
                    hash.Add(role, StringComparer.Ordinal);
                }

                return hash.ToHashCode();
            }
        }
    }

    private void Enter(string operation)
    {
        _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        if (_nextFailures.TryDequeue(out var failure))
        {
            throw failure;
        }
    }
}

/// <summary>An account held by <see cref="FakeCmsAccountProvider"/>.</summary>
/// <param name="Id">The user id.</param>
/// <param name="Username">The username.</param>
/// <param name="Email">The email.</param>
public sealed record FakeProviderAccount(long Id, string Username, string Email)
{
    /// <summary>Roles.</summary>
    public List<string> Roles { get; init; } = [];

    /// <summary>Whether a password was set at creation.</summary>
    public bool HasPassword { get; init; }

    /// <summary>First name.</summary>
    public string? FirstName { get; init; }

    /// <summary>Last name.</summary>
    public string? LastName { get; init; }

    /// <summary>Language as received.</summary>
    public string? Language { get; init; }

    /// <summary>Whether the account is active.</summary>
    public bool Active { get; set; } = true;

    /// <summary>Extra fields.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = NoFields;

    /// <summary>The contact id passed at creation.</summary>
    public long? ContactId { get; init; }

    /// <summary>When the account was stored, by <see cref="FakeCmsAccountProvider.Clock"/>; <see langword="null"/> without one.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>The fields of an account that has none, shared by all of them.</summary>
    internal static IReadOnlyDictionary<string, string> NoFields { get; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    internal CmsAccount ToAccount() => new(Id, Username, Email) { IsActive = Active, Roles = Roles.ToArray(), CreatedAt = CreatedAt };
}
