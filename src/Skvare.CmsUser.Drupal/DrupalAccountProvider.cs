using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;
using static Skvare.CmsUser.Shared.DrupalFamilyJson;

namespace Skvare.CmsUser.Drupal;

/// <summary>
/// Creates and manages Drupal 8+ (10/11) accounts: core REST (<c>/entity/user</c>, <c>/user/{uid}</c>,
/// <c>/user/password</c>, always <c>?_format=json</c>) for writes, JSON:API (<c>/jsonapi/user/user</c>) for
/// lookups (a whole page of emails and usernames in one JSON:API query, <see cref="ICmsAccountPrefetch"/>), and
/// optionally the <c>cmsuser_companion</c> module for the welcome email and login links.
/// Authenticates with HTTP Basic or a simple_oauth client-credentials token. Thread-safe.
/// </summary>
public sealed class DrupalAccountProvider : ICmsAccountProvider, ICmsAccountPrefetch, ICmsRoleCatalog, IDisposable, IChecksSecretsAtStart
{
    /// <inheritdoc />
    void IChecksSecretsAtStart.CheckSecrets() => _channel.CheckSecrets();

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client this provider uses.</summary>
    public const string HttpClientName = "Skvare.CmsUser.Drupal";

    private const string JsonApiMediaType = "application/vnd.api+json";
    private const string RegisterAdminCreated = "register_admin_created";
    private const string PasswordReset = "password_reset";
    private const int MaxQueryLength = 6000;
    private const string NotifiedHeader = "X-Cmsuser-Notified";
    private const int MaxPrefetchPages = 40;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<DrupalOptions> _options;
    private readonly ILogger _logger;
    private readonly DrupalTokenSource _tokens;
    private readonly HttpChannel _channel;
    private readonly PageAccountIndex<CmsAccount> _index;

    /// <summary>Creates the provider (normally through <c>AddDrupal</c>).</summary>
    /// <param name="httpClientFactory">Creates the <see cref="HttpClientName"/> client.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="logger">The logger; never receives secrets.</param>
    /// <param name="timeProvider">The clock for OAuth token expiry; <see cref="TimeProvider.System"/> when omitted.</param>
    public DrupalAccountProvider(IHttpClientFactory httpClientFactory, IOptions<DrupalOptions> options, ILogger<DrupalAccountProvider>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _tokens = new DrupalTokenSource(timeProvider ?? TimeProvider.System);
        _index = new PageAccountIndex<CmsAccount>(timeProvider ?? TimeProvider.System, a => a.UserId, a => a.Email, a => a.Username);
        _channel = new HttpChannel(
            () => httpClientFactory.CreateClient(HttpClientName),
            path => BuildUri(options.Value, path),
            new DrupalAnswerClassifier(() => options.Value.Authentication),
            new HttpChannelLog(_logger, "Drupal", answeredEventId: 3100, failedEventId: 3103, weakSecretsEventId: 3114, unusableEventId: 3115))
        {
            Credentials = new DrupalCredentials(this),
            Secrets = () => [options.Value.Password, options.Value.ClientSecret, string.IsNullOrEmpty(options.Value.Password) ? null : SecretRedactor.BasicToken(options.Value.Username, options.Value.Password)],
        };
    }

    /// <summary>
    /// Drupal's rules as the SDK applies them: core accepts ASCII letters, digits, space and <c>@+_.'-</c>
    /// (plus most non-ASCII letters) up to 60 characters; the SDK keeps to <c>[a-z0-9._@+-]</c>, which avoids
    /// the spacing rules.
    /// </summary>
    public static UsernameRules Rules { get; } = new()
    {
        MaxLength = 60,
        MinLength = 1,
        AllowedPunctuation = "._@+-",
        AsciiOnly = true,
        Lowercase = true,
    };

    /// <inheritdoc />
    public string Name => DrupalErrors.Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules => Rules;

    /// <inheritdoc />
    public CmsCapabilities Capabilities
    {
        get
        {
            var options = _options.Value;
            var capabilities = CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock | CmsCapabilities.CreateRefusesDuplicates;
            return options.UseCompanionModule ? capabilities | CmsCapabilities.OneTimeLoginLink : capabilities;
        }
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return _index.TryFindByEmail(email.Trim(), out var known) ? Task.FromResult(known) : FindAsync("mail", email.Trim(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        return _index.TryFindByUsername(username, out var known) ? Task.FromResult(known) : FindAsync("name", username, cancellationToken);
    }

    /// <summary>
    /// Looks up, in one JSON:API query (<c>mail IN (…)</c> OR <c>name STARTS_WITH …</c>, following its pages of 50),
    /// the accounts with these emails and those whose username starts with one of these names; the page's
    /// <see cref="FindByEmailAsync"/> and <see cref="FindByUsernameAsync"/> questions are then answered without a
    /// request. A page too large for one URL is split. When a look-up fails, nothing is kept and every question goes
    /// to the site.
    /// </summary>
    /// <inheritdoc />
    public async Task PrefetchAsync(IReadOnlyCollection<string> emails, IReadOnlyCollection<string> usernames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emails);
        ArgumentNullException.ThrowIfNull(usernames);
        var wantedEmails = emails.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var prefixes = usernames.Where(u => !string.IsNullOrWhiteSpace(u)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (wantedEmails.Count == 0 && prefixes.Count == 0)
        {
            return;
        }

        var found = new List<CmsAccount>();
        try
        {
            foreach (var query in PrefetchQueries(wantedEmails, prefixes))
            {
                string? next = "jsonapi/user/user?" + query;
                for (var page = 0; next is not null; page++)
                {
                    if (page == MaxPrefetchPages)
                    {
                        // Too many to be sure the page is covered: every question goes to the site.
                        _index.Clear();
                        return;
                    }

                    var (data, node) = (await SendAsync(new DrupalCall(HttpMethod.Get, next, "jsonapi/user/user?filter", DrupalApi.JsonApi) { IsRead = true }, UserList, cancellationToken).ConfigureAwait(false))!;
                    found.AddRange(data.OfType<JsonObject>().Select(FromJsonApi).OfType<CmsAccount>());
                    next = Str(Get(Get(Get(node, "links"), "next"), "href"));
                }
            }
        }
        catch (CmsProviderException ex)
        {
            // The per-contact look-ups ask the site and report their own failures.
            _index.Clear();
            Log.PrefetchFailed(_logger, ex.Reason, ex.StatusCode);
            return;
        }

        _index.Load(wantedEmails, prefixes, found.DistinctBy(a => a.UserId));
    }

    /// <summary>
    /// The filter query strings of a page look-up: <c>mail IN</c> and one <c>STARTS_WITH</c> per name in an OR group,
    /// split so that no URL grows past <see cref="MaxQueryLength"/> (Apache refuses request lines over 8 KB).
    /// </summary>
    internal static IEnumerable<string> PrefetchQueries(IReadOnlyList<string> emails, IReadOnlyList<string> prefixes)
    {
        const string Start = "filter[any][group][conjunction]=OR";
        const string End = "&sort=drupal_internal__uid&page[limit]=50";
        const string MailCondition = "&filter[m][condition][path]=mail&filter[m][condition][operator]=IN&filter[m][condition][memberOf]=any";
        var query = new System.Text.StringBuilder(Start);
        var terms = 0;
        var hasMail = false;
        foreach (var (isMail, value) in emails.Select(e => (true, e)).Concat(prefixes.Select(p => (false, p))))
        {
            if (terms > 0 && query.Length + Term(isMail, value, terms).Length + MailCondition.Length + End.Length > MaxQueryLength)
            {
                yield return query.Append(End).ToString();
                query.Clear().Append(Start);
                terms = 0;
                hasMail = false;
            }

            if (isMail && !hasMail)
            {
                query.Append(MailCondition);
                hasMail = true;
            }

            query.Append(Term(isMail, value, terms++));
        }

        if (terms > 0)
        {
            yield return query.Append(End).ToString();
        }

        // One IN value of the "m" condition, or one STARTS_WITH condition of its own; both members of the OR group.
        static string Term(bool isMail, string value, int index)
        {
            var n = index.ToString(CultureInfo.InvariantCulture);
            var escaped = Uri.EscapeDataString(value);
            return isMail
                ? $"&filter[m][condition][value][{n}]={escaped}"
                : $"&filter[n{n}][condition][path]=name&filter[n{n}][condition][operator]=STARTS_WITH&filter[n{n}][condition][value]={escaped}&filter[n{n}][condition][memberOf]=any";
        }
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        // Only a 404 is "no such user": a 200 of JSON null is an answer of another shape, not a missing user.
        var call = new DrupalCall(HttpMethod.Get, UserPath(userId), "user/{uid}") { NullWhenNotFound = true, IsRead = true };
        return await SendAsync(call, node => FromRest(node ?? throw Unexpected("user", "JSON null")), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);
        var options = _options.Value;

        var body = new JsonObject
        {
            ["name"] = Values(account.Username),
            ["mail"] = Values(account.Email.Trim()),
            // Drupal's default status is blocked, so it is always sent.
            ["status"] = new JsonArray(new JsonObject { ["value"] = account.Active }),
        };
        if (account.Password is not null)
        {
            body["pass"] = Values(account.Password);
        }

        if (account.Roles is { Count: > 0 } roles)
        {
            body["roles"] = RoleList(roles);
        }

        if (DrupalFamilyLanguage.FromCiviCrmLocale(account.Language) is { } langcode)
        {
            body["preferred_langcode"] = Values(langcode);
        }

        // A part of a compound field (field_address[0][locality]) is a property of the field's item: [{"locality": …}].
        foreach (var (field, _, items) in DrupalFieldItems.Build(account.Fields ?? new Dictionary<string, string>(), languageFirst: false))
        {
            body[field] = items;
        }

        if (!string.IsNullOrEmpty(options.FirstNameField) && !string.IsNullOrWhiteSpace(account.FirstName))
        {
            body[options.FirstNameField] = Values(account.FirstName);
        }

        if (!string.IsNullOrEmpty(options.LastNameField) && !string.IsNullOrWhiteSpace(account.LastName))
        {
            body[options.LastNameField] = Values(account.LastName);
        }

        // With the companion module (1.1.0+) the new-account email goes out inside the create: one request instead of two.
        var notifyInside = account.Notify && options.UseCompanionModule;
        var path = notifyInside ? "entity/user?_format=json&cmsuser_notify=" + RegisterAdminCreated : "entity/user?_format=json";
        var call = new DrupalCall(HttpMethod.Post, path, "entity/user") { Body = HttpBody.Json(body.ToJsonString()), IsCreate = true, Secrets = [account.Password] };
        HttpAnswer answer;
        try
        {
            answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
        }
        catch (CmsProviderException ex) when (ex.Reason is CmsErrorReason.DuplicateUsername or CmsErrorReason.DuplicateEmail)
        {
            // When the page look-up said free, the site knows better and later questions go to the site; when it knows
            // the account that took the name or email (a re-import), it answers them.
            _index.Refused(ex.Reason == CmsErrorReason.DuplicateEmail ? account.Email : null, ex.Reason == CmsErrorReason.DuplicateUsername ? account.Username : null);
            throw;
        }

        var notified = answer.Headers.TryGetValues(NotifiedHeader, out var values) ? values.FirstOrDefault() : null;
        var result = _channel.Use(call, answer, a => Created(call, a));

        _index.Add(result);
        Log.Created(_logger, result.UserId);

        if (notifyInside && notified == RegisterAdminCreated)
        {
            Log.MailSent(_logger, result.UserId, RegisterAdminCreated);
            return result with { Notification = CmsNotification.Sent };
        }

        if (notifyInside && notified is not null)
        {
            // The module tried and the site's mail system refused: sending again would fail the same way.
            Log.NotificationNotSent(_logger, result.UserId, RegisterAdminCreated, CmsErrorReason.MailFailed);
            return FailedNotification.MailRefused(result, MailFailedOnCreate);
        }

        if (!account.Notify)
        {
            return result with { Notification = CmsNotification.NotRequested };
        }

        // No companion module, or one older than 1.1.0 (no header): the email takes a request of its own. The account
        // exists, so that request is finished whatever the caller's token says now (bounded by the HTTP timeouts), as the
        // engine finishes a write it sent: abandoned, it left an account without its email and the caller without the account.
        try
        {
            await NotifyAsync(result, CancellationToken.None).ConfigureAwait(false);
            // The module's notify route says whether the mail went out. Core's user/password answers 400 "Unable to send
            // email" when the mail fails, and 200 otherwise, also for a blocked account, to which it sends nothing.
            return result with { Notification = options.UseCompanionModule || account.Active ? CmsNotification.Sent : CmsNotification.Unknown };
        }
        catch (CmsProviderException ex)
        {
            // The account exists; the engine should not fail the contact for a mail problem.
            Log.NotificationNotSent(_logger, result.UserId, options.UseCompanionModule ? RegisterAdminCreated : PasswordReset, ex.Reason);
            return FailedNotification.Of(result, ex);
        }
    }

    /// <summary>The reason given when the create's <c>X-Cmsuser-Notified</c> header says <c>failed</c>: the header carries no text of its own.</summary>
    internal const string MailFailedOnCreate = "Drupal's mail system could not send it (_user_mail_notify returned no success); check the site's mail setup";

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count > 0)
        {
            await ReplaceRolesAsync(account.UserId, current => current.Concat(roles.Where(r => !string.IsNullOrWhiteSpace(r) && r != "authenticated")).Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count > 0)
        {
            await ReplaceRolesAsync(account.UserId, current => current.Where(r => !roles.Contains(r, StringComparer.Ordinal)).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PATCH replaces the whole role list: reads the current roles, sends the changed list when it differs, and logs
    /// what Drupal answers. Sending a whole list is idempotent, so a retry after a lost answer does no harm.
    /// </summary>
    private async Task ReplaceRolesAsync(long userId, Func<IReadOnlyList<string>, List<string>> change, CancellationToken cancellationToken)
    {
        var current = await GetByIdAsync(userId, cancellationToken).ConfigureAwait(false)
            ?? throw new CmsProviderException(DrupalErrors.Cms, CmsErrorReason.NotFound, $"Drupal has no account {userId}.", statusCode: 404);
        var next = change(current.Roles);
        if (next.Count == current.Roles.Count && next.All(current.Roles.Contains))
        {
            return;
        }

        var body = new JsonObject { ["roles"] = RoleList(next) };
        var call = new DrupalCall(HttpMethod.Patch, UserPath(userId), "user/{uid}") { Body = HttpBody.Json(body.ToJsonString()), RetrySafe = true };
        var updated = await SendAsync(call, node => node is null ? null : FromRest(node), cancellationToken).ConfigureAwait(false);
        Log.RolesAdded(_logger, userId, string.Join(", ", updated?.Roles ?? next));
    }

    /// <inheritdoc />
    public async Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        var mail = account.Email;
        if (string.IsNullOrWhiteSpace(mail))
        {
            mail = (await GetByIdAsync(account.UserId, cancellationToken).ConfigureAwait(false))?.Email
                ?? throw new CmsProviderException(DrupalErrors.Cms, CmsErrorReason.NotFound, $"Drupal has no account {account.UserId} with an email address.", statusCode: 404);
        }

        var body = JsonSerializer.Serialize(new DrupalPasswordRequest(mail.Trim()), DrupalJsonContext.Default.DrupalPasswordRequest);
        // Drupal answers 200 with an empty body whether or not the account exists (and sends nothing to a blocked one).
        try
        {
            await SendAsync(new DrupalCall(HttpMethod.Post, "user/password?_format=json", "user/password") { Body = HttpBody.Json(body), EmptyAnswer = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "mail_failed")
        {
            // 400 "Unable to send email": the site answered and its mail failed; no outage, so counted as an attempt.
            throw new CmsProviderException(DrupalErrors.Cms, CmsErrorReason.MailFailed, ex.Message, ex.StatusCode, ex.ErrorCode, ex);
        }

        Log.MailSent(_logger, account.UserId, PasswordReset);
    }

    /// <summary>Asks Drupal to send its "an account was created for you" email (the create sends it itself when asked).</summary>
    internal Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        return NotifyAsync(account, cancellationToken);
    }

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        var body = new JsonObject { ["status"] = new JsonArray(new JsonObject { ["value"] = false }) };
        await SendAsync(StatusCall(account.UserId, body), cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    /// <remarks>JSON:API <c>PATCH</c> of <c>status: true</c>, the reverse of <see cref="BlockAsync"/>; Drupal sends its "account activated" email when the site enables it.</remarks>
    public async Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        var body = new JsonObject { ["status"] = new JsonArray(new JsonObject { ["value"] = true }) };
        await SendAsync(StatusCall(account.UserId, body), cancellationToken).ConfigureAwait(false);
        Log.Unblocked(_logger, account.UserId);
    }

    /// <summary>
    /// The PATCH of an account's status. Not retry-safe: Drupal mails the person when the status changes ("account blocked",
    /// "account activated", when the site enables them), and a second try sent while the first was still being carried out
    /// (its answer late or lost) finds the old status too and mails again. Sent once; a request that never left is still
    /// retried, and the next run sees the account's status as it is.
    /// </summary>
    private static DrupalCall StatusCall(long userId, JsonObject body) =>
        new(HttpMethod.Patch, UserPath(userId), "user/{uid}") { Body = HttpBody.Json(body.ToJsonString()) };

    /// <inheritdoc />
    public async Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        if (!_options.Value.UseCompanionModule)
        {
            // Core has no API that issues user_pass_reset_url(); only the companion module does.
            return null;
        }

        // An answer without a link is logged once as an unusable answer (3115), as any other of the wrong shape.
        var call = new DrupalCall(HttpMethod.Post, CompanionPath(account.UserId, "login-link"), "cmsuser/user/{uid}/login-link", DrupalApi.Companion) { RetrySafe = true, SecretMembers = ["url"] };
        var url = await _channel.SendAsync(
            call,
            answer => _channel.LoginLink(_channel.Read(call, answer, DrupalJsonContext.Default.DrupalLoginLink).Url, () => Unexpected(call.Route, "an answer without an absolute url", answer.Status)),
            cancellationToken).ConfigureAwait(false);
        Log.LoginLinkIssued(_logger, account.UserId);
        return url;
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var options = _options.Value;
        var checks = new List<ConnectivityCheck> { await CheckCredentialsAsync(cancellationToken).ConfigureAwait(false) };
        await CheckAsync(checks, "JSON:API lookup by mail", async ct =>
        {
            await FindByEmailAsync("cmsuser-connectivity-check@example.invalid", ct).ConfigureAwait(false);
            return "filter[mail] on /jsonapi/user/user is allowed.";
        }, cancellationToken).ConfigureAwait(false);
        if (options.UseCompanionModule)
        {
            await CheckAsync(checks, "cmsuser_companion module", async ct =>
            {
                // An answer that is not the module's is logged once as an unusable answer (3115).
                var call = new DrupalCall(HttpMethod.Get, "cmsuser/status?_format=json", "cmsuser/status", DrupalApi.Companion) { IsRead = true };
                var status = (await _channel.SendAsync(
                    call,
                    answer => _channel.Read(call, answer, DrupalJsonContext.Default.DrupalCompanionStatus) is { Module: "cmsuser_companion" } module
                        ? module
                        : throw Unexpected(call.Route, "an answer that is not the cmsuser_companion module's", answer.Status),
                    ct).ConfigureAwait(false))!;
                return $"Module {status.Version} on Drupal {status.Drupal}, acting as user {status.Uid}.";
            }, cancellationToken).ConfigureAwait(false);
        }

        return new ConnectivityReport($"Drupal {options.BaseUrl}", checks.TrueForAll(c => c.Passed), checks);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request: <c>GET user/1?_format=json</c> (uid 1 always exists; reading it needs the resource's GET method and an
    /// account that may view users), after the token request when the process has no OAuth token yet. Drupal answers a
    /// wrong Basic password as it answers an anonymous caller, 403, so refused credentials and a missing permission read alike.
    /// </remarks>
    public async Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<ConnectivityCheck>(1);
        await CheckAsync(checks, "Core REST user resource and credentials", async ct =>
        {
            var admin = await GetByIdAsync(1, ct).ConfigureAwait(false);
            return admin is null ? "Answered, but user 1 was not found." : "GET /user/1?_format=json answered as expected.";
        }, cancellationToken).ConfigureAwait(false);
        return checks[0];
    }

    /// <summary>Releases the token cache's lock.</summary>
    public void Dispose() => _tokens.Dispose();

    private static async Task CheckAsync(List<ConnectivityCheck> checks, string name, Func<CancellationToken, Task<string>> check, CancellationToken cancellationToken)
    {
        try
        {
            checks.Add(new ConnectivityCheck(name, true, await check(cancellationToken).ConfigureAwait(false)));
        }
        catch (CmsProviderException ex)
        {
            checks.Add(ConnectivityCheck.Failed(name, ex));
        }
    }

    private async Task NotifyAsync(CmsAccount account, CancellationToken cancellationToken)
    {
        if (!_options.Value.UseCompanionModule)
        {
            // Core REST sends no welcome email; the one-time login email lets the person set a password.
            Log.NotificationFallback(_logger, account.UserId);
            await SendPasswordResetAsync(account, cancellationToken).ConfigureAwait(false);
            return;
        }

        // An answer without "sent" is logged once as an unusable answer (3115); "sent": false is the site's own word.
        var call = new DrupalCall(HttpMethod.Post, CompanionPath(account.UserId, "notify"), "cmsuser/user/{uid}/notify", DrupalApi.Companion);
        var sent = await _channel.SendAsync(
            call,
            answer => _channel.Read(call, answer, DrupalJsonContext.Default.DrupalNotifyResult).Sent ?? throw Unexpected(call.Route, "an answer without \"sent\"", answer.Status),
            cancellationToken).ConfigureAwait(false);
        if (!sent)
        {
            // The site answered that its mail failed: no outage (as a reset the site could not mail).
            throw new CmsProviderException(DrupalErrors.Cms, CmsErrorReason.MailFailed, "Drupal could not send the new-account email (sent: false); check the site's mail system.", statusCode: 200, errorCode: "mail_failed");
        }

        Log.MailSent(_logger, account.UserId, RegisterAdminCreated);
    }

    private async Task<CmsAccount?> FindAsync(string field, string value, CancellationToken cancellationToken)
    {
        var path = $"jsonapi/user/user?filter[{field}]={Uri.EscapeDataString(value)}";
        var (data, _) = (await SendAsync(new DrupalCall(HttpMethod.Get, path, "jsonapi/user/user?filter[" + field + "]", DrupalApi.JsonApi) { IsRead = true }, UserList, cancellationToken).ConfigureAwait(false))!;

        // The filter is case-insensitive on MySQL but not on every database; keep only the exact match.
        foreach (var resource in data.OfType<JsonObject>())
        {
            var account = FromJsonApi(resource);
            var candidate = field == "mail" ? account?.Email : account?.Username;
            if (account is not null && string.Equals(candidate?.Trim(), value, StringComparison.OrdinalIgnoreCase))
            {
                return account;
            }
        }

        return null;
    }

    private Task<JsonNode?> SendAsync(DrupalCall call, CancellationToken cancellationToken) => _channel.SendJsonAsync(call, cancellationToken);

    /// <summary>Sends <paramref name="call"/> and reads its JSON with <paramref name="read"/>; a failure to read it is logged once as an unusable answer.</summary>
    private Task<T?> SendAsync<T>(DrupalCall call, Func<JsonNode?, T> read, CancellationToken cancellationToken) =>
        _channel.SendAsync(call, answer => read(_channel.ReadJson(call, answer)), cancellationToken);

    /// <summary>A JSON:API user collection: its <c>data</c> list and the document (for <c>links.next</c>).</summary>
    private static (JsonArray Data, JsonNode? Document) UserList(JsonNode? node) =>
        Get(node, "data") is JsonArray data ? (data, node) : throw Unexpected("jsonapi/user/user", "a document without a data list");

    /// <summary>
    /// The new account from a create's successful answer. Drupal accepted the create: an account it describes oddly (JSON
    /// null, no readable uid) may exist, so only this contact fails (<see cref="CmsErrorReason.UnknownOutcome"/>).
    /// </summary>
    private CmsAccount Created(HttpCall call, HttpAnswer answer)
    {
        var created = _channel.ReadJson(call, answer) ?? throw CmsAnswerClassifier.UnreadableCreate(DrupalErrors.Cms, "Drupal", call.Route, answer.Status, _channel.Redact(call, answer.Body));
        try
        {
            return FromRest(created);
        }
        catch (CmsProviderException ex) when (ex.Reason == CmsErrorReason.UnexpectedResponse)
        {
            // The answer as sent: writing the parsed JSON back out throws for text it cannot hold (an unpaired surrogate escape).
            throw CmsAnswerClassifier.UnreadableCreate(DrupalErrors.Cms, "Drupal", call.Route, answer.Status, _channel.Redact(call, answer.Body), ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>GET jsonapi/user_role/user_role</c> (pages of 50, <c>links.next</c>): a rule names a role by its machine name
    /// (<c>drupal_internal__id</c>). Drupal shows roles only to an account with <c>administer permissions</c>; without
    /// it JSON:API omits them (<c>meta.omitted</c>) and the roles are not verifiable.
    /// </remarks>
    public async Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var site = new List<string>();
        var omitted = false;
        string? next = "jsonapi/user_role/user_role?page[limit]=50";
        for (var page = 0; next is not null && page < MaxPrefetchPages; page++)
        {
            // A document without its data list is logged once as an unusable answer (3115).
            var (data, node) = (await SendAsync(
                new DrupalCall(HttpMethod.Get, next, "jsonapi/user_role/user_role", DrupalApi.JsonApi) { IsRead = true },
                doc => Get(doc, "data") is JsonArray list ? (list, doc) : throw Unexpected("jsonapi/user_role/user_role", "a document without a data list"),
                cancellationToken).ConfigureAwait(false))!;

            site.AddRange(data.OfType<JsonObject>().Select(r => Str(Get(r["attributes"], "drupal_internal__id"))).OfType<string>());
            omitted |= Get(Get(node, "meta"), "omitted") is not null;
            next = Str(Get(Get(Get(node, "links"), "next"), "href"));
        }

        if (omitted && site.Count == 0)
        {
            return CmsRoleCheck.NotVerifiable("Drupal lists roles only to an API account with the 'administer permissions' permission (JSON:API omitted them)");
        }

        // A name that differs only in case is left to Drupal: whether it takes it depends on the site's database.
        var known = new HashSet<string>(site, StringComparer.OrdinalIgnoreCase) { "authenticated" };
        var unknown = roles.Distinct(StringComparer.Ordinal).Where(r => !known.Contains(r))
            .ToDictionary(r => r, r => $"'{r}' is not the machine name of a Drupal role", StringComparer.Ordinal);
        return CmsRoleCheck.Listed(site.Where(r => r is not ("anonymous" or "authenticated")).ToList(), unknown);
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchTokenAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_id", options.ClientId ?? string.Empty),
            new("client_secret", options.ClientSecret ?? string.Empty),
        };
        if (!string.IsNullOrWhiteSpace(options.Scope))
        {
            form.Add(new("scope", options.Scope.Trim()));
        }

        var call = new DrupalCall(HttpMethod.Post, (options.TokenPath ?? "oauth/token").Trim('/'), "oauth/token", DrupalApi.Token) { Body = HttpBody.Form(form), RetrySafe = true, Anonymous = true, SecretMembers = ["access_token", "refresh_token"] };
        // An answer without a Bearer token (another shape, JSON of another kind) is logged once as an unusable answer
        // (3115), its tokens taken out of the excerpt (the call's secret members).
        var token = (await _channel.SendAsync(
            call,
            answer =>
            {
                DrupalTokenResponse? read;
                try
                {
                    read = _channel.ReadJson(call, answer)?.Deserialize(DrupalJsonContext.Default.DrupalTokenResponse);
                    _channel.Issued("OAuth token", read?.AccessToken, read?.RefreshToken);
                }
                catch (JsonException)
                {
                    read = null;
                }

                return !string.IsNullOrEmpty(read?.AccessToken) && string.Equals(read.TokenType, "Bearer", StringComparison.OrdinalIgnoreCase)
                    ? read
                    : throw Unexpected(call.Route, "an answer without a Bearer access_token; check CmsUser:Drupal:TokenPath", answer.Status);
            },
            cancellationToken).ConfigureAwait(false))!;

        var lifetime = TimeSpan.FromSeconds(Math.Max(1, token.ExpiresIn ?? 300));
        Log.TokenObtained(_logger, lifetime);
        return (token.AccessToken!, lifetime);
    }

    private static CmsProviderException Unexpected(string route, string what, int? status = null) =>
        new(DrupalErrors.Cms, CmsErrorReason.UnexpectedResponse, $"Drupal answered {route} with {what}.", statusCode: status);

    private static Uri BuildUri(DrupalOptions options, string path)
    {
        var baseUrl = HttpEndpointGuard.WithTrailingSlash(options.BaseUrl ?? throw new InvalidOperationException("CmsUser:Drupal:BaseUrl is not set."));
        return new Uri(baseUrl, path);
    }

    private static string UserPath(long userId) => "user/" + userId.ToString(CultureInfo.InvariantCulture) + "?_format=json";

    private static string CompanionPath(long userId, string action) =>
        "cmsuser/user/" + userId.ToString(CultureInfo.InvariantCulture) + "/" + action + "?_format=json";

    private static JsonArray Values(string value) => new(new JsonObject { ["value"] = value });

    private static JsonArray RoleList(IEnumerable<string> roles) =>
        new([.. roles.Select(r => (JsonNode?)new JsonObject { ["target_id"] = r })]);

    /// <summary>Reads a core REST user normalisation (field lists: <c>uid[0].value</c>).</summary>
    private static CmsAccount FromRest(JsonNode node)
    {
        var uid = First(node, "uid");
        var id = uid switch
        {
            JsonValue v when v.TryGetValue<long>(out var n) => n,
            JsonValue v when Str(v) is { } s && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw Unexpected("user", "a user without uid[0].value"),
        };
        var status = First(node, "status");
        bool? active = status is JsonValue sv && sv.TryGetValue<bool>(out var b) ? b : null;
        var roles = Get(node, "roles") is JsonArray list
            ? list.OfType<JsonObject>().Select(r => Str(r["target_id"])).OfType<string>().ToList()
            : [];
        return new CmsAccount(id, FirstString(node, "name"), FirstString(node, "mail")) { IsActive = active, Roles = roles, CreatedAt = Created(First(node, "created")) };
    }

    /// <summary>Reads a JSON:API <c>user--user</c> resource object.</summary>
    private static CmsAccount? FromJsonApi(JsonObject resource)
    {
        if (resource["attributes"] is not JsonObject attributes
            || attributes["drupal_internal__uid"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var uid))
        {
            return null;
        }

        var roles = Get(Get(resource["relationships"], "roles"), "data") is JsonArray data
            ? data.OfType<JsonObject>().Select(r => Str(Get(r["meta"], "drupal_internal__target_id"))).OfType<string>().ToList()
            : [];
        return new CmsAccount(uid, Str(attributes["name"]), Str(attributes["mail"]))
        {
            IsActive = attributes["status"] is JsonValue s && s.TryGetValue<bool>(out var active) ? active : null,
            Roles = roles,
            CreatedAt = Created(attributes["created"]),
        };
    }

    /// <summary>
    /// A user's <c>created</c>: RFC 3339 text (<c>Y-m-d\TH:i:sP</c>, Drupal 8.5 and later), or Unix seconds (a site that kept
    /// the older timestamp format); anything else is unknown.
    /// </summary>
    private static DateTimeOffset? Created(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<long>(out var seconds) => CmsDates.FromUnixSeconds(seconds.ToString(CultureInfo.InvariantCulture)),
        JsonValue v when Str(v) is { } text => CmsDates.FromText(text) ?? CmsDates.FromUnixSeconds(text),
        _ => null,
    };

    private static JsonNode? First(JsonNode node, string field) =>
        Get(node, field) is JsonArray { Count: > 0 } list && list[0] is JsonObject item ? item["value"] : null;

    private static string? FirstString(JsonNode node, string field) => Str(First(node, field));

    /// <summary>A Drupal call: the API it goes to decides the <c>Accept</c> media type and how errors read.</summary>
    private sealed record DrupalCall : HttpCall, IDrupalApiCall
    {
        public DrupalCall(HttpMethod method, string path, string route, DrupalApi api = DrupalApi.Rest)
            : base(method, path, route)
        {
            Api = api;
            Accept = api == DrupalApi.JsonApi ? JsonApiMediaType : null;
        }

        public DrupalApi Api { get; }
    }

    /// <summary>Basic credentials, or a simple_oauth client-credentials token renewed once when Drupal refuses it.</summary>
    private sealed class DrupalCredentials(DrupalAccountProvider provider) : IHttpCredentials
    {
        private readonly HeaderCredentials? _basic = provider._options.Value.Authentication == DrupalAuthenticationMode.OAuth2
            ? null
            : HeaderCredentials.Basic(provider._options.Value.Username, provider._options.Value.Password);

        public async ValueTask<object?> ApplyAsync(HttpRequestMessage request, HttpChannel channel, CancellationToken cancellationToken)
        {
            if (_basic is not null)
            {
                return await _basic.ApplyAsync(request, channel, cancellationToken).ConfigureAwait(false);
            }

            var token = await provider._tokens.GetAsync(provider.FetchTokenAsync, cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return token;
        }

        public bool Renew(HttpCall call, HttpAnswer answer, object used)
        {
            if (answer.Status != 401 || used is not string token)
            {
                return false;
            }

            // simple_oauth revokes tokens when keys or the consumer change; one fresh token is worth a try.
            Log.TokenRefused(provider._logger, call.Method.Method, call.Route);
            provider._tokens.Invalidate(token);
            return true;
        }
    }
}
