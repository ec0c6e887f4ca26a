using System.Collections.Concurrent;

namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// An in-memory CMS: accounts with case-insensitive unique usernames and emails, roles, a mail log,
/// and failure injection. For engine tests and demos. Thread-safe.
/// </summary>
/// <remarks>
/// Look-ups by id, username and email go through indexes (no scans), and an account without extra fields shares
/// one empty dictionary, so 100,000 accounts stay small and fast (docs/testing.md, "The kit at scale").
/// </remarks>
public sealed class FakeCmsAccountProvider : ICmsAccountProvider
{
    private readonly object _gate = new();
    private const long FirstId = 100;

    // Account id FirstId + N is row N (ids are given in order and never reused).
    private readonly ChunkedRows<FakeProviderAccount> _accounts = new();
    private readonly RowIndex<string> _byUsername;
    private readonly RowIndex<string> _byEmail;
    private readonly ChunkedRows<Mail> _mails = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<CmsProviderException>> _createFailures = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<CmsProviderException> _nextFailures = new();
    private long _nextId = FirstId;

    /// <summary>Creates the provider.</summary>
    /// <param name="capabilities">What it claims to support.</param>
    /// <param name="rules">Its username rules; <see cref="UsernameRules.Default"/> when null.</param>
    public FakeCmsAccountProvider(CmsCapabilities capabilities = CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.OneTimeLoginLink | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock, UsernameRules? rules = null)
    {
        Capabilities = capabilities;
        UsernameRules = rules ?? UsernameRules.Default;
        _byUsername = new RowIndex<string>(row => _accounts[row].Username, StringComparer.OrdinalIgnoreCase);
        _byEmail = new RowIndex<string>(row => _accounts[row].Email, StringComparer.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public string Name => "InMemory";

    /// <inheritdoc />
    public UsernameRules UsernameRules { get; }

    /// <inheritdoc />
    public CmsCapabilities Capabilities { get; }

    /// <summary>Called inside <see cref="CreateAsync"/> before the account is stored; a test can await a gate here.</summary>
    public Func<NewCmsAccount, Task>? BeforeCreate { get; set; }

    /// <summary>Called after an account is stored (e.g. to link it like the CMS's CiviCRM plugin does).</summary>
    public Action<FakeProviderAccount>? AfterCreate { get; set; }

    /// <summary>All accounts.</summary>
    public IReadOnlyList<FakeProviderAccount> Accounts
    {
        get
        {
            lock (_gate)
            {
                var all = new FakeProviderAccount[_accounts.Count];
                for (var row = 0; row < all.Length; row++)
                {
                    all[row] = _accounts[row];
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
                    all[i] = (_mails[i].Reset ? "reset:" : "notify:") + _mails[i].Email;
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
        lock (_gate)
        {
            var account = new FakeProviderAccount(_nextId++, username, email) { Roles = [.. roles] };
            Store(account);
            return account;
        }
    }

    /// <summary>Makes every create for this email fail with the exception the factory returns.</summary>
    public void FailCreateFor(string email, Func<CmsProviderException> failure) => _createFailures[email] = failure;

    /// <summary>Stops failing creates for this email.</summary>
    public void StopFailingCreateFor(string email) => _createFailures.TryRemove(email, out _);

    /// <summary>Makes the next CMS call (any operation) fail.</summary>
    public void FailNext(CmsProviderException failure) => _nextFailures.Enqueue(failure);

    /// <summary>A transient failure as a provider would throw it.</summary>
    public static CmsProviderException Transient(string message = "HTTP 503 Service Unavailable") =>
        new("InMemory", CmsErrorReason.Unavailable, message) { StatusCode = 503 };

    /// <summary>A permanent failure as a provider would throw it.</summary>
    public static CmsProviderException Permanent(string message = "The CMS refused the data.") =>
        new("InMemory", CmsErrorReason.InvalidData, message) { StatusCode = 400 };

    /// <inheritdoc />
    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        Enter("FindByEmail");
        lock (_gate)
        {
            return Task.FromResult(At(_byEmail.Find(email))?.ToAccount());
        }
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        Enter("FindByUsername");
        lock (_gate)
        {
            return Task.FromResult(At(_byUsername.Find(username))?.ToAccount());
        }
    }

    /// <inheritdoc />
    public Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        Enter("GetById");
        lock (_gate)
        {
            return Task.FromResult(ById(userId)?.ToAccount());
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

        FakeProviderAccount created;
        lock (_gate)
        {
            if (_byUsername.Find(account.Username) >= 0)
            {
                throw new CmsProviderException(Name, CmsErrorReason.DuplicateUsername, $"The username {account.Username} is taken.") { StatusCode = 409 };
            }

            if (_byEmail.Find(account.Email) >= 0)
            {
                throw new CmsProviderException(Name, CmsErrorReason.DuplicateEmail, $"The email {account.Email} is used.") { StatusCode = 409 };
            }

            if (account.Password is null && !Capabilities.HasFlag(CmsCapabilities.CreateWithoutPassword))
            {
                throw new CmsProviderException(Name, CmsErrorReason.InvalidData, "A password is required.") { StatusCode = 400 };
            }

            created = new FakeProviderAccount(_nextId++, account.Username, account.Email)
            {
                Roles = [.. account.Roles],
                HasPassword = account.Password is not null,
                FirstName = account.FirstName,
                LastName = account.LastName,
                Language = account.Language,
                Active = account.Active,
                Fields = account.Fields.Count == 0 ? FakeProviderAccount.NoFields : new Dictionary<string, string>(account.Fields),
                ContactId = account.ContactId,
            };
            Store(created);
            if (account.Notify)
            {
                _mails.Add(new Mail(account.Email, Reset: false));
            }
        }

        AfterCreate?.Invoke(created);
        return created.ToAccount();
    }

    /// <inheritdoc />
    public Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId);
        ArgumentNullException.ThrowIfNull(roles);
        Enter("AddRoles");
        lock (_gate)
        {
            var target = Find(account.UserId);
            foreach (var role in roles.Where(r => !target.Roles.Contains(r)))
            {
                target.Roles.Add(role);
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
            Find(account.UserId).Roles.RemoveAll(roles.Contains);
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
            _mails.Add(new Mail(Find(account.UserId).Email, Reset: true));
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
            Find(account.UserId).Active = false;
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
            Find(account.UserId).Active = true;
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
            var target = Find(account.UserId);
            return Task.FromResult<Uri?>(new Uri($"https://cms.invalid/login/{target.Id}/{Guid.NewGuid():N}"));
        }
    }

    /// <inheritdoc />
    public Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new ConnectivityReport("InMemory CMS", true, [new ConnectivityCheck("reachable", true, "in memory")]));

    private void Store(FakeProviderAccount account)
    {
        var row = _accounts.Add(account);
        _byUsername.TryAdd(account.Username, row);
        _byEmail.TryAdd(account.Email, row);
    }

    private FakeProviderAccount? At(int row) => row >= 0 ? _accounts[row] : null;

    private FakeProviderAccount? ById(long id) => id >= FirstId && id - FirstId < _accounts.Count ? _accounts[(int)(id - FirstId)] : null;

    private FakeProviderAccount Find(long id) =>
        ById(id) ?? throw new CmsProviderException(Name, CmsErrorReason.NotFound, $"There is no user with id {id}.") { StatusCode = 404 };

    /// <summary>A mail of the log: the address (shared with the account) and which mail; the text is built when read.</summary>
    private readonly record struct Mail(string Email, bool Reset);

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

    /// <summary>The fields of an account that has none, shared by all of them.</summary>
    internal static IReadOnlyDictionary<string, string> NoFields { get; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    internal CmsAccount ToAccount() => new(Id, Username, Email) { IsActive = Active, Roles = Roles.ToArray() };
}
