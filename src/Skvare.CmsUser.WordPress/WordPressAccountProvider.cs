using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.WordPress;

/// <summary>
/// Creates and manages WordPress accounts over the REST API (<c>/wp-json/wp/v2/users</c>) with an
/// application password, and optionally the Skvare CmsUser companion plugin, which creates an account and sends its
/// new-account email in one request and looks up a whole page of emails and usernames in one request
/// (<see cref="ICmsAccountPrefetch"/>). Thread-safe.
/// </summary>
public sealed class WordPressAccountProvider : ICmsAccountProvider, ICmsAccountPrefetch, ICmsRoleCatalog, ICmsRoleGrant, IChecksSecretsAtStart
{
    /// <inheritdoc />
    void IChecksSecretsAtStart.CheckSecrets() => _channel.CheckSecrets();

    /// <summary>The name of the <see cref="HttpClient"/> this provider asks <see cref="IHttpClientFactory"/> for.</summary>
    public const string HttpClientName = "Skvare.CmsUser.WordPress";

    private const int PageSize = 100;
    private const int MaxSearchPages = 10;
    private const int LookupMaxTerms = 500;
    private const string NotifiedHeader = "X-Skvare-CmsUser-Notified";

    /// <summary>The value of <see cref="NotifiedHeader"/> when the site could not send the new-account email (plugin 0.2.2).</summary>
    private const string NotifyFailed = "failed";
    private static readonly string[] CapabilitiesNeeded = ["create_users", "list_users", "edit_users", "promote_users"];
    private static readonly HashSet<string> TopLevelFields = new(StringComparer.Ordinal) { "nickname", "url", "description" };

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly WordPressOptions _options;
    private readonly ILogger _logger;
    private readonly Uri _baseUrl;
    private readonly HttpChannel _channel;
    private readonly PageAccountIndex<WpUser> _index = new(TimeProvider.System, u => u.Id, u => u.Email, u => u.Username);

    // Cleared when the installed companion plugin predates its create route (before 0.2.0): creates then take core's route
    // and a second request for the email.
    private volatile bool _companionCreates = true;
    private readonly CmsCapabilities _capabilities;

    /// <summary>Creates the provider.</summary>
    /// <param name="httpClientFactory">Supplies the <see cref="HttpClientName"/> client with the resilience pipeline.</param>
    /// <param name="options">The WordPress settings.</param>
    /// <param name="logger">The logger.</param>
    public WordPressAccountProvider(IHttpClientFactory httpClientFactory, IOptions<WordPressOptions> options, ILogger<WordPressAccountProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _baseUrl = HttpEndpointGuard.WithTrailingSlash(_options.BaseUrl ?? throw new CmsUserConfigurationException("CmsUser:WordPress:BaseUrl is missing."));
        _channel = new HttpChannel(
            () => httpClientFactory.CreateClient(HttpClientName),
            path => new Uri(_baseUrl, path),
            new WordPressAnswerClassifier(),
            new HttpChannelLog(_logger, "WordPress", answeredEventId: 3000, failedEventId: 3002, weakSecretsEventId: 3013, unusableEventId: 3014))
        {
            Credentials = HeaderCredentials.Basic(_options.Username, _options.ApplicationPassword),
            Secrets = () => [_options.ApplicationPassword, SecretRedactor.BasicToken(_options.Username, _options.ApplicationPassword)],
        };
        UsernameRules = RulesFor(_options);
        var capabilities = CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock | CmsCapabilities.CreateRefusesDuplicates;
        if (_options.UseCompanionPlugin)
        {
            capabilities |= CmsCapabilities.OneTimeLoginLink;
        }

        _capabilities = capabilities;
    }

    /// <inheritdoc />
    public string Name => WordPressErrors.Cms;

    /// <summary>
    /// The username rules for the settings: a multisite network allows only lowercase letters and digits, at least 4;
    /// a single site <c>[a-z0-9._@-]</c> as the SDK applies them.
    /// </summary>
    internal static UsernameRules RulesFor(WordPressOptions options) => options.Multisite ? MultisiteRules : SingleSiteRules;

    private static UsernameRules MultisiteRules { get; } = new() { MinLength = 4, MaxLength = 60, AllowedPunctuation = string.Empty, Lowercase = true, AsciiOnly = true };

    private static UsernameRules SingleSiteRules { get; } = new() { MinLength = 1, MaxLength = 60, AllowedPunctuation = "._-@", Lowercase = true, AsciiOnly = true };

    /// <inheritdoc />
    public UsernameRules UsernameRules { get; }

    /// <inheritdoc />
    /// <remarks>
    /// With the companion plugin the create and the new-account email are one request
    /// (<see cref="CmsCapabilities.NotifiesInCreate"/>), until the plugin turns out to lack that route (before 0.2.0).
    /// </remarks>
    public CmsCapabilities Capabilities => _options.UseCompanionPlugin && _companionCreates ? _capabilities | CmsCapabilities.NotifiesInCreate : _capabilities;

    /// <inheritdoc />
    public async Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        if (_index.TryFindByEmail(email.Trim(), out var known))
        {
            return known is null ? null : ToAccount(known);
        }

        var user = await SearchAsync(email.Trim(), "email", u => string.Equals(u.Email, email.Trim(), StringComparison.OrdinalIgnoreCase), cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        if (_index.TryFindByUsername(username, out var known))
        {
            return known is null ? null : ToAccount(known);
        }

        var user = await SearchAsync(username, "username", u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase), cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <summary>
    /// With the companion plugin (0.2.0 or later), looks up in one request the accounts with these emails and those
    /// whose username starts with one of these names; the page's <see cref="FindByEmailAsync"/> and
    /// <see cref="FindByUsernameAsync"/> questions are then answered without a request. Without the plugin, or when
    /// the look-up fails or is too large to be complete, nothing is kept and every question goes to the site.
    /// </summary>
    /// <inheritdoc />
    public async Task PrefetchAsync(IReadOnlyCollection<string> emails, IReadOnlyCollection<string> usernames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emails);
        ArgumentNullException.ThrowIfNull(usernames);
        var wantedEmails = emails.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var prefixes = usernames.Where(u => !string.IsNullOrWhiteSpace(u)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (!_options.UseCompanionPlugin || (wantedEmails.Count == 0 && prefixes.Count == 0))
        {
            return;
        }

        if (wantedEmails.Count > LookupMaxTerms || prefixes.Count > LookupMaxTerms)
        {
            // More than the plugin takes at once: the page asks per contact.
            _index.Clear();
            return;
        }

        var call = Rest(HttpMethod.Post, _options.CompanionRoute.Trim('/') + "/users/lookup", "{companion}/users/lookup", "look up accounts") with
        {
            Body = Json(new WpLookup { Emails = wantedEmails, Usernames = prefixes }, WordPressJsonContext.Default.WpLookup),
            // A read sent as POST (the plugin only selects): retried, a cut answer too.
            IsRead = true,
        };
        try
        {
            var found = (await _channel.SendAsync(call, WordPressJsonContext.Default.WpLookupAnswer, cancellationToken).ConfigureAwait(false))!;
            if (found.Truncated || found.Users is null)
            {
                // Too many to be sure the page is covered: every question goes to the site.
                _index.Clear();
                return;
            }

            _index.Load(wantedEmails, prefixes, found.Users.Where(u => u is not null && u.Id > 0));
        }
        catch (CmsProviderException ex)
        {
            // An older plugin without the route, or a failure: the per-contact look-ups ask the site and report their own failures.
            _index.Clear();
            Log.PrefetchFailed(_logger, ex.Reason, ex.ErrorCode);
        }
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        var user = await GetUserAsync(userId, allowMissing: true, cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);

        // WordPress has no account without a password: generate one nobody knows; the person sets their own from the notification.
        var body = new WpCreateUser
        {
            Username = account.Username,
            Email = account.Email,
            Password = account.Password ?? GeneratePassword(),
            FirstName = Blank(account.FirstName),
            LastName = Blank(account.LastName),
            Name = Blank(account.DisplayName),
            Locale = WordPressLocale.FromCiviCrm(account.Language),
            Roles = account.Roles.Count == 0 ? null : account.Roles.Distinct(StringComparer.Ordinal).ToList(),
        };
        foreach (var (key, value) in account.Fields)
        {
            switch (key)
            {
                case "nickname": body.Nickname = value; break;
                case "url": body.Url = value; break;
                case "description": body.Description = value; break;
                default:
                    body.Meta ??= new Dictionary<string, string>(StringComparer.Ordinal);
                    body.Meta[key] = value;
                    break;
            }
        }

        // With the companion plugin the new-account email goes out inside the create: one request instead of two.
        var notifyInside = account.Notify && account.Active && _options.UseCompanionPlugin && _companionCreates;
        var (created, notified, mailFailed) = await SendCreateAsync(account, Json(body, WordPressJsonContext.Default.WpCreateUser), body.Password, notifyInside, cancellationToken).ConfigureAwait(false);

        Log.Created(_logger, created.Id, account.Username);
        _index.Add(created);
        var result = ToAccount(created);

        // The account exists: its set-up (the block, the new-account email) is finished whatever the caller's token says
        // now, each request bounded by the HTTP timeouts, as the engine finishes a write it sent. Abandoned, it left an
        // account without its email (or unblocked) and the caller without the account (docs/architecture.md).
        var setUp = CancellationToken.None;
        if (!account.Active)
        {
            await BlockAsync(result, setUp).ConfigureAwait(false);
            return result with { IsActive = false, Roles = [], Notification = CmsNotification.NotRequested };
        }

        if (notified)
        {
            // Plugin 0.2.2 says "user" only when wp_mail() succeeded (earlier plugins said it either way).
            Log.MailRequested(_logger, "new account", result.UserId);
            return result with { Notification = CmsNotification.Sent };
        }

        if (mailFailed)
        {
            // Plugin 0.2.2: the site tried and its mail system failed; the account exists, and a second request
            // (the notify route) would fail the same way, so none is sent.
            Log.NotificationAfterCreateFailed(_logger, result.UserId, CmsErrorReason.MailFailed);
            return FailedNotification.MailRefused(result, MailFailedOnCreate);
        }

        if (!account.Notify)
        {
            return result with { Notification = CmsNotification.NotRequested };
        }

        // One email telling the person: WordPress's new-user email (set-password link) through the
        // companion plugin, otherwise its password reset email, which serves the same purpose.
        try
        {
            if (_options.UseCompanionPlugin)
            {
                await SendNewAccountNotificationAsync(result, setUp).ConfigureAwait(false);
            }
            else
            {
                await SendPasswordResetAsync(result, setUp).ConfigureAwait(false);
            }

            return result with { Notification = CmsNotification.Sent };
        }
        catch (CmsProviderException ex)
        {
            // The account exists: failing here would make the caller think the create failed.
            Log.NotificationAfterCreateFailed(_logger, result.UserId, ex.Reason);
            return FailedNotification.Of(result, ex);
        }
    }

    /// <summary>The reason given when the create's answer says <c>failed</c>: the header carries no text of its own.</summary>
    internal const string MailFailedOnCreate = "WordPress's mail system (wp_mail) failed to send it; check the site's mail setup (SMTP plugin, mail server)";

    /// <summary>
    /// The refusals of <c>wp_insert_user()</c>: they carry no status, so WordPress answers them with HTTP 500. They are the
    /// contact's data, not a failing site, and must not open the circuit breaker (create first meets them on every
    /// contact whose account already exists).
    /// </summary>
    private static readonly string[] InsertUserRefusals = ["existing_user_login", "existing_user_email", "user_login_too_long"];

    /// <summary>
    /// Whether a JSON error object is the companion's <c>skvare_cmsuser_reset_failed</c> or <c>skvare_cmsuser_notify_failed</c>
    /// (503): the site answered and could not send the email, which is no outage and must not open the circuit breaker.
    /// </summary>
    private static readonly Func<JsonElement, bool> IsMailFailure = HttpCall.ErrorCodeIn("skvare_cmsuser_reset_failed", "skvare_cmsuser_notify_failed");

    /// <summary>Whether a JSON error object is one of <see cref="InsertUserRefusals"/> (its <c>code</c>).</summary>
    private static readonly Func<JsonElement, bool> IsInsertUserRefusal = HttpCall.ErrorCodeIn(InsertUserRefusals);

    /// <summary>
    /// Sends the create: to the companion plugin's <c>users?notify=user</c> route when <paramref name="notifyInside"/>
    /// (the answer says whether the email went out: <c>user</c>, or since plugin 0.2.2 <c>failed</c> when the site could
    /// not send it; a plugin before 0.2.2 says <c>user</c> either way), otherwise to core's <c>wp/v2/users</c>. Both answer core's
    /// refusals, username before email. A plugin without the route (404 <c>rest_no_route</c>: nothing was created)
    /// turns the companion create off for this provider and the create goes to core.
    /// </summary>
    private async Task<(WpUser User, bool Notified, bool MailFailed)> SendCreateAsync(NewCmsAccount account, HttpBody body, string? password, bool notifyInside, CancellationToken cancellationToken)
    {
        var call = notifyInside
            ? Rest(HttpMethod.Post, _options.CompanionRoute.Trim('/') + "/users?notify=user", "{companion}/users", "create an account") with { Body = body, IsCreate = true, FinalError = IsInsertUserRefusal, Secrets = [password] }
            : Rest(HttpMethod.Post, "wp/v2/users", "wp/v2/users", "create an account") with { Body = body, IsCreate = true, FinalError = IsInsertUserRefusal, Secrets = [password] };
        try
        {
            var answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
            var user = _channel.Use(call, answer, a => CreatedUser(call, a));
            var said = notifyInside && answer.Headers.TryGetValues(NotifiedHeader, out var values) ? values.ToList() : [];
            return (user, said.Any(v => v is "user" or "both"), said.Contains(NotifyFailed, StringComparer.Ordinal));
        }
        catch (CmsProviderException ex) when (notifyInside && ex.ErrorCode == "rest_no_route")
        {
            _companionCreates = false;
            Log.CompanionCreateMissing(_logger);
            return await SendCreateAsync(account, body, password, notifyInside: false, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "rest_invalid_param" && ex.Reason == CmsErrorReason.DuplicateUsername && !FitsMultisiteRules(account.Username))
        {
            // Multisite reports taken and malformed names under the same code (user_name); a name that breaks the rules is not a duplicate.
            throw new CmsProviderException(
                Name,
                CmsErrorReason.InvalidUsername,
                ex.Message + " Multisite usernames must be 4-60 lowercase letters and digits, not only digits.",
                statusCode: ex.StatusCode,
                errorCode: ex.ErrorCode,
                innerException: ex);
        }
        catch (CmsProviderException ex) when (ex.Reason is CmsErrorReason.DuplicateUsername or CmsErrorReason.DuplicateEmail)
        {
            // When the page look-up said free, the site knows better and later questions go to the site; when it knows
            // the account that took the name or email (a re-import), it answers them.
            _index.Refused(ex.Reason == CmsErrorReason.DuplicateEmail ? account.Email : null, ex.Reason == CmsErrorReason.DuplicateUsername ? account.Username : null);
            throw;
        }
    }

    /// <inheritdoc />
    public Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) =>
        AddRolesAndReadAsync(account, roles, cancellationToken);

    /// <inheritdoc />
    /// <remarks>WordPress replaces the whole role list, so the account is read first (<c>GET wp/v2/users/{id}</c>): that read is returned, with its roles after the change.</remarks>
    public async Task<CmsAccount?> AddRolesAndReadAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        return roles.Count > 0
            ? await ReplaceRolesAsync(account.UserId, current => current.Concat(roles.Where(r => !string.IsNullOrWhiteSpace(r))).Distinct(StringComparer.Ordinal).ToList(), "assign roles", cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <inheritdoc />
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count > 0)
        {
            await ReplaceRolesAsync(account.UserId, current => current.Where(r => !roles.Contains(r, StringComparer.Ordinal)).ToList(), "remove roles", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sending roles replaces the whole list: reads the current ones and sends the changed list when it differs. Returns the
    /// account as read, with its roles after the change.
    /// </summary>
    private async Task<CmsAccount> ReplaceRolesAsync(long userId, Func<List<string>, List<string>> change, string operation, CancellationToken cancellationToken)
    {
        var user = await GetUserAsync(userId, allowMissing: false, cancellationToken).ConfigureAwait(false);
        var current = (user!.Roles ?? []).ToList();
        var next = change(current);
        if (next.Count == current.Count && next.All(current.Contains))
        {
            return ToAccount(user);
        }

        await SetRolesAsync(userId, next, operation, cancellationToken).ConfigureAwait(false);
        Log.RolesSet(_logger, userId, string.Join(",", next));
        return ToAccount(user) with { Roles = next, IsActive = next.Count > 0 };
    }

    /// <inheritdoc />
    public async Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        if (_options.UseCompanionPlugin)
        {
            await CompanionPostAsync(account.UserId, "reset", "send a password reset email", cancellationToken, IsMailFailure).ConfigureAwait(false);
            Log.MailRequested(_logger, "password reset", account.UserId);
            return;
        }

        var login = account.Username ?? account.Email;
        if (login is null)
        {
            // An account answered without username and email is logged once as an unusable answer (3014).
            var read = ReadCall(account.UserId, allowMissing: false);
            login = (await _channel.SendAsync(
                read,
                a => ReadUser(read, a) is { } user && (user.Username ?? user.Email) is { } name
                    ? name
                    : throw new CmsProviderException(Name, CmsErrorReason.UnexpectedResponse, "WordPress returned the account without username or email; the API account needs list_users.", statusCode: a.Status),
                cancellationToken).ConfigureAwait(false))!;
        }

        var call = new WordPressCall(HttpMethod.Post, "wp-login.php?action=lostpassword", "wp-login.php?action=lostpassword", "send a password reset email")
        {
            Body = HttpBody.Form([new("user_login", login), new("redirect_to", string.Empty), new("wp-submit", "Get New Password")]),
            Anonymous = true,
            RawAnswer = true,
        };
        var answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
        if (answer.Status is >= 300 and < 400)
        {
            // wp-login.php redirects (to ?checkemail=confirm) only after wp_mail() succeeded.
            Log.MailRequested(_logger, "password reset", account.UserId);
            return;
        }

        if (answer.Status == 200)
        {
            // The error page text is translated; tell "no such account" from "mail failed" by asking the API.
            var exists = await GetUserAsync(account.UserId, allowMissing: true, cancellationToken).ConfigureAwait(false);
            throw _channel.Fail(call, exists is null
                ? new CmsProviderException(Name, CmsErrorReason.NotFound, $"WordPress has no account {account.UserId.ToString(CultureInfo.InvariantCulture)} to send a password reset to.", statusCode: answer.Status)
                : new CmsProviderException(Name, CmsErrorReason.MailFailed, "WordPress did not confirm the password reset email: the site could not send mail, or a captcha / login-protection plugin blocks wp-login.php. Check the site's mail setup, or install the companion plugin and set CmsUser:WordPress:UseCompanionPlugin.", statusCode: answer.Status));
        }

        throw _channel.Refuse(call, answer);
    }

    /// <summary>Asks WordPress (through the companion plugin) to send its "an account was created for you" email; the create calls it.</summary>
    internal async Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        if (!_options.UseCompanionPlugin)
        {
            throw new CmsProviderException(Name, CmsErrorReason.Permission, "WordPress has no REST endpoint for the new-account email: install the Skvare CmsUser companion plugin and set CmsUser:WordPress:UseCompanionPlugin to true.");
        }

        // A new-account email the site could not send (503 skvare_cmsuser_notify_failed) is MailFailed, as a reset's is.
        await CompanionPostAsync(account.UserId, "notify", "send the new-account email", cancellationToken, IsMailFailure).ConfigureAwait(false);
        Log.MailRequested(_logger, "new account", account.UserId);
    }

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        if (_options.UseCompanionPlugin)
        {
            await CompanionPostAsync(account.UserId, "block", "block the account", cancellationToken).ConfigureAwait(false);
            Log.Blocked(_logger, account.UserId, "companion");
            return;
        }

        // Core has no blocked flag: without roles the login keeps working but has no capabilities on the site.
        await SetRolesAsync(account.UserId, [], "block the account", cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId, "roles removed");
    }

    /// <inheritdoc />
    /// <remarks>
    /// With the companion plugin (0.2.0 or later) its <c>unblock</c> route lifts the block and gives back the roles the
    /// account held when it was blocked. Without it there is nothing to lift: core has no blocked flag, and
    /// <see cref="BlockAsync"/> took every role away, which only adding roles gives back (the engine adds the rule's
    /// roles after unblocking); this then makes no call.
    /// </remarks>
    public async Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        if (!_options.UseCompanionPlugin)
        {
            Log.Unblocked(_logger, account.UserId, "no block flag without the companion plugin");
            return;
        }

        try
        {
            await CompanionPostAsync(account.UserId, "unblock", "unblock the account", cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "rest_no_route")
        {
            throw new CmsUserConfigurationException(
                "The Skvare CmsUser companion plugin on the site has no unblock route: update it to 0.2.0 or later (integrations/wordpress/skvare-cmsuser-companion).", ex);
        }

        Log.Unblocked(_logger, account.UserId, "companion");
    }

    /// <inheritdoc />
    public async Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        if (!_options.UseCompanionPlugin)
        {
            return null;
        }

        // An answer without a link is logged once as an unusable answer (3014), as any other of the wrong shape.
        var call = CompanionCall(account.UserId, "login-link", "create a set-password link");
        return await _channel.SendAsync(
            call,
            answer => _channel.LoginLink(
                _channel.Read(call, answer, WordPressJsonContext.Default.WpCompanionAnswer).Url,
                () => new CmsProviderException(Name, CmsErrorReason.UnexpectedResponse, "WordPress's companion plugin answered the login link request without a link; update the plugin.", statusCode: answer.Status)),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var target = $"WordPress {_baseUrl}";
        var (authentication, me) = await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
        var checks = new List<ConnectivityCheck> { authentication };
        if (me is not null)
        {
            var missing = CapabilitiesNeeded.Where(c => me.Capabilities is null || !me.Capabilities.TryGetValue(c, out var has) || !has).ToList();
            checks.Add(missing.Count == 0
                ? new ConnectivityCheck("Capabilities", true, "The API account has create_users, list_users, edit_users and promote_users.")
                : new ConnectivityCheck("Capabilities", false, $"The API account lacks {string.Join(", ", missing)}: give it the Administrator role (Super Admin on multisite) or a role with these capabilities."));
        }

        if (_options.UseCompanionPlugin)
        {
            try
            {
                var call = Rest(HttpMethod.Get, _options.CompanionRoute.Trim('/') + "/status", "{companion}/status", "reach the companion plugin") with { IsRead = true };
                var status = await _channel.SendAsync(call, WordPressJsonContext.Default.WpCompanionAnswer, cancellationToken).ConfigureAwait(false);
                checks.Add(new ConnectivityCheck("Companion plugin", true, $"Skvare CmsUser companion plugin {status!.Version ?? "(unknown version)"} is active."));
            }
            catch (CmsProviderException ex)
            {
                // An unreachable or failing site says nothing about the plugin: installing it is advice for a site that answered.
                var advice = ex.Kind == FailureKind.Transient ? "" : " Install and activate the companion plugin, or set CmsUser:WordPress:UseCompanionPlugin to false.";
                checks.Add(ConnectivityCheck.Failed("Companion plugin", ex) with { Detail = ex.Message + advice });
            }
        }

        return new ConnectivityReport(target, checks.All(c => c.Passed), checks);
    }

    /// <inheritdoc />
    /// <remarks>One request: <c>GET wp-json/wp/v2/users/me?context=edit</c> with the application password.</remarks>
    public async Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default) =>
        (await AuthenticateAsync(cancellationToken).ConfigureAwait(false)).Check;

    /// <summary>Reads the API account (<c>users/me</c>): the "Authentication" check, and the account when WordPress accepted the credentials.</summary>
    private async Task<(ConnectivityCheck Check, WpUser? Me)> AuthenticateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var me = await _channel.SendAsync(Rest(HttpMethod.Get, "wp/v2/users/me?context=edit", "wp/v2/users/me", "read the API account") with { IsRead = true }, WordPressJsonContext.Default.WpUser, cancellationToken).ConfigureAwait(false);
            return (new ConnectivityCheck("Authentication", true, $"Authenticated as '{me!.Username}' (user {me.Id.ToString(CultureInfo.InvariantCulture)})."), me);
        }
        catch (CmsProviderException ex)
        {
            return (ConnectivityCheck.Failed("Authentication", ex), null);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// WordPress's REST API lists no roles (<c>users/me</c> shows only the API account's own); the companion plugin's
    /// <c>GET roles</c> (0.2.3) does, in one request, with whether the API account may give each (a create refuses a role
    /// it may not give as it refuses an unknown one). Without the plugin, or with an older one, the roles are not verifiable.
    /// </remarks>
    public async Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        if (!_options.UseCompanionPlugin)
        {
            return CmsRoleCheck.NotVerifiable("WordPress's REST API lists no roles; the companion plugin (0.2.3 or later, CmsUser:WordPress:UseCompanionPlugin) does");
        }

        IReadOnlyList<CmsSiteRole> site;
        try
        {
            // A list of another shape is logged once as an unusable answer (3014).
            var call = Rest(HttpMethod.Get, _options.CompanionRoute.Trim('/') + "/roles", "{companion}/roles", "list the roles") with { IsRead = true };
            site = (await _channel.SendAsync(call, a => CmsRoleList.Read(_channel.ReadJson(call, a), Name, "companion plugin"), cancellationToken).ConfigureAwait(false))!;
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "rest_no_route")
        {
            return CmsRoleCheck.NotVerifiable("the companion plugin on the site has no roles route: update it to 0.2.3 or later (integrations/wordpress/skvare-cmsuser-companion)");
        }

        var unknown = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in roles.Distinct(StringComparer.Ordinal))
        {
            // WordPress's role names match exactly (wp_roles()->role_objects[$role]).
            var found = site.FirstOrDefault(r => r.Name == role);
            if (found is null)
            {
                var cased = site.FirstOrDefault(r => string.Equals(r.Name, role, StringComparison.OrdinalIgnoreCase) || string.Equals(r.Label, role, StringComparison.OrdinalIgnoreCase));
                unknown[role] = cased is null
                    ? $"'{role}' is not a role of the site"
                    : $"'{role}' is not a role of the site (its role '{cased.Name}' is labelled {cased.Label}: rules name roles by name)";
            }
            else if (found.Assignable == false)
            {
                unknown[role] = $"the API account may not give the role '{role}' (it is not among its editable roles: give the account the Administrator role)";
            }
        }

        return CmsRoleCheck.Listed(site.Select(r => r.Name).ToList(), unknown);
    }

    /// <summary>A random password of 32 characters from letters, digits and punctuation WordPress accepts (no backslash).</summary>
    internal static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%()*+,-./:;=?@[]^_{}~";
        return RandomNumberGenerator.GetString(alphabet, 32);
    }

    private static bool FitsMultisiteRules(string username) =>
        username.Length is >= 4 and <= 60 && username.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c)) && !username.All(char.IsAsciiDigit);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static CmsAccount ToAccount(WpUser user) =>
        new(user.Id, user.Username, user.Email) { Roles = user.Roles ?? [], IsActive = user.Roles is null ? null : user.Roles.Count > 0, CreatedAt = CmsDates.FromText(user.RegisteredDate) };

    private static HttpBody Json<T>(T value, JsonTypeInfo<T> typeInfo) => HttpBody.Json(JsonSerializer.Serialize(value, typeInfo));

    private static WordPressCall Rest(HttpMethod method, string route, string template, string operation) =>
        new(method, "wp-json/" + route, template, operation);

    private async Task<WpUser?> SearchAsync(string term, string column, Func<WpUser, bool> matches, CancellationToken cancellationToken)
    {
        var useColumns = true;
        for (var page = 1; page <= MaxSearchPages; page++)
        {
            var query = $"wp/v2/users?context=edit&per_page={PageSize}&page={page}&search={Uri.EscapeDataString(term)}"
                + (useColumns ? "&search_columns=" + column : string.Empty);
            var call = Rest(HttpMethod.Get, query, "wp/v2/users?search", "search accounts") with { IsRead = true };
            HttpAnswer answer;
            try
            {
                answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
            }
            catch (CmsProviderException ex) when (useColumns && ex.ErrorCode == "rest_invalid_param" && ex.Message.Contains("search_columns", StringComparison.Ordinal))
            {
                // A WordPress that knows search_columns but not this column: fall back to the plain search.
                Log.SearchColumnsRejected(_logger);
                useColumns = false;
                page = 0;
                continue;
            }

            var users = _channel.Use(call, answer, a => ReadUsers(call, a));
            var hit = users.FirstOrDefault(u => u is not null && matches(u));
            if (hit is not null)
            {
                return hit;
            }

            // WordPress before 6.8 ignores search_columns and searches more columns, so more pages may hold the match.
            var totalPages = answer.Headers.TryGetValues("X-WP-TotalPages", out var values)
                && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
            if (page >= totalPages || users.Count < PageSize)
            {
                return null;
            }
        }

        return null;
    }

    private Task<WpUser?> GetUserAsync(long userId, bool allowMissing, CancellationToken cancellationToken)
    {
        var call = ReadCall(userId, allowMissing);
        return _channel.SendAsync(call, a => ReadUser(call, a), cancellationToken);
    }

    private static WordPressCall ReadCall(long userId, bool allowMissing) =>
        Rest(HttpMethod.Get, $"wp/v2/users/{userId.ToString(CultureInfo.InvariantCulture)}?context=edit", "wp/v2/users/{id}", "read an account") with { NullWhenNotFound = allowMissing, IsRead = true };

    /// <summary>A search's accounts; a user without an id is the site's answer of the wrong shape.</summary>
    private List<WpUser> ReadUsers(HttpCall call, HttpAnswer answer)
    {
        var users = _channel.Read(call, answer, WordPressJsonContext.Default.ListWpUser);
        return users.TrueForAll(u => u is null || u.Id > 0)
            ? users
            : throw new CmsProviderException(Name, CmsErrorReason.UnexpectedResponse, $"WordPress answered {call.Route} (HTTP {answer.Status.ToString(CultureInfo.InvariantCulture)}) with a user without an id.", statusCode: answer.Status);
    }

    /// <summary>An account from a successful answer; JSON of another shape, or a user without an id, is the site's answer of the wrong shape.</summary>
    private WpUser ReadUser(HttpCall call, HttpAnswer answer)
    {
        var user = _channel.Read(call, answer, WordPressJsonContext.Default.WpUser);
        return user.Id > 0 ? user : throw new CmsProviderException(Name, CmsErrorReason.UnexpectedResponse, $"WordPress answered {call.Route} (HTTP {answer.Status.ToString(CultureInfo.InvariantCulture)}) with a user without an id.", statusCode: answer.Status);
    }

    /// <summary>
    /// The new account from a create's successful answer. WordPress accepted the create, so an answer it describes without an
    /// id (or of another shape) may stand for an account that exists: <see cref="CmsErrorReason.UnknownOutcome"/>.
    /// </summary>
    private WpUser CreatedUser(HttpCall call, HttpAnswer answer)
    {
        var user = _channel.Read(call, answer, WordPressJsonContext.Default.WpUser);
        return user.Id > 0 ? user : throw CmsAnswerClassifier.UnreadableCreate(Name, "WordPress", "the create", answer.Status, _channel.Redact(call, answer.Body));
    }

    private async Task SetRolesAsync(long userId, List<string> roles, string operation, CancellationToken cancellationToken)
    {
        // Setting the full list is idempotent, so a retry is safe.
        var call = Rest(HttpMethod.Post, $"wp/v2/users/{userId.ToString(CultureInfo.InvariantCulture)}", "wp/v2/users/{id}", operation) with
        {
            Body = Json(new WpSetRoles { Roles = roles }, WordPressJsonContext.Default.WpSetRoles),
            RetrySafe = true,
        };
        await _channel.SendAsync(call, WordPressJsonContext.Default.WpUser, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WpCompanionAnswer> CompanionPostAsync(long userId, string action, string operation, CancellationToken cancellationToken, Func<JsonElement, bool>? finalError = null) =>
        (await _channel.SendAsync(CompanionCall(userId, action, operation) with { FinalError = finalError }, WordPressJsonContext.Default.WpCompanionAnswer, cancellationToken).ConfigureAwait(false))!;

    /// <summary>A POST to the companion plugin's route for one account (<c>{companion}/users/{id}/{action}</c>).</summary>
    private WordPressCall CompanionCall(long userId, string action, string operation)
    {
        var route = $"{_options.CompanionRoute.Trim('/')}/users/{userId.ToString(CultureInfo.InvariantCulture)}/{action}";
        return Rest(HttpMethod.Post, route, "{companion}/users/{id}/" + action, operation) with { Body = HttpBody.Json("{}"), SecretMembers = action == "login-link" ? ["url"] : [] };
    }
}
