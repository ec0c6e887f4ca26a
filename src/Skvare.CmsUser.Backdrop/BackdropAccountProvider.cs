using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Backdrop;

/// <summary>
/// Creates and manages Backdrop CMS accounts through the <c>cmsuser_provision</c> companion module
/// (JSON routes under <c>api/cmsuser/v1</c>, shared-secret bearer authentication). Thread-safe.
/// </summary>
public sealed class BackdropAccountProvider : ICmsAccountProvider, ICmsRoleCatalog, IChecksSecretsAtStart
{
    /// <inheritdoc />
    void IChecksSecretsAtStart.CheckSecrets() => _channel.Value.CheckSecrets();

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client this provider uses.</summary>
    public const string HttpClientName = "Skvare.CmsUser.Backdrop";

    private const CmsCapabilities SupportedCapabilities =
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.OneTimeLoginLink
        | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock | CmsCapabilities.CreateRefusesDuplicates;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<BackdropOptions> _options;
    private readonly ILogger _logger;
    private readonly Lazy<HttpChannel> _channel;

    /// <summary>Creates the provider (normally through <c>AddBackdrop</c>).</summary>
    /// <param name="httpClientFactory">Creates the <see cref="HttpClientName"/> client.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="logger">The logger; never receives secrets.</param>
    public BackdropAccountProvider(IHttpClientFactory httpClientFactory, IOptions<BackdropOptions> options, ILogger<BackdropAccountProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = new Lazy<HttpChannel>(CreateChannel, LazyThreadSafetyMode.PublicationOnly);
    }

    /// <summary>
    /// Backdrop's rules as the SDK applies them: core accepts ASCII letters, digits, space and <c>@+_.'-</c>
    /// (plus most non-ASCII letters) up to 60 characters; the SDK keeps to <c>[a-z0-9._+-]</c>, which avoids
    /// spacing rules and the <c>user_email_match</c> check on email-shaped names.
    /// </summary>
    public static UsernameRules Rules { get; } = new()
    {
        MaxLength = 60,
        MinLength = 1,
        AllowedPunctuation = "._+-",
        AsciiOnly = true,
        Lowercase = true,
    };

    /// <inheritdoc />
    public string Name => BackdropErrors.Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules => Rules;

    /// <inheritdoc />
    public CmsCapabilities Capabilities => SupportedCapabilities;

    /// <inheritdoc />
    /// <remarks>
    /// The module matches as the site's database compares text: on MySQL/MariaDB also ignoring accents and
    /// trailing spaces (<c>jose@example.org</c> finds <c>josé@example.org</c>). Only an account whose email is
    /// the same address, ignoring case and surrounding spaces, is returned: the engine links what this finds
    /// to the contact, so a look-alike address must not count as the same person.
    /// </remarks>
    public async Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var wanted = email.Trim();
        var list = await SendAsync(new HttpCall(HttpMethod.Get, "users?mail=" + Uri.EscapeDataString(wanted), "users?mail") { IsRead = true }, BackdropJsonContext.Default.BackdropUserList, cancellationToken).ConfigureAwait(false);
        var found = list?.Users?.FirstOrDefault(u => string.Equals(u.Mail?.Trim(), wanted, StringComparison.OrdinalIgnoreCase));
        if (found is null && list?.Users is { Count: > 0 } lookalikes)
        {
            Log.LookalikeEmailIgnored(_logger, lookalikes[0].Uid);
        }

        return found is null ? null : ToAccount(found);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Returns an account whose name the site treats as the same name (on MySQL/MariaDB ignoring case,
    /// accents and trailing spaces, as Backdrop's duplicate check does), preferring an exact match: such a
    /// name is taken, since creating it would answer <c>duplicate_name</c>. A name match is never evidence
    /// that the account belongs to a contact; the engine links accounts by email only.
    /// </remarks>
    public async Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        var list = await SendAsync(new HttpCall(HttpMethod.Get, "users?name=" + Uri.EscapeDataString(username), "users?name") { IsRead = true }, BackdropJsonContext.Default.BackdropUserList, cancellationToken).ConfigureAwait(false);
        var exact = list?.Users?.FirstOrDefault(u => string.Equals(u.Name, username, StringComparison.OrdinalIgnoreCase));
        return exact is not null ? ToAccount(exact) : FirstOrNull(list);
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        var call = new HttpCall(HttpMethod.Get, UserPath(userId), "users/{uid}") { NullWhenNotFound = true, IsRead = true };
        var user = await SendAsync(call, answer => WithUid(_channel.Value.Read(call, answer, BackdropJsonContext.Default.BackdropUser), call, answer), cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);

        var notify = account.Notify ? "register_admin_created" : "none";
        var body = new BackdropCreateUserRequest(
            account.Username,
            account.Email.Trim(),
            account.Password,
            account.Active ? 1 : 0,
            account.Roles ?? [],
            notify,
            DrupalFamilyLanguage.FromCiviCrmLocale(account.Language),
            account.Fields ?? new Dictionary<string, string>());
        var call = new HttpCall(HttpMethod.Post, "users", "users")
        {
            Body = Json(body, BackdropJsonContext.Default.BackdropCreateUserRequest),
            IsCreate = true,
            Secrets = [account.Password],
        };
        // Backdrop accepted the create: an answer without a uid may stand for an account that exists (UnknownOutcome).
        var user = (await SendAsync(
            call,
            answer => _channel.Value.Read(call, answer, BackdropJsonContext.Default.BackdropUser) is { Uid: > 0 } created
                ? created
                : throw CmsAnswerClassifier.UnreadableCreate(BackdropErrors.Cms, "Backdrop", call.Route, answer.Status, _channel.Value.Redact(call, answer.Body)),
            cancellationToken).ConfigureAwait(false))!;
        Log.Created(_logger, user.Uid);
        if (!account.Notify)
        {
            return ToAccount(user) with { Notification = CmsNotification.NotRequested };
        }

        if (user.MailSent == false)
        {
            // The account exists; the engine should not fail the contact for a mail problem.
            Log.NotificationNotSent(_logger, user.Uid, notify);
            return FailedNotification.MailRefused(ToAccount(user), MailFailedOnCreate);
        }

        // The module answers mail_sent whenever it was asked to mail; an answer without it says nothing.
        return ToAccount(user) with { Notification = user.MailSent == true ? CmsNotification.Sent : CmsNotification.Unknown };
    }

    /// <summary>The reason given when the create answers <c>"mail_sent": false</c>: the answer carries no text of its own.</summary>
    internal const string MailFailedOnCreate = "Backdrop's mail system could not send it (_user_mail_notify returned no success); check the site's mail setup";

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count == 0)
        {
            return;
        }

        // A union is idempotent, so a retry after a lost answer does no harm.
        var call = new HttpCall(HttpMethod.Post, UserPath(account.UserId) + "/roles", "users/{uid}/roles")
        {
            Body = Json(new BackdropAddRolesRequest(roles), BackdropJsonContext.Default.BackdropAddRolesRequest),
            RetrySafe = true,
        };
        var user = await SendAsync(call, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false);
        Log.RolesAdded(_logger, account.UserId, string.Join(", ", user?.Roles ?? []));
    }

    /// <inheritdoc />
    /// <remarks>The module's <c>remove-roles</c> route (module 1.2.0): the other roles stay; roles the account does not hold are ignored.</remarks>
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count == 0)
        {
            return;
        }

        // Taking the same roles away twice changes nothing, so a retry after a lost answer does no harm.
        var call = new HttpCall(HttpMethod.Post, UserPath(account.UserId) + "/remove-roles", "users/{uid}/remove-roles")
        {
            Body = Json(new BackdropRemoveRolesRequest(roles), BackdropJsonContext.Default.BackdropRemoveRolesRequest),
            RetrySafe = true,
        };
        var user = await SendNewRouteAsync(call, cancellationToken).ConfigureAwait(false);
        Log.RolesRemoved(_logger, account.UserId, string.Join(", ", user?.Roles ?? []));
    }

    /// <inheritdoc />
    public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        SendMailAsync(account, "password_reset", "password reset", cancellationToken);

    /// <summary>Asks Backdrop to send its "an account was created for you" email (the create sends it itself when asked).</summary>
    internal Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        SendMailAsync(account, "register_admin_created", "new-account", cancellationToken);

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        // Sent once (not retry-safe): the module saves the account blocked, and Backdrop mails the person on a status change
        // ("account blocked", when the site enables it); a second try sent while the first was still being carried out finds
        // the old status too and mails again. A request that never left is still retried.
        var call = new HttpCall(HttpMethod.Post, UserPath(account.UserId) + "/block", "users/{uid}/block");
        await SendAsync(call, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    /// <remarks>The module's <c>unblock</c> route (module 1.2.0); core sends its "account activated" email when the site enables it.</remarks>
    public async Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        // Sent once (not retry-safe), as a block is: the "account activated" email goes with the status change.
        var call = new HttpCall(HttpMethod.Post, UserPath(account.UserId) + "/unblock", "users/{uid}/unblock");
        await SendNewRouteAsync(call, cancellationToken).ConfigureAwait(false);
        Log.Unblocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    public async Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        // An answer without a link is logged once as an unusable answer (3313), as any other of the wrong shape.
        var call = new HttpCall(HttpMethod.Post, UserPath(account.UserId) + "/login-link", "users/{uid}/login-link") { RetrySafe = true, SecretMembers = ["url"] };
        var url = await SendAsync(
            call,
            answer => _channel.Value.LoginLink(_channel.Value.Read(call, answer, BackdropJsonContext.Default.BackdropLoginLink).Url, () => Unexpected(call.Route, "an answer without an absolute url", answer.Status)),
            cancellationToken).ConfigureAwait(false);
        Log.LoginLinkIssued(_logger, account.UserId);
        return url!;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The module's <c>GET roles</c> (API 1.3.0): the roles a create accepts, by machine name. A module
    /// without the route (404 <c>no_route</c>) leaves the roles not verifiable.
    /// </remarks>
    public async Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        List<string> site;
        try
        {
            // A list of another shape is logged once as an unusable answer (3313).
            var call = new HttpCall(HttpMethod.Get, "roles", "roles") { IsRead = true };
            site = (await SendAsync(call, answer => CmsRoleList.Read(_channel.Value.ReadJson(call, answer), BackdropErrors.Cms, "cmsuser_provision module").Select(r => r.Name).ToList(), cancellationToken).ConfigureAwait(false))!;
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "no_route")
        {
            return CmsRoleCheck.NotVerifiable("the cmsuser_provision module on the site has no roles route: update it (integrations/backdrop/cmsuser_provision)");
        }

        var unknown = roles.Distinct(StringComparer.Ordinal).Where(r => !site.Contains(r, StringComparer.Ordinal))
            .ToDictionary(r => r, r => $"'{r}' is not the machine name of a Backdrop role", StringComparer.Ordinal);
        return CmsRoleCheck.Listed(site.Where(r => r != "authenticated").ToList(), unknown);
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var target = $"Backdrop {_options.Value.BaseUrl}";
        try
        {
            var call = new HttpCall(HttpMethod.Get, "status", "status") { IsRead = true };
            var answer = (await SendAnswerAsync(call, cancellationToken).ConfigureAwait(false))!;
            var status = _channel.Value.Read(call, answer, BackdropJsonContext.Default.BackdropStatus);
            if (status.Module != "cmsuser_provision")
            {
                // Not the module's answer: logged once as an unusable answer (3313), with its excerpt.
                _ = _channel.Value.Unusable(call, answer, Unexpected(call.Route, "an answer that is not the cmsuser_provision module's", answer.Status));
                return new ConnectivityReport(target, false, [new ConnectivityCheck("cmsuser_provision module", false, "The status route answered, but not as the cmsuser_provision module. Check CmsUser:Backdrop:BaseUrl and PathPrefix.")]);
            }

            return new ConnectivityReport(target, true,
            [
                new ConnectivityCheck("cmsuser_provision module", true, $"Module API {status.Version} on Backdrop {status.Backdrop}."),
                new ConnectivityCheck("Secret and acting user", true, $"Secret accepted; requests run as user {status.ActingUid} with \"administer users\"."),
            ]);
        }
        catch (CmsProviderException ex)
        {
            var name = ex.Reason is CmsErrorReason.Authentication or CmsErrorReason.Permission ? "Secret and acting user" : "cmsuser_provision module";
            return new ConnectivityReport(target, false, [ConnectivityCheck.Failed(name, ex)]);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request, the connectivity check's own: <c>GET status</c> of the cmsuser_provision module, which runs only for
    /// a request whose secret the module accepts.
    /// </remarks>
    public async Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default) =>
        (await CheckConnectivityAsync(cancellationToken).ConfigureAwait(false)).Checks[^1];

    private const string MailFailedCode = "mail_failed";

    private static readonly Func<JsonElement, bool> IsMailFailure = HttpCall.ErrorCodeIn(MailFailedCode);

    private async Task SendMailAsync(CmsAccount account, string op, string what, CancellationToken cancellationToken)
    {
        ProviderArguments.Existing(account);
        var call = new HttpCall(HttpMethod.Post, UserPath(account.UserId) + "/mail", "users/{uid}/mail")
        {
            Body = Json(new BackdropMailRequest(op), BackdropJsonContext.Default.BackdropMailRequest),
            // An email the site could not send (503 mail_failed) is the site's answer, not an outage: no circuit breaker.
            FinalError = IsMailFailure,
        };
        try
        {
            // An answer without "sent": true is logged once as an unusable answer (3313): the module says a failure with 503.
            await SendAsync(
                call,
                answer => _channel.Value.Read(call, answer, BackdropJsonContext.Default.BackdropMailResult) is { Sent: true } sent
                    ? sent
                    : throw Unexpected(call.Route, "an answer without \"sent\": true", answer.Status),
                cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == MailFailedCode)
        {
            throw new CmsProviderException(Name, CmsErrorReason.MailFailed, $"Backdrop could not send the {what} email (mail_failed); check the site's mail system.", ex.StatusCode, ex.ErrorCode, ex);
        }

        Log.MailSent(_logger, account.UserId, op);
    }

    /// <summary>
    /// Sends a call to a route added in module 1.2.0. An older module answers <c>404 no_route</c>: a setup problem
    /// (the same for every contact), reported as a configuration error so the run stops instead of failing everyone.
    /// </summary>
    private async Task<BackdropUser?> SendNewRouteAsync(HttpCall call, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(call, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "no_route")
        {
            throw new CmsUserConfigurationException(
                $"Backdrop's cmsuser_provision module has no {call.Route} route: update the module on the site to 1.2.0 or later (integrations/backdrop/cmsuser_provision).", ex);
        }
    }

    private async Task<T?> SendAsync<T>(HttpCall call, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
        where T : class =>
        await SendAnswerAsync(call, cancellationToken).ConfigureAwait(false) is { } answer ? _channel.Value.Read(call, answer, responseType) : null;

    /// <summary>Sends <paramref name="call"/> and reads its answer with <paramref name="read"/>: a failure to read it is logged once as an unusable answer.</summary>
    private async Task<T?> SendAsync<T>(HttpCall call, Func<HttpAnswer, T> read, CancellationToken cancellationToken)
        where T : class =>
        await SendAnswerAsync(call, cancellationToken).ConfigureAwait(false) is { } answer ? _channel.Value.Use(call, answer, read) : null;

    /// <summary><paramref name="user"/>, unless it has no uid: the site's answer of the wrong shape.</summary>
    private static BackdropUser WithUid(BackdropUser user, HttpCall call, HttpAnswer answer) =>
        user.Uid > 0 ? user : throw new CmsProviderException(BackdropErrors.Cms, CmsErrorReason.UnexpectedResponse, $"Backdrop answered {call.Route} (HTTP {answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}) with a user without a uid.", statusCode: answer.Status);

    /// <summary>Sends <paramref name="call"/>; the answer, which says it is JSON, or <see langword="null"/> for a missing resource.</summary>
    private async Task<HttpAnswer?> SendAnswerAsync(HttpCall call, CancellationToken cancellationToken)
    {
        var channel = _channel.Value;
        var answer = await channel.SendAsync(call, cancellationToken).ConfigureAwait(false);

        // A 200 page that is not JSON means the path reached Backdrop but not the module (a front-page fallback).
        if (answer is not null && (answer.MediaType is null || !answer.MediaType.Contains("json", StringComparison.OrdinalIgnoreCase)))
        {
            throw channel.Unreadable(call, answer, new JsonException("The answer is not JSON."));
        }

        return answer;
    }

    private HttpChannel CreateChannel()
    {
        var options = _options.Value;
        return new HttpChannel(
            () => _httpClientFactory.CreateClient(HttpClientName),
            path => BuildUri(options, path),
            new BackdropAnswerClassifier(),
            new HttpChannelLog(_logger, BackdropErrors.Cms, answeredEventId: 3300, failedEventId: 3303, weakSecretsEventId: 3312, unusableEventId: 3313))
        {
            Credentials = HeaderCredentials.Headers(new KeyValuePair<string, string?>("Authorization", "Bearer " + options.Secret?.Trim())),
            Secrets = () => [options.Secret],
        };
    }

    private static HttpBody Json<T>(T value, JsonTypeInfo<T> type) => HttpBody.Json(JsonSerializer.Serialize(value, type));

    private static CmsProviderException Unexpected(string route, string what, int? status = null) =>
        new(BackdropErrors.Cms, CmsErrorReason.UnexpectedResponse, $"Backdrop answered {route} with {what}.", statusCode: status);

    private static Uri BuildUri(BackdropOptions options, string path)
    {
        var baseUrl = HttpEndpointGuard.WithTrailingSlash(options.BaseUrl ?? throw new InvalidOperationException("CmsUser:Backdrop:BaseUrl is not set."));
        var prefix = (options.PathPrefix ?? BackdropOptions.DefaultPathPrefix).Trim('/');
        return new Uri(baseUrl, prefix + "/" + path);
    }

    private static string UserPath(long userId) => "users/" + userId.ToString(CultureInfo.InvariantCulture);

    private static CmsAccount? FirstOrNull(BackdropUserList? list) =>
        list?.Users is { Count: > 0 } users ? ToAccount(users[0]) : null;

    private static CmsAccount ToAccount(BackdropUser user) => new(user.Uid, user.Name, user.Mail)
    {
        IsActive = user.Status == 1,
        Roles = user.Roles ?? [],
    };
}
