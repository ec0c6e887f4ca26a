using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Standalone;

/// <summary>
/// CiviCRM Standalone users over API v4 (<c>User</c> and <c>Role</c>), through the CiviCRM package's
/// <see cref="CiviCrmApiClient"/>. A Standalone user row is the contact's UFMatch link, so creating the user
/// links it. The live server accepts duplicate usernames, cuts long ones silently and refuses the reset email
/// only after the user exists; this provider keeps usernames unique (checked before, verified in the create
/// request itself, the newer of two removed), refuses what the mailer would refuse before creating, and removes
/// a new user whose reset email still fails, so a retry starts clean. A created contact costs two requests
/// (create with its check, reset email); look-ups are made once per page (<see cref="ICmsAccountPrefetch"/>).
/// </summary>
public sealed class StandaloneAccountProvider : ICmsAccountProvider, ICmsAccountPrefetch, ICmsRoleCatalog
{
    private const string Cms = "CiviCRM Standalone";
    private const string SameUsername = "same_username";
    private const string FirstMail = "first_mail";
    private const int PrefetchLimit = 2000;
    private static readonly string[] UserFields = ["id", "username", "uf_name", "contact_id", "is_active", "roles:name", "when_created"];

    private readonly CiviCrmApiClient _client;
    private readonly StandaloneOptions _options;
    private readonly ILogger _logger;
    private readonly PageAccountIndex<StandaloneUser> _index;
    private readonly CmsRequestThrottle _throttle;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, byte> _creating = new(StringComparer.OrdinalIgnoreCase);
    private Task<IReadOnlyDictionary<string, long>>? _roles;

    /// <summary>Creates the provider.</summary>
    /// <param name="client">The CiviCRM API client of the same site (registered by <c>AddCiviCrm</c>).</param>
    /// <param name="options">The Standalone options.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock of the page look-ups (system clock when null).</param>
    public StandaloneAccountProvider(CiviCrmApiClient client, IOptions<StandaloneOptions> options, ILogger<StandaloneAccountProvider>? logger = null, TimeProvider? time = null)
        : this(client, options, logger, time, throttle: null, siteSecrets: null)
    {
    }

    /// <summary>Creates the provider with the site's request throttle (<see cref="CmsUserOptions.MaxCmsRequestsPerSecond"/>), as <c>AddStandalone</c> does, and the site's API key and site key (<c>CmsUser:CiviCrm</c>), taken out of the answers this provider quotes in its log.</summary>
    internal StandaloneAccountProvider(CiviCrmApiClient client, IOptions<StandaloneOptions> options, ILogger<StandaloneAccountProvider>? logger, TimeProvider? time, CmsRequestThrottle? throttle, Func<IEnumerable<string?>>? siteSecrets = null)
    {
        _throttle = throttle ?? new CmsRequestThrottle(null);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _index = new PageAccountIndex<StandaloneUser>(_time, u => u.Id, u => u.Email, u => u.Username);
        _secretsOnce = new Lazy<SecretRedactor>(() => new SecretRedactor([.. siteSecrets?.Invoke() ?? [], _options.ActorPassword]));
    }

    private readonly Lazy<SecretRedactor> _secretsOnce;

    /// <summary>The site's and this provider's secrets, for the answers quoted in the log (read once options are validated).</summary>
    private SecretRedactor Redactor => _secretsOnce.Value;

    /// <summary>Usernames: at most 60 characters (the server would cut longer ones), <c>[a-z0-9._@+-]</c>.</summary>
    public static UsernameRules Rules { get; } = new() { MaxLength = 60, MinLength = 2, AllowedPunctuation = "._-@+", AsciiOnly = true, Lowercase = true };

    /// <inheritdoc />
    public string Name => Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules => Rules;

    /// <inheritdoc />
    public CmsCapabilities Capabilities =>
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock;

    /// <summary>
    /// Finds the user with this email. A user that already belongs to a contact is that contact's login (the
    /// user row is its UFMatch link) and is never handed out for linking: the call then throws
    /// <see cref="StandaloneAccountHeldException"/>.
    /// </summary>
    /// <inheritdoc />
    public async Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var user = _index.TryFindByEmail(email, out var known) ? known : await FindOneAsync("uf_name", email, cancellationToken).ConfigureAwait(false);
        if (user?.ContactId is long holder)
        {
            throw Held(user, holder, $"The email {email} belongs to Standalone user {user.Id} ({user.Username}), the login of contact {holder}. On Standalone the user is that contact's link; it is not moved to another contact. Give this contact another email, or merge the two contacts.");
        }

        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        var user = _index.TryFindByUsername(username, out var known) ? known : await FindOneAsync("username", username, cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <summary>
    /// Reads the user by id, with when Standalone created it (<see cref="CmsAccount.CreatedAt"/>, from <c>when_created</c>
    /// read with the site's time zone; unknown while the zone is not known).
    /// </summary>
    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        var user = await FindOneAsync("id", userId, cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user) with { CreatedAt = await CreatedAtAsync(user.WhenCreated, cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>
    /// When Standalone created a user, from its <c>when_created</c>: a MySQL <c>timestamp</c>, which CiviCRM's database
    /// session shows at the site zone's offset of the moment (CiviCRM sets the session's <c>time_zone</c> to that fixed
    /// offset on each request), so it is read back at the zone's offset now. <see langword="null"/> when the text is no
    /// such date or the zone is not known: no date proves nothing, a wrong one could prove too much.
    /// </summary>
    private async Task<DateTimeOffset?> CreatedAtAsync(string? whenCreated, CancellationToken cancellationToken)
    {
        if (!StandaloneDates.IsSiteTime(whenCreated))
        {
            return null;
        }

        try
        {
            return await _client.GetSiteTimeZoneAsync(cancellationToken).ConfigureAwait(false) is { } zone
                ? StandaloneDates.FromSiteTime(whenCreated, zone.GetUtcOffset(_time.GetUtcNow()))
                : null;
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task PrefetchAsync(IReadOnlyCollection<string> emails, IReadOnlyCollection<string> usernames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emails);
        ArgumentNullException.ThrowIfNull(usernames);

        // LIKE wildcards in a name would widen the match: such names are simply looked up one by one later.
        var prefixes = usernames.Where(u => !string.IsNullOrEmpty(u) && u.IndexOfAny(['%', '_', '\\']) < 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var conditions = new List<Api4Condition>();
        if (emails.Count > 0)
        {
            conditions.Add(Api4Condition.In("uf_name", emails));
        }

        conditions.AddRange(prefixes.Select(p => Api4Condition.Field("username", "LIKE", p + "%")));
        if (conditions.Count == 0)
        {
            return;
        }

        var query = new Api4Params { Limit = PrefetchLimit }.WithSelect(UserFields)
            .WithWhere(conditions.Count == 1 ? conditions[0] : Api4Condition.Or([.. conditions]));
        try
        {
            var result = await SendAsync("User", "get", query, cancellationToken).ConfigureAwait(false);
            if (result.Values.Count >= PrefetchLimit)
            {
                // Too many to be sure the page is covered: every question goes to the server.
                _index.Clear();
                return;
            }

            _index.Load(emails, prefixes, UsersOf(result.Values));
        }
        catch (CmsUserException ex)
        {
            // The per-contact look-ups then ask the server, and report the failure themselves.
            _index.Clear();
            Log.PrefetchFailed(_logger, ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);
        if (account.Username.Length > Rules.MaxLength)
        {
            throw Fail(CmsErrorReason.InvalidUsername, $"The username '{account.Username}' is longer than {Rules.MaxLength} characters; Standalone would cut it silently to 57 characters and \"...\".");
        }

        if (!StandaloneEmailRule.IsMailable(account.Email))
        {
            throw Fail(CmsErrorReason.InvalidEmail, $"Standalone would create a user for '{account.Email}' but refuse to mail it (its mailer's address check fails), so no user was created.");
        }

        var sendsMail = account.Notify || account.Password is null || string.IsNullOrEmpty(_options.ActorPassword);
        if (sendsMail && account.ContactId is null)
        {
            throw Fail(CmsErrorReason.InvalidData, "Standalone sends no reset email to a user without a contact; give the account a contact.");
        }

        // Within this process one create per username at a time; the engine reserves names before it gets here.
        if (!_creating.TryAdd(account.Username, 0))
        {
            throw Fail(CmsErrorReason.DuplicateUsername, $"The username '{account.Username}' is being created for another contact right now.");
        }

        try
        {
            var (user, mailed) = await CreateCheckedAsync(account, sendsMail, cancellationToken).ConfigureAwait(false);
            if (sendsMail && mailed is null)
            {
                // The user exists: its first mail (and the removal when the mail is refused) is part of its set-up.
                await SendFirstMailAsync(user, SetUp).ConfigureAwait(false);
                mailed = CmsNotification.Sent;
            }

            // A reset email that fails removes the user again (the create fails), so a created user was mailed, unless
            // the create's answer was lost after the site ran its chained mail: then whether it went out is unknown.
            return ToAccount(user) with { Roles = account.Roles, Notification = sendsMail ? mailed!.Value : CmsNotification.NotRequested };
        }
        finally
        {
            _creating.TryRemove(account.Username, out _);
        }
    }

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        var wanted = await RoleIdsAsync(roles.ToArray(), cancellationToken).ConfigureAwait(false);
        await ReplaceRolesAsync(account.UserId, current => current.Union(wanted).ToList(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        var unwanted = await RoleIdsAsync(roles.ToArray(), cancellationToken).ConfigureAwait(false);
        await ReplaceRolesAsync(account.UserId, current => current.Except(unwanted).ToList(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"roles" replaces the set: reads the user's role ids and sends the changed set when it differs.</summary>
    private async Task ReplaceRolesAsync(long userId, Func<List<long>, List<long>> change, CancellationToken cancellationToken)
    {
        var user = await ReadUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var current = new List<long>();
        if (user.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array)
        {
            // "roles" is sent back as the whole set: a role id that cannot be read would be dropped, so the change fails instead.
            foreach (var v in r.EnumerateArray())
            {
                var text = v.ValueKind == JsonValueKind.Number ? v.GetRawText() : v.AsText();
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                {
                    // This user's record, not the site: the failure is this account's (permanent), not a stop of the run. The
                    // answer is logged once as one it cannot use (3508), with its excerpt.
                    LogUnusable("User", "get", 200, CmsErrorReason.InvalidData, user.GetRawText());
                    throw new CmsProviderException(Cms, CmsErrorReason.InvalidData, $"Standalone answered User.get for user {userId} with a role id that is not a positive whole number; the roles are left unchanged.", statusCode: 200);
                }

                if (!current.Contains(id))
                {
                    current.Add(id);
                }
            }
        }

        var next = change(current);
        if (next.Count == current.Count && next.All(current.Contains))
        {
            return;
        }

        var update = new Api4Params().WithWhere(Api4Condition.Eq("id", userId));
        update.Values["roles"] = next;
        await CallAsync("User", "update", update, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var outcome = await SendResetAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        if (outcome is not null)
        {
            throw outcome;
        }
    }

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        // An update of a missing id answers a phantom row: check the user exists first.
        await ReadUserAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        var update = new Api4Params().WithWhere(Api4Condition.Eq("id", account.UserId));
        update.Values["is_active"] = false;
        await CallAsync("User", "update", update, cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    /// <remarks>The reverse of <see cref="BlockAsync"/>: API v4 <c>User.update</c> of <c>is_active: true</c>, after checking the user exists.</remarks>
    public async Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await ReadUserAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        var update = new Api4Params().WithWhere(Api4Condition.Eq("id", account.UserId));
        update.Values["is_active"] = true;
        await CallAsync("User", "update", update, cancellationToken).ConfigureAwait(false);
        Log.Unblocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Task.FromResult<Uri?>(null);
    }

    /// <summary>
    /// Checks the key (who the API contact is), then asks the server whether that user may create users
    /// (<c>User.checkAccess</c> for <c>create</c>, i.e. "administer users"), then lists the roles.
    /// </summary>
    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<ConnectivityCheck>();
        try
        {
            var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("Authentication", true, $"as contact {identity.ContactId} ({identity.DisplayName})"));
            var access = new Api4Params { Extra = { ["action"] = "create", ["values"] = new Dictionary<string, object?>() } };
            var answer = await SendAsync("User", "checkAccess", access, cancellationToken).ConfigureAwait(false);
            var granted = answer.Values.Count > 0 && answer.Values[0].GetFlag("access");
            checks.Add(granted
                ? new ConnectivityCheck("Administer users", true, "the server says the API user may create users")
                : new ConnectivityCheck("Administer users", false, "the server says the API user may not create users: give its role \"administer users\" (the installer's admin role has it)"));
            var roles = await SendAsync("Role", "get", new Api4Params { Limit = 500 }.WithSelect("id", "name"), cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("Roles", true, string.Join(", ", roles.Values.Select(v => v.GetString("name")))));
        }
        catch (CmsUserException ex)
        {
            checks.Add(ConnectivityCheck.Failed("API", ex));
        }

        return new ConnectivityReport($"{Cms} {_client.EndpointFor("User", "get").GetLeftPart(UriPartial.Authority)}", checks.TrueForAll(c => c.Passed), checks);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request: who the API contact is (the CiviCRM API key of the Standalone site, which is also the key its triggers
    /// are read with). Sent even though the run's own CiviCRM reads used the same key: CiviCRM answers a call that arrives
    /// without credentials as an anonymous user whose reads find nothing, and the CiviCRM package confirms its identity
    /// once per process, so in a long-running host this request is the run's only proof that the key still authenticates.
    /// </remarks>
    public async Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            return new ConnectivityCheck("Authentication", true, $"as contact {identity.ContactId} ({identity.DisplayName})");
        }
        catch (CmsUserException ex)
        {
            return ConnectivityCheck.Failed("Authentication", ex);
        }
    }

    /// <summary>
    /// Creates the user with its username check, and with <paramref name="sendsMail"/> its first reset email, all in
    /// one request (API v4 chains run in order per created row: the check, then the mail). Returns whether the email
    /// was sent in that request: <see cref="CmsNotification.Sent"/>, <see langword="null"/> when it was not (a
    /// recovered create whose request may not have run, so the caller sends it), or <see cref="CmsNotification.Unknown"/>
    /// when the site accepted the request (its chained mail ran) but its answer could not be read.
    /// </summary>
    private async Task<(StandaloneUser User, CmsNotification? Mailed)> CreateCheckedAsync(NewCmsAccount account, bool sendsMail, CancellationToken cancellationToken)
    {
        var roleIds = await RoleIdsAsync(account.Roles, cancellationToken).ConfigureAwait(false);
        var create = new Api4Params();
        create.Values["username"] = account.Username;
        create.Values["uf_name"] = account.Email;
        create.Values["is_active"] = account.Active;
        if (account.ContactId is long id)
        {
            create.Values["contact_id"] = id;
        }

        if (roleIds.Count > 0)
        {
            create.Values["roles"] = roleIds;
        }

        if (!string.IsNullOrWhiteSpace(account.Language))
        {
            create.Values["language"] = account.Language;
        }

        if (account.Password is not null && !string.IsNullOrEmpty(_options.ActorPassword))
        {
            create.Values["password"] = account.Password;
            create.Extra["actorPassword"] = _options.ActorPassword;
        }

        // The check rides in the same request: every user with this username, read right after the insert.
        create.Chain[SameUsername] = new Api4Chain("User", "get", new Api4Params().WithSelect("id").WithWhere(Api4Condition.Eq("username", "$username")));
        if (sendsMail)
        {
            // The first mail rides along too, after the check. Should the check find an older user with the name, this
            // user is removed below and its mail's link leads nowhere: a rare duplicate mail, never a missing one.
            create.Chain[FirstMail] = new Api4Chain("User", "sendPasswordResetEmail", ResetParams("$id"));
        }

        Api4Result result;
        try
        {
            result = await SendAsync("User", "create", create, cancellationToken).ConfigureAwait(false);
        }
        catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Transient && (ex.NeverSent || ex.StatusCode == 429))
        {
            // A refused connection, an unknown host or an open circuit: the create cannot have reached the site. A 429 did
            // not reach CiviCRM either: CiviCRM never throttles (civicrm-api4.md section 8), so the refusal is a proxy's or
            // a rate limiter's in front of it, before PHP ran. Either way nothing was created and there is nothing to look
            // up: the contact fails as transient (Throttled for the 429) and the next attempt creates it.
            throw Map(ex);
        }
        catch (CiviCrmApiException ex) when (ex.StatusCode is >= 200 and < 300 && ex.Kind is FailureKind.Transient or FailureKind.Configuration)
        {
            // The site accepted the create (2xx, so its chained check and mail ran) but the answer cannot be read (cut short
            // on its way, which the client reports as transient, or not API v4 at all): the user exists, so find it by
            // contact, and send no second mail (whether the first went out is unknown); this contact fails alone
            // (UnknownOutcome) when it cannot be found.
            LogUnusable(ex, CmsErrorReason.UnknownOutcome);
            return (await RecoverAsync(account, ex, SetUp).ConfigureAwait(false), sendsMail ? CmsNotification.Unknown : null);
        }
        catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Transient)
        {
            // The insert may have happened: the user row is the contact's, so look for it by contact.
            return (await RecoverAsync(account, ex, cancellationToken).ConfigureAwait(false), null);
        }
        catch (CiviCrmApiException ex) when (ex.IsDuplicate)
        {
            throw await DescribeDuplicateAsync(account, ex, cancellationToken).ConfigureAwait(false);
        }
        catch (CiviCrmApiException ex)
        {
            throw Map(ex);
        }

        var row = result.Values.Count > 0 ? result.Values[0] : default;
        if (row.ValueKind != JsonValueKind.Object || row.GetInt64("id") is not long created)
        {
            LogUnusable("User", "create", 200, CmsErrorReason.UnknownOutcome, Rows(result.Values));
            // As above: accepted, so the user exists; an answer of the wrong shape is this contact's problem, not the site's.
            return (await RecoverAsync(account, new InvalidDataException("User.create answered without a user id."), SetUp).ConfigureAwait(false), sendsMail ? CmsNotification.Unknown : null);
        }

        var user = new StandaloneUser(created, account.Username, account.Email, account.ContactId, account.Active, account.Roles);
        var others = row.TryGetProperty(SameUsername, out var same) && same.ValueKind == JsonValueKind.Array
            ? same.EnumerateArray().Select(s => s.GetInt64("id")).OfType<long>().Where(other => other != created).ToArray()
            : await OtherUsersNamedAsync(account.Username, created, SetUp).ConfigureAwait(false);
        if (others.Any(other => other < created))
        {
            // Someone else (another process, an administrator) holds the name: the newer user yields.
            await RemoveAsync(created, SetUp).ConfigureAwait(false);
            throw Fail(CmsErrorReason.DuplicateUsername, $"The username '{account.Username}' already belonged to user {others.Min()} (created elsewhere meanwhile); the new user {created} was removed.");
        }

        _index.Add(user);
        Log.Created(_logger, created, account.Username, account.ContactId);
        if (!sendsMail || !row.TryGetProperty(FirstMail, out var mail) || mail.ValueKind != JsonValueKind.Array)
        {
            return (user, null);
        }

        if (ResetOutcome(created, [.. mail.EnumerateArray()]) is { } refused)
        {
            // Creating and mailing are one step: a user nobody can log in to is removed, so the retry starts clean.
            await RemoveAsync(created, SetUp).ConfigureAwait(false);
            throw Fail(refused.Reason, $"{refused.Message} The new user {created} was removed again.", refused, refused.StatusCode, refused.ErrorCode);
        }

        return (user, CmsNotification.Sent);
    }

    /// <summary>
    /// The token of the requests that finish or undo a user the site created (its username check, its first mail, its
    /// removal): none. Once the site has the user, they run to their end whatever the caller's token says, each bounded by
    /// the CiviCRM client's timeouts, as the engine finishes a write it sent: abandoned, they left a user without its mail
    /// (or a duplicate not removed) and the caller without the user (docs/architecture.md).
    /// </summary>
    private static CancellationToken SetUp => CancellationToken.None;

    private async Task<long[]> OtherUsersNamedAsync(string username, long created, CancellationToken cancellationToken)
    {
        var same = await CallAsync("User", "get", new Api4Params { Limit = 25 }.WithSelect("id").WithWhere(Api4Condition.Eq("username", username)), cancellationToken).ConfigureAwait(false);
        return same.Values.Select(s => s.GetInt64("id")).OfType<long>().Where(other => other != created).ToArray();
    }

    private async Task<StandaloneUser> RecoverAsync(NewCmsAccount account, Exception failure, CancellationToken cancellationToken)
    {
        StandaloneUser? mine = null;
        try
        {
            if (account.ContactId is long contactId)
            {
                mine = await FindOneAsync("contact_id", contactId, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (CmsUserException)
        {
            mine = null;
        }

        if (mine is not null && string.Equals(mine.Username, account.Username, StringComparison.OrdinalIgnoreCase))
        {
            var others = await OtherUsersNamedAsync(account.Username, mine.Id, cancellationToken).ConfigureAwait(false);
            if (others.Any(other => other < mine.Id))
            {
                await RemoveAsync(mine.Id, cancellationToken).ConfigureAwait(false);
                throw Fail(CmsErrorReason.DuplicateUsername, $"The username '{account.Username}' already belonged to user {others.Min()}; the new user {mine.Id} was removed.");
            }

            _index.Add(mine);
            Log.Created(_logger, mine.Id, account.Username, account.ContactId);
            return mine;
        }

        throw Fail(CmsErrorReason.UnknownOutcome, $"Creating the user may or may not have happened: {failure.Message}", failure);
    }

    private async Task<CmsProviderException> DescribeDuplicateAsync(NewCmsAccount account, CiviCrmApiException ex, CancellationToken cancellationToken)
    {
        // "DB Error: already exists" is the same text for a taken email and for a contact that has a user.
        _index.ForgetEmail(account.Email);
        var conditions = new List<Api4Condition> { Api4Condition.Eq("uf_name", account.Email) };
        if (account.ContactId is long contactId)
        {
            conditions.Add(Api4Condition.Eq("contact_id", contactId));
        }

        var found = await CallAsync("User", "get", new Api4Params { Limit = 5 }.WithSelect(UserFields).WithWhere(Api4Condition.Or([.. conditions])), cancellationToken).ConfigureAwait(false);
        var users = UsersOf(found.Values);
        if (account.ContactId is long cid && users.FirstOrDefault(u => u.ContactId == cid) is { } own)
        {
            return Fail(CmsErrorReason.DuplicateEmail, $"Contact {cid} already has user {own.Id} ({own.Username}); a contact can hold one user.", ex, ex.StatusCode, ex.ErrorCode);
        }

        if (users.FirstOrDefault(u => string.Equals(u.Email, account.Email, StringComparison.OrdinalIgnoreCase)) is { } sameEmail)
        {
            return sameEmail.ContactId is long holder
                ? Held(sameEmail, holder, $"The email {account.Email} belongs to Standalone user {sameEmail.Id} ({sameEmail.Username}), the login of contact {holder}; it is not moved to another contact.")
                : Fail(CmsErrorReason.DuplicateEmail, $"The email {account.Email} is used by user {sameEmail.Id}.", ex, ex.StatusCode, ex.ErrorCode);
        }

        return Map(ex);
    }

    private async Task SendFirstMailAsync(StandaloneUser user, CancellationToken cancellationToken)
    {
        CmsProviderException? refused;
        try
        {
            refused = await SendResetAsync(user.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.Kind != FailureKind.Configuration)
        {
            refused = ex;
        }

        if (refused is null)
        {
            return;
        }

        // Creating and mailing are one step: a user nobody can log in to is removed, so the retry starts clean.
        await RemoveAsync(user.Id, cancellationToken).ConfigureAwait(false);
        throw Fail(refused.Reason, $"{refused.Message} The new user {user.Id} was removed again.", refused, refused.StatusCode, refused.ErrorCode);
    }

    /// <summary>Sends the reset email; returns the refusal instead of throwing it, throws only for transport and setup failures.</summary>
    private async Task<CmsProviderException?> SendResetAsync(long userId, CancellationToken cancellationToken)
    {
        var result = await CallAsync("User", "sendPasswordResetEmail", ResetParams(userId), cancellationToken).ConfigureAwait(false);
        return ResetOutcome(userId, result.Values);
    }

    private Api4Params ResetParams(object userId)
    {
        var send = new Api4Params().WithWhere(Api4Condition.Eq("id", userId));
        send.Extra["timeout"] = (int)_options.ResetLinkLifetime.TotalMinutes;
        return send;
    }

    /// <summary>What <c>User.sendPasswordResetEmail</c> answered for one user (on its own or chained): null when sent, else the refusal.</summary>
    private CmsProviderException? ResetOutcome(long userId, IReadOnlyList<JsonElement> values)
    {
        if (values.Count == 0)
        {
            // Observed: a user without a contact (or no user at all) is skipped silently.
            return Fail(CmsErrorReason.NotFound, $"Standalone sent no reset email for user {userId}: the user does not exist or has no contact.");
        }

        if (values[0].GetFlag("is_error"))
        {
            var message = values[0].GetString("message") ?? "the mailer refused it";
            return Fail(CmsErrorReason.InvalidEmail, $"Standalone could not send the reset email for user {userId}: {message} (its email address fails the mailer's check, the password_reset message template is disabled, or sending failed).");
        }

        Log.ResetSent(_logger, userId);
        return null;
    }

    private async Task RemoveAsync(long userId, CancellationToken cancellationToken)
    {
        _index.Remove(userId);
        try
        {
            await CallAsync("User", "delete", new Api4Params().WithWhere(Api4Condition.Eq("id", userId)), CancellationToken.None).ConfigureAwait(false);
            Log.Removed(_logger, userId);
        }
        catch (CmsProviderException ex)
        {
            // Not removable: at least block it, so nobody can log in to a user that should not exist.
            Log.RemoveFailed(_logger, userId, ex.Message);
            var block = new Api4Params().WithWhere(Api4Condition.Eq("id", userId));
            block.Values["is_active"] = false;
            await CallAsync("User", "update", block, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<StandaloneUser?> FindOneAsync(string field, object value, CancellationToken cancellationToken)
    {
        var query = new Api4Params { Limit = 5 }.WithSelect(UserFields).WithWhere(Api4Condition.Eq(field, value));
        var result = await CallAsync("User", "get", query, cancellationToken).ConfigureAwait(false);

        // The server compares like its collation (case, accents, trailing spaces); the oldest user is the holder.
        return UsersOf(result.Values).MinBy(u => u.Id);
    }

    /// <summary>
    /// The users of a <c>User.get</c> answer. A row without a user id (an answer of the wrong shape) is logged once (3508)
    /// and refused: read as "no such user", it would let a second user be created for an email or contact that has one.
    /// </summary>
    private StandaloneUser[] UsersOf(IReadOnlyList<JsonElement> rows)
    {
        var users = rows.Select(ToUser).ToArray();
        if (users.Any(u => u.Id <= 0))
        {
            LogUnusable("User", "get", 200, CmsErrorReason.UnexpectedResponse, Rows(rows));
            throw new CmsProviderException(Cms, CmsErrorReason.UnexpectedResponse, "User.get answered a user without its id.", statusCode: 200);
        }

        return users;
    }

    private async Task<JsonElement> ReadUserAsync(long userId, CancellationToken cancellationToken)
    {
        var result = await CallAsync("User", "get", new Api4Params { Limit = 1 }.WithSelect("id", "roles", "is_active").WithWhere(Api4Condition.Eq("id", userId)), cancellationToken).ConfigureAwait(false);
        return result.Values.Count > 0 ? result.Values[0] : throw Fail(CmsErrorReason.NotFound, $"There is no Standalone user {userId}.");
    }

    /// <inheritdoc />
    /// <remarks>
    /// One <c>Role.get</c> (the request a create's roles are resolved with): a rule names a role by its name or its id.
    /// The answer also refreshes the roles the creates resolve against.
    /// </remarks>
    public async Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var fresh = FetchRolesAsync(cancellationToken);
        var known = await fresh.ConfigureAwait(false);
        Volatile.Write(ref _roles, fresh);
        var names = known.Where(kv => !kv.Key.All(char.IsAsciiDigit)).OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList();
        var unknown = roles.Where(r => !known.ContainsKey(r)).Distinct(StringComparer.Ordinal)
            .ToDictionary(r => r, r => $"'{r}' is neither the name nor the id of a Standalone role", StringComparer.Ordinal);
        return CmsRoleCheck.Listed(names, unknown);
    }

    private async Task<IReadOnlyList<long>> RoleIdsAsync(IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        if (roles.Count == 0)
        {
            return [];
        }

        var load = Volatile.Read(ref _roles);
        var known = load is { IsCompletedSuccessfully: true } ? load.Result : null;
        if (known is null || roles.Any(r => !known.ContainsKey(r)))
        {
            known = await RolesAsync(load, cancellationToken).ConfigureAwait(false);
        }

        // Validated before writing: an unknown role id fails half-way through the write and leaves a partial role set.
        var unknown = roles.Where(r => !known.ContainsKey(r)).ToArray();
        return unknown.Length > 0
            ? throw Fail(CmsErrorReason.UnknownRole, $"Standalone has no role {string.Join(", ", unknown.Select(u => "'" + u + "'"))}. Roles: {string.Join(", ", known.Keys.Where(k => !k.All(char.IsAsciiDigit)))}.")
            : roles.Select(r => known[r]).Distinct().ToArray();
    }

    /// <summary>One <c>Role.get</c> shared by concurrent workers; a name it lacked (or a failure) loads again once.</summary>
    private Task<IReadOnlyDictionary<string, long>> RolesAsync(Task<IReadOnlyDictionary<string, long>>? seen, CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _roles);
        if (current is null || (ReferenceEquals(current, seen) && current.IsCompleted))
        {
            var fresh = FetchRolesAsync(CancellationToken.None);
            var winner = Interlocked.CompareExchange(ref _roles, fresh, current);
            current = ReferenceEquals(winner, current) ? fresh : winner!;
        }

        return current.WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyDictionary<string, long>> FetchRolesAsync(CancellationToken cancellationToken = default)
    {
        var all = await CallAsync("Role", "get", new Api4Params { Limit = 500 }.WithSelect("id", "name"), cancellationToken).ConfigureAwait(false);
        var map = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in all.Values)
        {
            if (row.GetInt64("id") is long id && row.GetString("name") is { } name)
            {
                map[name] = id;
                map[id.ToString(CultureInfo.InvariantCulture)] = id;
            }
        }

        return map;
    }

    private async Task<Api4Result> CallAsync(string entity, string action, Api4Params parameters, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(entity, action, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (CiviCrmApiException ex)
        {
            throw Map(ex);
        }
    }


    // Every API call of this provider is one request to the site and takes one permit of MaxCmsRequestsPerSecond
    // (the CiviCRM client's own retries are not counted: they go through the CiviCRM package's pipeline).
    private async Task<Api4Result> SendAsync(string entity, string action, Api4Params parameters, CancellationToken cancellationToken)
    {
        await _throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await _client.CallAsync(entity, action, parameters, cancellationToken).ConfigureAwait(false);
    }

    private CmsProviderException Map(CiviCrmApiException ex)
    {
        if (ex.StatusCode is >= 200 and < 300 && ex.Kind is FailureKind.Transient or FailureKind.Configuration)
        {
            // The CiviCRM client read the body and describes it (quoting its start, with the site's secrets taken out).
            var unusable = ex.Kind == FailureKind.Transient ? CmsErrorReason.Unavailable : CmsErrorReason.UnexpectedResponse;
            LogUnusable(ex, unusable);
            return new CmsProviderException(Cms, unusable, ex.Message, statusCode: ex.StatusCode, errorCode: ex.ErrorCode, innerException: ex);
        }

        var reason = (ex.Kind, ex.StatusCode, ex.ServerMessage) switch
        {
            (_, 403, "Unauthorized") or (_, 403, "Incorrect password") => CmsErrorReason.Permission,
            (FailureKind.Transient, _, _) => ex.StatusCode == 429 ? CmsErrorReason.Throttled : CmsErrorReason.Unavailable,
            (_, 401, _) => CmsErrorReason.Authentication,
            // An answer that is not API v4 (cut short, the wrong shape): not a permission problem.
            (FailureKind.Configuration, >= 200 and < 300, _) => CmsErrorReason.UnexpectedResponse,
            (FailureKind.Configuration, _, _) => CmsErrorReason.Permission,
            (_, _, "DB Error: constraint violation") => CmsErrorReason.UnknownRole,
            (_, _, "DB Error: already exists") => CmsErrorReason.DuplicateEmail,
            _ => CmsErrorReason.InvalidData,
        };
        var message = ex.ServerMessage is "Unauthorized" or "Incorrect password"
            ? $"Standalone refused to set a password ({ex.ServerMessage}): set CmsUser:Standalone:ActorPassword to the API user's own login password, or leave it empty to create users without a password and send the reset email."
            : reason == CmsErrorReason.Permission && ex.StatusCode == 403
                ? $"{ex.Message} On Standalone the API user also needs \"administer users\"."
                : ex.Message;
        return Fail(reason, message, ex, ex.StatusCode, ex.ErrorCode);
    }

    /// <summary>
    /// Logs (event 3508) a successful answer the CiviCRM client could not read (not JSON, cut short, not API v4): the client
    /// read the body, and its description quotes the body's start; this provider's secrets are taken out too.
    /// </summary>
    private void LogUnusable(CiviCrmApiException ex, CmsErrorReason reason) =>
        LogUnusable(ex.Entity ?? "User", ex.Action ?? "get", ex.StatusCode ?? 200, reason, ex.Message);

    /// <summary>Logs (event 3508) an API v4 answer this provider cannot use: the call's path, the status, the failure and an excerpt of <paramref name="body"/> without this provider's secrets (once: the caller throws the failure on).</summary>
    private void LogUnusable(string entity, string action, int status, CmsErrorReason reason, string body) =>
        Log.UnusableAnswer(_logger, "POST", _client.EndpointFor(entity, action).AbsolutePath, "HTTP " + status.ToString(CultureInfo.InvariantCulture), reason, Redactor.Excerpt(body));

    /// <summary>The rows of an answer as the JSON list they came in (for an excerpt).</summary>
    private static string Rows(IEnumerable<JsonElement> rows) => "[" + string.Join(",", rows.Select(v => v.GetRawText())) + "]";

    private CmsProviderException Fail(CmsErrorReason reason, string message, Exception? inner = null, int? status = null, string? code = null)
    {
        Log.Failed(_logger, reason, message);
        return new CmsProviderException(Cms, reason, message, statusCode: status, errorCode: code, innerException: inner);
    }

    private StandaloneAccountHeldException Held(StandaloneUser user, long holder, string message)
    {
        Log.Failed(_logger, CmsErrorReason.DuplicateEmail, message);
        return new StandaloneAccountHeldException(user.Id, holder, message);
    }

    private static StandaloneUser ToUser(JsonElement row) => new(
        row.GetInt64("id") ?? 0,
        row.GetString("username"),
        row.GetString("uf_name"),
        row.GetInt64("contact_id"),
        row.GetFlag("is_active"),
        row.TryGetProperty("roles:name", out var names) && names.ValueKind == JsonValueKind.Array ? names.EnumerateArray().Select(n => n.AsText()).OfType<string>().ToArray() : [],
        row.GetString("when_created"));

    private static CmsAccount ToAccount(StandaloneUser user) =>
        new(user.Id, user.Username, user.Email) { IsActive = user.IsActive, Roles = user.Roles };
}
