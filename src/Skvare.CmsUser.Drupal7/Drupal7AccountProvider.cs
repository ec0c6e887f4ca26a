using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;
using static Skvare.CmsUser.Shared.DrupalFamilyJson;

namespace Skvare.CmsUser.Drupal7;

/// <summary>
/// Creates and manages Drupal 7 accounts through the Services 3.x REST server: logs in once
/// (<c>user/login.json</c>), sends the session cookie and CSRF token itself, logs in again once when the session
/// is refused, and uses the user resource (<c>user.json</c>, <c>user/{uid}.json</c>, targeted actions).
/// Thread-safe.
/// </summary>
public sealed class Drupal7AccountProvider : ICmsAccountProvider, ICmsRoleCatalog, IDisposable, IChecksSecretsAtStart
{
    /// <inheritdoc />
    void IChecksSecretsAtStart.CheckSecrets() => _channel.CheckSecrets();

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client this provider uses.</summary>
    public const string HttpClientName = "Skvare.CmsUser.Drupal7";

    private const CmsCapabilities SupportedCapabilities =
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock | CmsCapabilities.CreateRefusesDuplicates;

    private const string AuthenticatedRid = "2";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<Drupal7Options> _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private readonly HttpChannel _channel;
    private Drupal7Session? _session;

    /// <summary>Creates the provider (normally through <c>AddDrupal7</c>).</summary>
    /// <param name="httpClientFactory">Creates the <see cref="HttpClientName"/> client.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="logger">The logger; never receives secrets.</param>
    public Drupal7AccountProvider(IHttpClientFactory httpClientFactory, IOptions<Drupal7Options> options, ILogger<Drupal7AccountProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = new HttpChannel(
            () => httpClientFactory.CreateClient(HttpClientName),
            path => BuildUri(options.Value, path),
            new Drupal7AnswerClassifier(),
            new HttpChannelLog(_logger, "Drupal 7", answeredEventId: 3200, failedEventId: 3203, weakSecretsEventId: 3210, unusableEventId: 3211))
        {
            Credentials = new SessionCredentials(this),
            Secrets = () => [options.Value.Password],
        };
    }

    /// <summary>
    /// Drupal 7's rules as the SDK applies them: <c>user_validate_name</c> accepts ASCII letters, digits, space and
    /// <c>@_.'-</c> (no <c>+</c>, unlike Drupal 8+) up to 60 characters; the SDK keeps to <c>[a-z0-9._@-]</c>.
    /// </summary>
    public static UsernameRules Rules { get; } = new()
    {
        MaxLength = 60,
        MinLength = 1,
        AllowedPunctuation = "._@-",
        AsciiOnly = true,
        Lowercase = true,
    };

    /// <inheritdoc />
    public string Name => Drupal7Errors.Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules => Rules;

    /// <inheritdoc />
    public CmsCapabilities Capabilities => SupportedCapabilities;

    /// <inheritdoc />
    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return FindAsync("mail", email.Trim(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        return FindAsync("name", username, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        // Only a 404 is "no such user": a 200 of JSON null is an answer of another shape, not a missing user.
        var call = new Call(HttpMethod.Get, UserPath(userId), "user/{uid}") { NullWhenNotFound = true, IsRead = true };
        return await SendAsync(call, (node, _) => ToAccount(node ?? throw Unexpected(call.Route, "JSON null"), RolesOf(node, call.Route)), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);
        var options = _options.Value;

        var body = new JsonObject
        {
            ["name"] = account.Username,
            ["mail"] = account.Email.Trim(),
            // The admin form needs a password; a random one nobody knows is replaced from the emailed one-time link.
            ["pass"] = account.Password ?? GeneratePassword(),
            ["status"] = account.Active ? 1 : 0,
            ["notify"] = account.Notify ? 1 : 0,
        };
        var rids = ResolveRoles(account.Roles ?? []);
        if (rids.Count > 0)
        {
            body["roles"] = RoleObject(rids);
        }

        if (DrupalFamilyLanguage.FromCiviCrmLocale(account.Language) is { } language)
        {
            body["language"] = language;
        }

        // A part of a compound field (field_address[0][locality], or the reference's field_address[und][0][locality]) is
        // a property of the field's item in the Field API form shape: {"und": [{"locality": …}]}.
        foreach (var (field, fieldLanguage, items) in DrupalFieldItems.Build(account.Fields ?? new Dictionary<string, string>(), languageFirst: true))
        {
            body[field] = new JsonObject { [fieldLanguage ?? "und"] = items };
        }

        if (!string.IsNullOrEmpty(options.FirstNameField) && !string.IsNullOrWhiteSpace(account.FirstName))
        {
            body[options.FirstNameField] = FieldValue(account.FirstName);
        }

        if (!string.IsNullOrEmpty(options.LastNameField) && !string.IsNullOrWhiteSpace(account.LastName))
        {
            body[options.LastNameField] = FieldValue(account.LastName);
        }

        var call = new Call(HttpMethod.Post, "user.json", "user") { Body = HttpBody.Json(body.ToJsonString()), IsCreate = true, Secrets = [(string?)body["pass"]] };
        // Drupal 7 accepted the create: an answer without a readable uid means the account may exist, so only this
        // contact fails (UnknownOutcome) and the next attempt finds it, instead of the run stopping on UnexpectedResponse.
        var uid = await SendAsync(
            call,
            (created, answer) => Id(Get(created, "uid")) ?? throw CmsAnswerClassifier.UnreadableCreate(Drupal7Errors.Cms, "Drupal 7", call.Route, answer.Status, _channel.Redact(call, answer.Body)),
            cancellationToken).ConfigureAwait(false);
        Log.Created(_logger, uid);
        return new CmsAccount(uid, account.Username, account.Email.Trim())
        {
            IsActive = account.Active,
            Roles = [.. account.Roles ?? []],
            // user_register_submit() sends the email ("notify": 1) but ignores drupal_mail()'s result, and the Services
            // answer carries only the uid: whether it went out is not known.
            Notification = account.Notify ? CmsNotification.Unknown : CmsNotification.NotRequested,
        };
    }

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count > 0)
        {
            var wanted = ResolveRoles(roles);
            await ReplaceRolesAsync(account.UserId, current => current.Concat(wanted).Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count > 0)
        {
            var unwanted = ResolveRoles(roles);
            await ReplaceRolesAsync(account.UserId, current => current.Where(r => !unwanted.Contains(r, StringComparer.Ordinal)).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The update replaces the role set: reads the current role ids and PUTs the changed set when it differs. Repeating it
    /// leaves the same roles and mails nobody, so it is marked retry-safe (a PUT is not retried for its method alone).
    /// </summary>
    private async Task ReplaceRolesAsync(long userId, Func<List<string>, List<string>> change, CancellationToken cancellationToken)
    {
        var current = await CurrentRoleIdsAsync(userId, cancellationToken).ConfigureAwait(false);
        var next = change(current);
        if (next.Count == current.Count && next.All(current.Contains))
        {
            return;
        }

        var body = new JsonObject { ["roles"] = RoleObject(next) };
        await SendAsync(new Call(HttpMethod.Put, UserPath(userId), "user/{uid}") { Body = HttpBody.Json(body.ToJsonString()), RetrySafe = true }, cancellationToken).ConfigureAwait(false);
        Log.RolesChanged(_logger, userId, string.Join(", ", next));
    }

    /// <inheritdoc />
    public async Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await SendMailAsync(new Call(HttpMethod.Post, UserPath(account.UserId, "password_reset"), "user/{uid}/password_reset"), "password reset", cancellationToken).ConfigureAwait(false);
        Log.MailSent(_logger, account.UserId, "password_reset");
    }

    /// <summary>Asks Drupal 7 to send its "an account was created for you" email (the create sends it itself when asked).</summary>
    internal async Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await SendMailAsync(new Call(HttpMethod.Post, UserPath(account.UserId, "resend_welcome_email"), "user/{uid}/resend_welcome_email"), "welcome", cancellationToken).ConfigureAwait(false);
        Log.MailSent(_logger, account.UserId, "welcome");
    }

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await PutStatusAsync(account.UserId, 0, cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    /// <remarks>The reverse of <see cref="BlockAsync"/>: <c>PUT</c> of <c>status: 1</c> with the current roles (so the profile form keeps them).</remarks>
    public async Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await PutStatusAsync(account.UserId, 1, cancellationToken).ConfigureAwait(false);
        Log.Unblocked(_logger, account.UserId);
    }

    private async Task PutStatusAsync(long userId, int status, CancellationToken cancellationToken)
    {
        // The current roles go along so the profile form cannot drop them.
        var current = await CurrentRoleIdsAsync(userId, cancellationToken).ConfigureAwait(false);
        var body = new JsonObject { ["status"] = status, ["roles"] = RoleObject(current) };
        // Not retry-safe (RetrySafe stays false): Drupal 7 mails the person when the status changes ("account blocked",
        // "account activated", when the site enables them), and a second try sent while the first was still being carried
        // out (its answer late or lost) finds the old status too and mails again. Sent once; a request that never left is
        // still retried.
        await SendAsync(new Call(HttpMethod.Put, UserPath(userId), "user/{uid}") { Body = HttpBody.Json(body.ToJsonString()) }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Services 3.x offers no one-time login link; this returns <see langword="null"/> without a call.</remarks>
    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        return Task.FromResult<Uri?>(null);
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var options = _options.Value;
        var checks = new List<ConnectivityCheck>();
        try
        {
            await EnsureSessionAsync(null, cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("Services login", true, $"Logged in as {options.Username} on endpoint '{options.Endpoint}'."));
            await FindByEmailAsync(ProbeEmail, cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("User resource index", true, "parameters[mail] lookups are allowed."));
        }
        catch (CmsProviderException ex)
        {
            checks.Add(ConnectivityCheck.Failed(checks.Count == 0 ? "Services login" : "User resource index", ex));
        }

        return new ConnectivityReport($"Drupal 7 {options.BaseUrl}{options.Endpoint?.Trim('/')}", checks.TrueForAll(c => c.Passed), checks);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request: the Services login (<c>POST user/login.json</c>) when the process holds no session yet; otherwise the
    /// session is used for one user index look-up of an address that cannot exist (a refused session logs in again once,
    /// so a changed password is still found).
    /// </remarks>
    public async Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default)
    {
        var options = _options.Value;
        try
        {
            if (Volatile.Read(ref _session) is null)
            {
                await EnsureSessionAsync(null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await FindByEmailAsync(ProbeEmail, cancellationToken).ConfigureAwait(false);
            }

            return new ConnectivityCheck("Services login", true, $"Logged in as {options.Username} on endpoint '{options.Endpoint}'.");
        }
        catch (CmsProviderException ex)
        {
            return ConnectivityCheck.Failed("Services login", ex);
        }
    }

    /// <summary>An address no account has: the look-up of the connectivity and credentials checks.</summary>
    private const string ProbeEmail = "cmsuser-connectivity-check@example.invalid";

    /// <summary>Releases the login lock. The Services session is left to expire on the site.</summary>
    public void Dispose() => _loginGate.Dispose();

    private async Task<CmsAccount?> FindAsync(string field, string value, CancellationToken cancellationToken)
    {
        var path = $"user.json?parameters[{field}]={Uri.EscapeDataString(value)}&fields=uid,name,mail,status,created";
        // The index's rows carry only the fields asked for: no roles.
        var accounts = (await SendAsync(
            new Call(HttpMethod.Get, path, "user?parameters[" + field + "]") { IsRead = true },
            (node, _) => (node as JsonArray ?? throw Unexpected("user index", "an answer that is not a list")).OfType<JsonObject>().Select(row => ToAccount(row, [])).ToList(),
            cancellationToken).ConfigureAwait(false))!;

        // MySQL compares case-insensitively, other databases may not; keep only the exact match.
        foreach (var account in accounts)
        {
            var candidate = field == "mail" ? account.Email : account.Username;
            if (string.Equals(candidate?.Trim(), value, StringComparison.OrdinalIgnoreCase))
            {
                return account;
            }
        }

        return null;
    }

    private async Task<List<string>> CurrentRoleIdsAsync(long uid, CancellationToken cancellationToken)
    {
        // The role set is sent back whole: roles it cannot read would be taken from the account, so the call fails instead.
        var call = new Call(HttpMethod.Get, UserPath(uid), "user/{uid}") { NullWhenNotFound = true, IsRead = true };
        return await SendAsync(call, (user, _) => RolesOf(user, call.Route).Select(r => r.Key).Where(rid => rid != AuthenticatedRid).ToList(), cancellationToken).ConfigureAwait(false)
            ?? throw new CmsProviderException(Drupal7Errors.Cms, CmsErrorReason.NotFound, $"Drupal 7 has no account {uid}.", statusCode: 404);
    }

    /// <summary>
    /// The roles of a <c>user/{uid}</c> answer: <c>user_load()</c>'s <c>rid => name</c> array, which <c>json_encode</c>
    /// writes as an object (a PHP array whose keys are not 0, 1, …), or as <c>[]</c> when it is empty. Anything else (no
    /// roles member, a list, a string) is an answer the provider cannot use, never "no roles".
    /// </summary>
    private static IReadOnlyList<KeyValuePair<string, JsonNode?>> RolesOf(JsonNode? user, string route) => Get(user, "roles") switch
    {
        JsonObject map => [.. map],
        JsonArray { Count: 0 } => [],
        var other => throw Unexpected(route, other is null ? "a user without its roles" : $"roles as a JSON {other.GetValueKind().ToString().ToLowerInvariant()} where a map of role ids belongs"),
    };

    /// <inheritdoc />
    /// <remarks>
    /// No request: the Services module has no resource that lists roles, so the site's roles are not verifiable. A role
    /// a create could not send is reported all the same: a name that is neither a role id nor in
    /// <c>CmsUser:Drupal7:RoleIds</c>.
    /// </remarks>
    public Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var map = _options.Value.RoleIds;
        var unmapped = roles.Where(r => !string.IsNullOrWhiteSpace(r))
            .Where(r => !map.ContainsKey(r.Trim()) && !uint.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(r => r, r => $"'{r}' is neither a role id nor in CmsUser:Drupal7:RoleIds (add it there with its rid from admin/people/permissions/roles)", StringComparer.Ordinal);
        return Task.FromResult(CmsRoleCheck.NotVerifiable(
            "the Drupal 7 Services module lists no roles, so the role ids (CmsUser:Drupal7:RoleIds) were not checked against the site; compare them with admin/people/permissions/roles", unmapped));
    }

    private List<string> ResolveRoles(IEnumerable<string> roles)
    {
        var map = _options.Value.RoleIds;
        var rids = new List<string>();
        foreach (var role in roles.Where(r => !string.IsNullOrWhiteSpace(r)))
        {
            var rid = map.TryGetValue(role.Trim(), out var mapped) ? mapped
                : uint.TryParse(role, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? role.Trim()
                : throw new CmsProviderException(Drupal7Errors.Cms, CmsErrorReason.UnknownRole,
                    $"Drupal 7 takes role ids; '{role}' is not in CmsUser:Drupal7:RoleIds. Add it with its rid from admin/people/permissions/roles.");
            if (rid != AuthenticatedRid && !rids.Contains(rid))
            {
                rids.Add(rid);
            }
        }

        return rids;
    }

    private Task<JsonNode?> SendAsync(Call call, CancellationToken cancellationToken)
    {
        // Services reads a body on every write; an action without arguments gets an empty object.
        var body = call.Body ?? (call.Method == HttpMethod.Get ? null : HttpBody.Json("{}"));
        return _channel.SendJsonAsync(call with { Body = body }, cancellationToken);
    }

    /// <summary>As <see cref="SendAsync(Call, CancellationToken)"/>, the JSON read with <paramref name="read"/>: a failure to read it is logged once as an unusable answer.</summary>
    private Task<T?> SendAsync<T>(Call call, Func<JsonNode?, HttpAnswer, T> read, CancellationToken cancellationToken)
    {
        var sent = call with { Body = call.Body ?? (call.Method == HttpMethod.Get ? null : HttpBody.Json("{}")) };
        return _channel.SendAsync(sent, answer => read(_channel.ReadJson(sent, answer), answer), cancellationToken);
    }

    /// <summary>The current session, or a new login when there is none or it is the refused one. Logins are serialised.</summary>
    private async Task<Drupal7Session> EnsureSessionAsync(Drupal7Session? refused, CancellationToken cancellationToken)
    {
        var session = Volatile.Read(ref _session);
        if (session is not null && session != refused)
        {
            return session;
        }

        await _loginGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_session is not null && _session != refused)
            {
                return _session;
            }

            var fresh = await LoginAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _session, fresh);
            return fresh;
        }
        finally
        {
            _loginGate.Release();
        }
    }

    private async Task<Drupal7Session> LoginAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var body = JsonSerializer.Serialize(new Drupal7LoginRequest(options.Username ?? string.Empty, options.Password ?? string.Empty), Drupal7JsonContext.Default.Drupal7LoginRequest);
        // A repeated login only opens another session.
        var call = new Call(HttpMethod.Post, "user/login.json", Drupal7AnswerClassifier.LoginRoute) { Body = HttpBody.Json(body), RetrySafe = true, Anonymous = true, SecretMembers = ["sessid", "token"] };
        // An answer without the session (another shape, JSON of another kind) is logged once as an unusable answer (3211),
        // the session's secrets taken out of the excerpt (the call's secret members).
        var (login, user) = await _channel.SendAsync(
            call,
            answer =>
            {
                var node = _channel.ReadJson(call, answer);
                Drupal7LoginResponse? read = null;
                try
                {
                    read = node?.Deserialize(Drupal7JsonContext.Default.Drupal7LoginResponse);
                    _channel.Issued("session", read?.SessionId, read?.Token);
                }
                catch (JsonException)
                {
                }

                return !string.IsNullOrEmpty(read?.SessionId) && !string.IsNullOrEmpty(read.SessionName) && !string.IsNullOrEmpty(read.Token)
                    ? (read, Id(Get(Get(node, "user"), "uid")) ?? 0)
                    : throw Unexpected(call.Route, "an answer without sessid, session_name and token (Services 3.4 or later is needed for the token)", answer.Status);
            },
            cancellationToken).ConfigureAwait(false);
        Log.LoggedIn(_logger, user);
        return new Drupal7Session(login.SessionName!, login.SessionId!, login.Token!);
    }

    private static CmsProviderException Unexpected(string route, string what, int? status = null) =>
        new(Drupal7Errors.Cms, CmsErrorReason.UnexpectedResponse, $"Drupal 7 answered {route} with {what}.", statusCode: status);

    private static Uri BuildUri(Drupal7Options options, string path)
    {
        var baseUrl = HttpEndpointGuard.WithTrailingSlash(options.BaseUrl ?? throw new InvalidOperationException("CmsUser:Drupal7:BaseUrl is not set."));
        var endpoint = options.Endpoint?.Trim('/') ?? throw new InvalidOperationException("CmsUser:Drupal7:Endpoint is not set.");
        return new Uri(baseUrl, endpoint + "/" + path);
    }

    private static string UserPath(long userId, string? action = null) =>
        "user/" + userId.ToString(CultureInfo.InvariantCulture) + (action is null ? string.Empty : "/" + action) + ".json";

    /// <summary>
    /// Sends a mail action. Services 7.x-3.x's actions return <c>TRUE</c>, which its JSON formatter writes as <c>[true]</c>
    /// (a scalar is wrapped in a list); a bare <c>true</c> is taken too. <c>false</c> (a site whose action reports
    /// <c>drupal_mail()</c>'s result) fails as <see cref="CmsErrorReason.MailFailed"/>: the site answered, no outage. Any
    /// other answer is one the provider cannot use (logged once, <see cref="CmsErrorReason.UnexpectedResponse"/>), never a
    /// sent email.
    /// </summary>
    private async Task SendMailAsync(Call call, string what, CancellationToken cancellationToken)
    {
        var sent = await SendAsync(
            call,
            (answer, _) => (answer is JsonArray { Count: 1 } list ? list[0] : answer) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? v.GetValue<bool>()
                : throw Unexpected(call.Route, "an answer that is neither true nor false"),
            cancellationToken).ConfigureAwait(false);
        if (!sent)
        {
            throw new CmsProviderException(Drupal7Errors.Cms, CmsErrorReason.MailFailed, $"Drupal 7 could not send the {what} email (the action answered false); check the site's mail system.", statusCode: 200, errorCode: "mail_failed");
        }
    }

    private static JsonObject RoleObject(IEnumerable<string> rids)
    {
        var roles = new JsonObject();
        foreach (var rid in rids)
        {
            roles[rid] = rid;
        }

        return roles;
    }

    private static JsonObject FieldValue(string value) =>
        new() { ["und"] = new JsonArray(new JsonObject { ["value"] = value }) };

    private static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%*+-=?", 24);

    private static long? Id(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var n) => n,
        JsonValue v when Str(v) is { } s && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    /// <summary>An account from a user's JSON with its <paramref name="roles"/> (<see cref="RolesOf"/>; none for an index row).</summary>
    private static CmsAccount ToAccount(JsonNode user, IReadOnlyList<KeyValuePair<string, JsonNode?>> roles)
    {
        var uid = Id(Get(user, "uid")) ?? throw Unexpected("user", "a user without uid");
        bool? active = Id(Get(user, "status")) is { } status ? status == 1 : null;
        var names = roles.Where(r => r.Key != AuthenticatedRid).Select(r => Str(r.Value) ?? r.Key).ToList();
        // created: Unix seconds, a string in the Services answers.
        var created = Get(user, "created") switch
        {
            JsonValue v when v.TryGetValue<long>(out var seconds) => CmsDates.FromUnixSeconds(seconds.ToString(CultureInfo.InvariantCulture)),
            var v => CmsDates.FromUnixSeconds(Str(v)),
        };
        return new CmsAccount(uid, Str(Get(user, "name")), Str(Get(user, "mail"))) { IsActive = active, Roles = names, CreatedAt = created };
    }

    private sealed record Call(HttpMethod Method, string Path, string Route) : HttpCall(Method, Path, Route);

    /// <summary>The Services session: the cookie on every call, the CSRF token on writes; one new login when Drupal refuses it.</summary>
    private sealed class SessionCredentials(Drupal7AccountProvider provider) : IHttpCredentials
    {
        public async ValueTask<object?> ApplyAsync(HttpRequestMessage request, HttpChannel channel, CancellationToken cancellationToken)
        {
            var session = await provider.EnsureSessionAsync(null, cancellationToken).ConfigureAwait(false);
            request.Headers.TryAddWithoutValidation("Cookie", session.Cookie);
            if (request.Method != HttpMethod.Get)
            {
                request.Headers.TryAddWithoutValidation("X-CSRF-Token", session.Token);
            }

            return session;
        }

        public bool Renew(HttpCall call, HttpAnswer answer, object used)
        {
            if (!Drupal7Errors.IsSessionProblem(answer.Status, answer.ReasonPhrase, answer.MediaType, answer.Body))
            {
                return false;
            }

            // Sessions expire and CSRF tokens go stale; one fresh login is worth a try.
            Log.SessionRefused(provider._logger, answer.Status, call.Method.Method, call.Route);
            Interlocked.CompareExchange(ref provider._session, null, (Drupal7Session)used);
            return true;
        }
    }
}
