using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
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
public sealed class BackdropAccountProvider : ICmsAccountProvider
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client this provider uses.</summary>
    public const string HttpClientName = "Skvare.CmsUser.Backdrop";

    private const CmsCapabilities SupportedCapabilities =
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.NewAccountNotification | CmsCapabilities.PasswordResetEmail
        | CmsCapabilities.Block | CmsCapabilities.Language | CmsCapabilities.OneTimeLoginLink | CmsCapabilities.ExtraFields;

    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<BackdropOptions> _options;
    private readonly ILogger _logger;

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
        var list = await SendAsync(new Call(HttpMethod.Get, "users?mail=" + Uri.EscapeDataString(wanted), "users?mail"), BackdropJsonContext.Default.BackdropUserList, cancellationToken).ConfigureAwait(false);
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
        var list = await SendAsync(new Call(HttpMethod.Get, "users?name=" + Uri.EscapeDataString(username), "users?name"), BackdropJsonContext.Default.BackdropUserList, cancellationToken).ConfigureAwait(false);
        var exact = list?.Users?.FirstOrDefault(u => string.Equals(u.Name, username, StringComparison.OrdinalIgnoreCase));
        return exact is not null ? ToAccount(exact) : FirstOrNull(list);
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        var user = await SendAsync(new Call(HttpMethod.Get, UserPath(userId), "users/{uid}") { NullWhenNotFound = true }, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false);
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
        var call = new Call(HttpMethod.Post, "users", "users")
        {
            Content = JsonContent.Create(body, BackdropJsonContext.Default.BackdropCreateUserRequest),
            IsCreate = true,
        };
        var user = await SendAsync(call, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false)
            ?? throw Unexpected("users", "an empty answer to a create");
        Log.Created(_logger, user.Uid);
        if (account.Notify && user.MailSent == false)
        {
            // The account exists; the engine should not fail the contact for a mail problem.
            Log.NotificationNotSent(_logger, user.Uid, notify);
        }

        return ToAccount(user);
    }

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        CheckAccount(account);
        ArgumentNullException.ThrowIfNull(roles);
        if (roles.Count == 0)
        {
            return;
        }

        // A union is idempotent, so a retry after a lost answer does no harm.
        var call = new Call(HttpMethod.Post, UserPath(account.UserId) + "/roles", "users/{uid}/roles")
        {
            Content = JsonContent.Create(new BackdropAddRolesRequest(roles), BackdropJsonContext.Default.BackdropAddRolesRequest),
            RetrySafe = true,
        };
        var user = await SendAsync(call, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false);
        Log.RolesAdded(_logger, account.UserId, string.Join(", ", user?.Roles ?? []));
    }

    /// <inheritdoc />
    public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        SendMailAsync(account, "password_reset", cancellationToken);

    /// <inheritdoc />
    public Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        SendMailAsync(account, "register_admin_created", cancellationToken);

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        CheckAccount(account);
        var call = new Call(HttpMethod.Post, UserPath(account.UserId) + "/block", "users/{uid}/block") { RetrySafe = true };
        await SendAsync(call, BackdropJsonContext.Default.BackdropUser, cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    public async Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        CheckAccount(account);
        var call = new Call(HttpMethod.Post, UserPath(account.UserId) + "/login-link", "users/{uid}/login-link") { RetrySafe = true };
        var link = await SendAsync(call, BackdropJsonContext.Default.BackdropLoginLink, cancellationToken).ConfigureAwait(false);
        if (link?.Url is null || !Uri.TryCreate(link.Url, UriKind.Absolute, out var url))
        {
            throw Unexpected(call.Route, "an answer without an absolute url");
        }

        Log.LoginLinkIssued(_logger, account.UserId);
        return url;
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var target = $"Backdrop {_options.Value.BaseUrl}";
        try
        {
            var status = await SendAsync(new Call(HttpMethod.Get, "status", "status"), BackdropJsonContext.Default.BackdropStatus, cancellationToken).ConfigureAwait(false);
            if (status?.Module != "cmsuser_provision")
            {
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
            return new ConnectivityReport(target, false, [new ConnectivityCheck(name, false, ex.Message)]);
        }
    }

    private async Task SendMailAsync(CmsAccount account, string op, CancellationToken cancellationToken)
    {
        CheckAccount(account);
        var call = new Call(HttpMethod.Post, UserPath(account.UserId) + "/mail", "users/{uid}/mail")
        {
            Content = JsonContent.Create(new BackdropMailRequest(op), BackdropJsonContext.Default.BackdropMailRequest),
        };
        var result = await SendAsync(call, BackdropJsonContext.Default.BackdropMailResult, cancellationToken).ConfigureAwait(false);
        if (result?.Sent != true)
        {
            throw Unexpected(call.Route, "an answer without \"sent\": true");
        }

        Log.MailSent(_logger, account.UserId, op);
    }

    private async Task<T?> SendAsync<T>(Call call, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
        where T : class
    {
        var options = _options.Value;
        using var request = new HttpRequestMessage(call.Method, BuildUri(options, call.Path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Secret?.Trim());
        request.Headers.Accept.Add(JsonMediaType);
        request.Content = call.Content;
        if (call.RetrySafe)
        {
            request.Options.Set(HttpResilienceSetup.RetrySafe, true);
        }

        var client = _httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TransportFailures.IsTransport(ex, cancellationToken))
        {
            throw TransportFailure(call, ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            Log.Answered(_logger, call.Method.Method, call.Route, status);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return Parse(call, mediaType, body, responseType);
            }

            var error = BackdropErrors.FromResponse(response.StatusCode, mediaType, body, call.IsCreate);
            if (call.NullWhenNotFound && response.StatusCode == HttpStatusCode.NotFound && error.ErrorCode == "not_found")
            {
                return null;
            }

            Log.CallFailed(_logger, call.Method.Method, call.Route, error.Reason, error.StatusCode, error.ErrorCode);
            throw error;
        }
    }

    private static T Parse<T>(Call call, string? mediaType, string body, JsonTypeInfo<T> responseType)
        where T : class
    {
        // A 200 HTML page means the path reached Backdrop but not the module (e.g. a front-page fallback).
        if (mediaType is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw Unexpected(call.Route, $"a {mediaType ?? "untyped"} page instead of JSON ({HttpEndpointGuard.Excerpt(body, 120)}); enable the cmsuser_provision module and check CmsUser:Backdrop:BaseUrl");
        }

        try
        {
            return JsonSerializer.Deserialize(body, responseType) ?? throw Unexpected(call.Route, "a JSON null");
        }
        catch (JsonException ex)
        {
            throw new CmsProviderException(BackdropErrors.Cms, CmsErrorReason.UnexpectedResponse, $"Backdrop answered {call.Route} with JSON this provider does not understand: {ex.Message}", ex);
        }
    }

    private CmsProviderException TransportFailure(Call call, Exception ex)
    {
        var failure = TransportFailures.ToException(BackdropErrors.Cms, "Backdrop", call.Route, call.IsCreate, ex);
        Log.TransportFailed(_logger, call.Method.Method, call.Route, failure.Reason, ex.GetType().Name);
        return failure;
    }

    private static CmsProviderException Unexpected(string route, string what) =>
        new(BackdropErrors.Cms, CmsErrorReason.UnexpectedResponse, $"Backdrop answered {route} with {what}.");

    private static Uri BuildUri(BackdropOptions options, string path)
    {
        var baseUrl = HttpEndpointGuard.WithTrailingSlash(options.BaseUrl ?? throw new InvalidOperationException("CmsUser:Backdrop:BaseUrl is not set."));
        var prefix = (options.PathPrefix ?? BackdropOptions.DefaultPathPrefix).Trim('/');
        return new Uri(baseUrl, prefix + "/" + path);
    }

    private static string UserPath(long userId) => "users/" + userId.ToString(CultureInfo.InvariantCulture);

    private static void CheckAccount(CmsAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.UserId <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(account), account.UserId, "The account needs a positive Backdrop user id.");
        }
    }

    private static CmsAccount? FirstOrNull(BackdropUserList? list) =>
        list?.Users is { Count: > 0 } users ? ToAccount(users[0]) : null;

    private static CmsAccount ToAccount(BackdropUser user) => new(user.Uid, user.Name, user.Mail)
    {
        IsActive = user.Status == 1,
        Roles = user.Roles ?? [],
    };

    private sealed record Call(HttpMethod Method, string Path, string Route)
    {
        public HttpContent? Content { get; init; }

        public bool RetrySafe { get; init; }

        public bool IsCreate { get; init; }

        public bool NullWhenNotFound { get; init; }
    }
}
