using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Standalone;

/// <summary>
/// CiviCRM Standalone users over API v4 (<c>User</c> and <c>Role</c>). A Standalone user row is the
/// contact's UFMatch link, so creating the user links it. Because the live server accepts duplicate
/// usernames and cuts long ones silently, this provider checks username, email and contact itself
/// (case-insensitively) before creating, and enforces the length.
/// </summary>
public sealed class StandaloneAccountProvider : ICmsAccountProvider
{
    /// <summary>The name of the <see cref="HttpClient"/> this provider uses.</summary>
    public const string HttpClientName = "Skvare.CmsUser.Standalone";

    private const string Cms = "CiviCRM Standalone";
    private static readonly string[] UserFields = ["id", "username", "uf_name", "contact_id", "is_active", "roles:name"];

    private readonly CiviCrmApiClient _client;
    private readonly StandaloneOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, long> _roleIds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the provider.</summary>
    /// <param name="httpClientFactory">The HTTP client factory (client <see cref="HttpClientName"/>).</param>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    public StandaloneAccountProvider(IHttpClientFactory httpClientFactory, IOptions<StandaloneOptions> options, ILogger<StandaloneAccountProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var civi = new CiviCrmOptions { BaseUrl = _options.BaseUrl, ApiKey = _options.ApiKey, SiteKey = _options.SiteKey, Http = _options.Http };
        _client = new CiviCrmApiClient(httpClientFactory.CreateClient(HttpClientName), Microsoft.Extensions.Options.Options.Create(civi));
    }

    /// <summary>Usernames: at most 60 characters (the server would cut longer ones), <c>[a-z0-9._@+-]</c>.</summary>
    public static UsernameRules Rules { get; } = new() { MaxLength = 60, MinLength = 2, AllowedPunctuation = "._-@+", AsciiOnly = true, Lowercase = true };

    /// <inheritdoc />
    public string Name => Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules => Rules;

    /// <inheritdoc />
    public CmsCapabilities Capabilities =>
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.PasswordResetEmail | CmsCapabilities.NewAccountNotification
        | CmsCapabilities.Block | CmsCapabilities.Language | CmsCapabilities.CreatesLink | CmsCapabilities.RemoveRoles;

    /// <inheritdoc />
    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return FindOneAsync("uf_name", email, cancellationToken);
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        return FindOneAsync("username", username, cancellationToken);
    }

    /// <inheritdoc />
    public Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        return FindOneAsync("id", userId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);
        if (account.Username.Length > Rules.MaxLength)
        {
            throw Fail(CmsErrorReason.InvalidUsername, $"The username '{account.Username}' is longer than {Rules.MaxLength} characters; Standalone would cut it silently.");
        }

        // The live server does not enforce a unique username, and its other duplicates all read "DB Error: already exists".
        if (await FindByUsernameAsync(account.Username, cancellationToken).ConfigureAwait(false) is { } sameName)
        {
            throw Fail(CmsErrorReason.DuplicateUsername, $"The username '{account.Username}' is taken by user {sameName.UserId}.");
        }

        if (await FindByEmailAsync(account.Email, cancellationToken).ConfigureAwait(false) is { } sameEmail)
        {
            throw Fail(CmsErrorReason.DuplicateEmail, $"The email {account.Email} is used by user {sameEmail.UserId}.");
        }

        if (account.ContactId is long contactId && await FindOneAsync("contact_id", contactId, cancellationToken).ConfigureAwait(false) is { } sameContact)
        {
            throw Fail(CmsErrorReason.DuplicateEmail, $"Contact {contactId} already has user {sameContact.UserId} ({sameContact.Username}); a contact can hold one user.");
        }

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

        Api4Result result;
        try
        {
            result = await _client.CallAsync("User", "create", create, cancellationToken).ConfigureAwait(false);
        }
        catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Transient)
        {
            throw Fail(CmsErrorReason.UnknownOutcome, $"Creating the user may or may not have happened: {ex.Message}", ex);
        }
        catch (CiviCrmApiException ex)
        {
            throw Map(ex);
        }

        var userId = result.Values.Count > 0 ? result.Values[0].GetInt64("id") : null;
        if (userId is not long created)
        {
            throw Fail(CmsErrorReason.UnexpectedResponse, "User.create answered without a user id.");
        }

        Log.Created(_logger, created, account.Username, account.ContactId);
        var user = new CmsAccount(created, account.Username, account.Email) { IsActive = account.Active, Roles = account.Roles };
        if (account.Notify || account.Password is null || string.IsNullOrEmpty(_options.ActorPassword))
        {
            // Without a password the reset email is the way in; it doubles as the new-account email.
            await SendPasswordResetAsync(user, cancellationToken).ConfigureAwait(false);
        }

        return user;
    }

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        var wanted = await RoleIdsAsync(roles.ToArray(), cancellationToken).ConfigureAwait(false);
        var current = await ReadUserAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        var currentIds = current.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(v => long.Parse(v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText(), CultureInfo.InvariantCulture)).ToList()
            : [];
        var union = currentIds.Union(wanted).ToList();
        if (union.Count == currentIds.Count)
        {
            return;
        }

        // "roles" replaces the set: send the union of what the user has and what the rule gives.
        var update = new Api4Params().WithWhere(Api4Condition.Eq("id", account.UserId));
        update.Values["roles"] = union;
        await CallAsync("User", "update", update, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        var unwanted = await RoleIdsAsync(roles.ToArray(), cancellationToken).ConfigureAwait(false);
        var current = await ReadUserAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        var currentIds = current.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(v => long.Parse(v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText(), CultureInfo.InvariantCulture)).ToList()
            : [];
        var left = currentIds.Except(unwanted).ToList();
        if (left.Count == currentIds.Count)
        {
            return;
        }

        // "roles" replaces the set: send what is left.
        var update = new Api4Params().WithWhere(Api4Condition.Eq("id", account.UserId));
        update.Values["roles"] = left;
        await CallAsync("User", "update", update, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var send = new Api4Params().WithWhere(Api4Condition.Eq("id", account.UserId));
        send.Extra["timeout"] = (int)_options.ResetLinkLifetime.TotalMinutes;
        var result = await CallAsync("User", "sendPasswordResetEmail", send, cancellationToken).ConfigureAwait(false);
        if (result.Values.Count == 0)
        {
            // Observed: a user without a contact (or no user at all) is skipped silently.
            throw Fail(CmsErrorReason.NotFound, $"Standalone sent no reset email for user {account.UserId}: the user does not exist or has no contact.");
        }

        if (result.Values[0].GetFlag("is_error"))
        {
            throw Fail(CmsErrorReason.InvalidEmail, $"Standalone could not send the reset email for user {account.UserId}: {result.Values[0].GetString("message")} (its email address is probably invalid, or the password_reset message template is disabled).");
        }

        Log.ResetSent(_logger, account.UserId);
    }

    /// <inheritdoc />
    public Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        return SendPasswordResetAsync(account, cancellationToken);
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
    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Task.FromResult<Uri?>(null);
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<ConnectivityCheck>();
        try
        {
            var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("authenticated", true, $"as contact {identity.ContactId} ({identity.DisplayName})"));
            var users = await _client.CallAsync("User", "get", new Api4Params { Limit = 2 }.WithSelect("id"), cancellationToken).ConfigureAwait(false);
            checks.Add(users.Values.Count > 1
                ? new ConnectivityCheck("administer users", true, "other users are visible")
                : new ConnectivityCheck("administer users", false, "only the API user's own record is visible: give its role \"administer users\""));
            var roles = await _client.CallAsync("Role", "get", new Api4Params { Limit = 100 }.WithSelect("id", "name"), cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("roles", true, string.Join(", ", roles.Values.Select(v => v.GetString("name")))));
        }
        catch (CmsUserException ex)
        {
            checks.Add(new ConnectivityCheck("api", false, ex.Message));
        }

        return new ConnectivityReport($"{Cms} {_options.BaseUrl}", checks.TrueForAll(c => c.Passed), checks);
    }

    private async Task<CmsAccount?> FindOneAsync(string field, object value, CancellationToken cancellationToken)
    {
        var query = new Api4Params { Limit = 5 }.WithSelect(UserFields).WithWhere(Api4Condition.Eq(field, value));
        var result = await CallAsync("User", "get", query, cancellationToken).ConfigureAwait(false);
        var row = result.Values.FirstOrDefault(v => field is "id" or "contact_id" || string.Equals(v.GetString(field), Convert.ToString(value, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase));
        return row.ValueKind == JsonValueKind.Undefined ? null : ToAccount(row);
    }

    private async Task<JsonElement> ReadUserAsync(long userId, CancellationToken cancellationToken)
    {
        var result = await CallAsync("User", "get", new Api4Params { Limit = 1 }.WithSelect("id", "roles", "is_active").WithWhere(Api4Condition.Eq("id", userId)), cancellationToken).ConfigureAwait(false);
        return result.Values.Count > 0 ? result.Values[0] : throw Fail(CmsErrorReason.NotFound, $"There is no Standalone user {userId}.");
    }

    private async Task<IReadOnlyList<long>> RoleIdsAsync(IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        if (roles.Count == 0)
        {
            return [];
        }

        if (roles.Any(r => !_roleIds.ContainsKey(r)))
        {
            var all = await CallAsync("Role", "get", new Api4Params { Limit = 500 }.WithSelect("id", "name"), cancellationToken).ConfigureAwait(false);
            foreach (var row in all.Values)
            {
                if (row.GetInt64("id") is long id && row.GetString("name") is { } name)
                {
                    _roleIds[name] = id;
                    _roleIds[id.ToString(CultureInfo.InvariantCulture)] = id;
                }
            }
        }

        // Validated before writing: an unknown role id fails half-way through the write and leaves a partial role set.
        var unknown = roles.Where(r => !_roleIds.ContainsKey(r)).ToArray();
        return unknown.Length > 0
            ? throw Fail(CmsErrorReason.UnknownRole, $"Standalone has no role {string.Join(", ", unknown.Select(u => "'" + u + "'"))}. Roles: {string.Join(", ", _roleIds.Keys.Where(k => !k.All(char.IsAsciiDigit)))}.")
            : roles.Select(r => _roleIds[r]).Distinct().ToArray();
    }

    private async Task<Api4Result> CallAsync(string entity, string action, Api4Params parameters, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CallAsync(entity, action, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (CiviCrmApiException ex)
        {
            throw Map(ex);
        }
    }

    private CmsProviderException Map(CiviCrmApiException ex)
    {
        var reason = (ex.Kind, ex.StatusCode, ex.ServerMessage) switch
        {
            (_, 403, "Unauthorized") or (_, 403, "Incorrect password") => CmsErrorReason.Permission,
            (FailureKind.Transient, _, _) => ex.StatusCode == 429 ? CmsErrorReason.Throttled : CmsErrorReason.Unavailable,
            (_, 401, _) => CmsErrorReason.Authentication,
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

    private CmsProviderException Fail(CmsErrorReason reason, string message, Exception? inner = null, int? status = null, string? code = null)
    {
        Log.Failed(_logger, reason, message);
        return new CmsProviderException(Cms, reason, message, inner) { StatusCode = status, ErrorCode = code };
    }

    private static CmsAccount ToAccount(JsonElement row) =>
        new(row.GetInt64("id") ?? 0, row.GetString("username"), row.GetString("uf_name"))
        {
            IsActive = row.GetFlag("is_active"),
            Roles = row.TryGetProperty("roles:name", out var names) && names.ValueKind == JsonValueKind.Array ? names.EnumerateArray().Select(n => n.GetString() ?? "").ToArray() : [],
        };
}
