using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.WordPress;

/// <summary>
/// Creates and manages WordPress accounts over the REST API (<c>/wp-json/wp/v2/users</c>) with an
/// application password, and optionally the Skvare CmsUser companion plugin. Thread-safe.
/// </summary>
public class WordPressAccountProvider : ICmsAccountProvider
{
    /// <summary>The name of the <see cref="HttpClient"/> this provider asks <see cref="IHttpClientFactory"/> for.</summary>
    public const string HttpClientName = "Skvare.CmsUser.WordPress";

    private const int PageSize = 100;
    private const int MaxSearchPages = 10;
    private static readonly string[] CapabilitiesNeeded = ["create_users", "list_users", "edit_users", "promote_users"];
    private static readonly HashSet<string> TopLevelFields = new(StringComparer.Ordinal) { "nickname", "url", "description" };

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly WordPressOptions _options;
    private readonly ILogger _logger;
    private readonly Uri _baseUrl;
    private readonly AuthenticationHeaderValue _authorization;

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
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(_options.Username + ":" + _options.ApplicationPassword));
        _authorization = new AuthenticationHeaderValue("Basic", credentials);
        UsernameRules = _options.Multisite
            ? new UsernameRules { MinLength = 4, MaxLength = 60, AllowedPunctuation = string.Empty, Lowercase = true, AsciiOnly = true }
            : new UsernameRules { MinLength = 1, MaxLength = 60, AllowedPunctuation = "._-@", Lowercase = true, AsciiOnly = true };
        var capabilities = CmsCapabilities.CreateWithoutPassword | CmsCapabilities.PasswordResetEmail | CmsCapabilities.Block
            | CmsCapabilities.PersonNames | CmsCapabilities.Language | CmsCapabilities.ExtraFields;
        if (_options.CompanionPlugin)
        {
            capabilities |= CmsCapabilities.NewAccountNotification | CmsCapabilities.OneTimeLoginLink;
        }

        Capabilities = capabilities;
    }

    /// <inheritdoc />
    public string Name => WordPressErrors.Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules { get; }

    /// <inheritdoc />
    public CmsCapabilities Capabilities { get; }

    /// <inheritdoc />
    public virtual async Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        var user = await SearchAsync(email.Trim(), "email", u => string.Equals(u.Email, email.Trim(), StringComparison.OrdinalIgnoreCase), cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public virtual async Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        var user = await SearchAsync(username, "username", u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase), cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public virtual async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        var user = await GetUserAsync(userId, allowMissing: true, cancellationToken).ConfigureAwait(false);
        return user is null ? null : ToAccount(user);
    }

    /// <inheritdoc />
    public virtual async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
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

        using var request = new HttpRequestMessage(HttpMethod.Post, RestUri("wp/v2/users"))
        {
            Content = JsonContent(body, WordPressJsonContext.Default.WpCreateUser),
        };
        WpUser created;
        try
        {
            created = await SendJsonAsync(request, "create an account", isCreate: true, WordPressJsonContext.Default.WpUser, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException ex) when (ex.ErrorCode == "rest_invalid_param" && ex.Reason == CmsErrorReason.DuplicateUsername && !FitsMultisiteRules(account.Username))
        {
            // Multisite reports taken and malformed names under the same code (user_name); a name that breaks the rules is not a duplicate.
            throw new CmsProviderException(Name, CmsErrorReason.InvalidUsername, ex.Message + " Multisite usernames must be 4-60 lowercase letters and digits, not only digits.", ex)
            {
                StatusCode = ex.StatusCode,
                ErrorCode = ex.ErrorCode,
            };
        }

        Log.Created(_logger, created.Id, account.Username);
        var result = ToAccount(created);

        if (!account.Active)
        {
            await BlockAsync(result, cancellationToken).ConfigureAwait(false);
            result = result with { IsActive = false, Roles = [] };
        }
        else if (account.Notify)
        {
            // One email telling the person: WordPress's new-user email (set-password link) through the
            // companion plugin, otherwise its password reset email, which serves the same purpose.
            try
            {
                if (_options.CompanionPlugin)
                {
                    await SendNewAccountNotificationAsync(result, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await SendPasswordResetAsync(result, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (CmsProviderException ex)
            {
                // The account exists: failing here would make the caller think the create failed.
                Log.NotificationAfterCreateFailed(_logger, result.UserId, ex.Reason);
            }
        }

        return result;
    }

    /// <inheritdoc />
    public virtual async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId, nameof(account));
        if (roles.Count == 0)
        {
            return;
        }

        // Sending roles replaces the whole list, so read the current ones and send the union.
        var current = await GetUserAsync(account.UserId, allowMissing: false, cancellationToken).ConfigureAwait(false);
        var union = (current!.Roles ?? []).ToList();
        var added = false;
        foreach (var role in roles)
        {
            if (!string.IsNullOrWhiteSpace(role) && !union.Contains(role, StringComparer.Ordinal))
            {
                union.Add(role);
                added = true;
            }
        }

        if (!added)
        {
            return;
        }

        await SetRolesAsync(account.UserId, union, "assign roles", cancellationToken).ConfigureAwait(false);
        Log.RolesSet(_logger, account.UserId, string.Join(",", union));
    }

    /// <inheritdoc />
    public virtual async Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId, nameof(account));
        if (_options.CompanionPlugin)
        {
            await CompanionPostAsync(account.UserId, "reset", "send a password reset email", cancellationToken).ConfigureAwait(false);
            Log.MailRequested(_logger, "password reset", account.UserId);
            return;
        }

        var login = account.Username ?? account.Email;
        if (login is null)
        {
            var user = await GetUserAsync(account.UserId, allowMissing: false, cancellationToken).ConfigureAwait(false);
            login = user!.Username ?? user.Email ?? throw new CmsProviderException(Name, CmsErrorReason.UnexpectedResponse, "WordPress returned the account without username or email; the API account needs list_users.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUrl, "wp-login.php?action=lostpassword"))
        {
            Content = new FormUrlEncodedContent([new("user_login", login), new("redirect_to", string.Empty), new("wp-submit", "Get New Password")]),
        };
        using var response = await SendAsync(request, "send a password reset email", isCreate: false, authenticate: false, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            // wp-login.php redirects (to ?checkemail=confirm) only after wp_mail() succeeded.
            Log.MailRequested(_logger, "password reset", account.UserId);
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (status == 200)
        {
            // The error page text is translated; tell "no such account" from "mail failed" by asking the API.
            var exists = await GetUserAsync(account.UserId, allowMissing: true, cancellationToken).ConfigureAwait(false);
            var exception = exists is null
                ? new CmsProviderException(Name, CmsErrorReason.NotFound, $"WordPress has no account {account.UserId.ToString(CultureInfo.InvariantCulture)} to send a password reset to.") { StatusCode = status }
                : new CmsProviderException(Name, CmsErrorReason.Unavailable, "WordPress did not confirm the password reset email: the site could not send mail, or a captcha / login-protection plugin blocks wp-login.php. Check the site's mail setup, or install the companion plugin and set CmsUser:WordPress:CompanionPlugin.") { StatusCode = status };
            Log.CallFailed(_logger, "lostpassword", exception.Reason, status, null);
            throw exception;
        }

        throw Fail("send a password reset email", response.StatusCode, body, isCreate: false);
    }

    /// <inheritdoc />
    public virtual async Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId, nameof(account));
        if (!_options.CompanionPlugin)
        {
            throw new CmsProviderException(Name, CmsErrorReason.Permission, "WordPress has no REST endpoint for the new-account email: install the Skvare CmsUser companion plugin and set CmsUser:WordPress:CompanionPlugin to true.");
        }

        await CompanionPostAsync(account.UserId, "notify", "send the new-account email", cancellationToken).ConfigureAwait(false);
        Log.MailRequested(_logger, "new account", account.UserId);
    }

    /// <inheritdoc />
    public virtual async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId, nameof(account));
        if (_options.CompanionPlugin)
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
    public virtual async Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(account.UserId, nameof(account));
        if (!_options.CompanionPlugin)
        {
            return null;
        }

        var answer = await CompanionPostAsync(account.UserId, "login-link", "create a set-password link", cancellationToken).ConfigureAwait(false);
        if (answer.Url is null || !Uri.TryCreate(answer.Url, UriKind.Absolute, out var link))
        {
            throw new CmsProviderException(Name, CmsErrorReason.UnexpectedResponse, "The companion plugin answered without a link; update the plugin.");
        }

        return link;
    }

    /// <inheritdoc />
    public virtual async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<ConnectivityCheck>();
        var target = $"WordPress {_baseUrl}";
        WpUser? me = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, RestUri("wp/v2/users/me?context=edit"));
            me = await SendJsonAsync(request, "read the API account", isCreate: false, WordPressJsonContext.Default.WpUser, cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("Authentication", true, $"Authenticated as '{me.Username}' (user {me.Id.ToString(CultureInfo.InvariantCulture)})."));
        }
        catch (CmsProviderException ex)
        {
            checks.Add(new ConnectivityCheck("Authentication", false, ex.Message));
        }

        if (me is not null)
        {
            var missing = CapabilitiesNeeded.Where(c => me.Capabilities is null || !me.Capabilities.TryGetValue(c, out var has) || !has).ToList();
            checks.Add(missing.Count == 0
                ? new ConnectivityCheck("Capabilities", true, "The API account has create_users, list_users, edit_users and promote_users.")
                : new ConnectivityCheck("Capabilities", false, $"The API account lacks {string.Join(", ", missing)}: give it the Administrator role (Super Admin on multisite) or a role with these capabilities."));
        }

        if (_options.CompanionPlugin)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, RestUri(_options.CompanionRoute.Trim('/') + "/status"));
                var status = await SendJsonAsync(request, "reach the companion plugin", isCreate: false, WordPressJsonContext.Default.WpCompanionAnswer, cancellationToken).ConfigureAwait(false);
                checks.Add(new ConnectivityCheck("Companion plugin", true, $"Skvare CmsUser companion plugin {status.Version ?? "(unknown version)"} is active."));
            }
            catch (CmsProviderException ex)
            {
                checks.Add(new ConnectivityCheck("Companion plugin", false, ex.Message + " Install and activate the companion plugin, or set CmsUser:WordPress:CompanionPlugin to false."));
            }
        }

        return new ConnectivityReport(target, checks.All(c => c.Passed), checks);
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
        new(user.Id, user.Username, user.Email) { Roles = user.Roles ?? [], IsActive = user.Roles is null ? null : user.Roles.Count > 0 };

    private static ByteArrayContent JsonContent<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private Uri RestUri(string route) => new(_baseUrl, "wp-json/" + route);

    private async Task<WpUser?> SearchAsync(string term, string column, Func<WpUser, bool> matches, CancellationToken cancellationToken)
    {
        var useColumns = true;
        for (var page = 1; page <= MaxSearchPages; page++)
        {
            var query = $"wp/v2/users?context=edit&per_page={PageSize}&page={page}&search={Uri.EscapeDataString(term)}"
                + (useColumns ? "&search_columns=" + column : string.Empty);
            using var request = new HttpRequestMessage(HttpMethod.Get, RestUri(query));
            using var response = await SendAsync(request, "search accounts", isCreate: false, authenticate: true, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var failure = Fail("search accounts", response.StatusCode, body, isCreate: false);
                if (useColumns && failure.ErrorCode == "rest_invalid_param" && body.Contains("search_columns", StringComparison.Ordinal))
                {
                    // A WordPress that knows search_columns but not this column: fall back to the plain search.
                    Log.SearchColumnsRejected(_logger);
                    useColumns = false;
                    page = 0;
                    continue;
                }

                throw failure;
            }

            var users = Deserialize(body, WordPressJsonContext.Default.ListWpUser, response.StatusCode, "search accounts");
            var hit = users.FirstOrDefault(u => u is not null && matches(u));
            if (hit is not null)
            {
                return hit;
            }

            // WordPress before 6.8 ignores search_columns and searches more columns, so more pages may hold the match.
            var totalPages = response.Headers.TryGetValues("X-WP-TotalPages", out var values)
                && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
            if (page >= totalPages || users.Count < PageSize)
            {
                return null;
            }
        }

        return null;
    }

    private async Task<WpUser?> GetUserAsync(long userId, bool allowMissing, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RestUri($"wp/v2/users/{userId.ToString(CultureInfo.InvariantCulture)}?context=edit"));
        using var response = await SendAsync(request, "read an account", isCreate: false, authenticate: true, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return Deserialize(body, WordPressJsonContext.Default.WpUser, response.StatusCode, "read an account");
        }

        var failure = Fail("read an account", response.StatusCode, body, isCreate: false);
        if (allowMissing && failure.Reason == CmsErrorReason.NotFound)
        {
            return null;
        }

        throw failure;
    }

    private async Task SetRolesAsync(long userId, List<string> roles, string operation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, RestUri($"wp/v2/users/{userId.ToString(CultureInfo.InvariantCulture)}"))
        {
            Content = JsonContent(new WpSetRoles { Roles = roles }, WordPressJsonContext.Default.WpSetRoles),
        };

        // Setting the full list is idempotent, so a retry is safe.
        request.Options.Set(HttpResilienceSetup.RetrySafe, true);
        await SendJsonAsync(request, operation, isCreate: false, WordPressJsonContext.Default.WpUser, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WpCompanionAnswer> CompanionPostAsync(long userId, string action, string operation, CancellationToken cancellationToken)
    {
        var route = $"{_options.CompanionRoute.Trim('/')}/users/{userId.ToString(CultureInfo.InvariantCulture)}/{action}";
        using var request = new HttpRequestMessage(HttpMethod.Post, RestUri(route)) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        return await SendJsonAsync(request, operation, isCreate: false, WordPressJsonContext.Default.WpCompanionAnswer, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> SendJsonAsync<T>(HttpRequestMessage request, string operation, bool isCreate, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, operation, isCreate, authenticate: true, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Fail(operation, response.StatusCode, body, isCreate);
        }

        return Deserialize(body, typeInfo, response.StatusCode, operation);
    }

    private T Deserialize<T>(string body, JsonTypeInfo<T> typeInfo, HttpStatusCode status, string operation)
    {
        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            if (value is not null)
            {
                return value;
            }
        }
        catch (JsonException)
        {
            // Falls through: an HTML page (a caching or security plugin, a wrong BaseUrl) is not an API answer.
        }

        var exception = new CmsProviderException(
            Name,
            CmsErrorReason.UnexpectedResponse,
            $"WordPress answered HTTP {(int)status} with something that is not the expected JSON while trying to {operation}: {HttpEndpointGuard.Excerpt(body, 200)}. Check CmsUser:WordPress:BaseUrl and that wp-json/ is reachable (pretty permalinks).")
        {
            StatusCode = (int)status,
        };
        Log.CallFailed(_logger, operation, exception.Reason, exception.StatusCode, null);
        throw exception;
    }

    private CmsProviderException Fail(string operation, HttpStatusCode status, string? body, bool isCreate)
    {
        var exception = WordPressErrors.FromResponse(operation, status, body, isCreate);
        Log.CallFailed(_logger, operation, exception.Reason, exception.StatusCode, exception.ErrorCode);
        return exception;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string operation, bool isCreate, bool authenticate, CancellationToken cancellationToken)
    {
        if (authenticate)
        {
            request.Headers.Authorization = _authorization;
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var client = _httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TransportFailures.IsTransport(ex, cancellationToken))
        {
            var exception = TransportFailures.ToException(WordPressErrors.Cms, "WordPress", operation, isCreate, ex);
            Log.CallFailed(_logger, operation, exception.Reason, null, null);
            throw exception;
        }

        Log.Response(_logger, request.Method.Method, request.RequestUri?.AbsolutePath ?? string.Empty, (int)response.StatusCode);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            response.Dispose();
            var exception = new CmsProviderException(Name, CmsErrorReason.Throttled, $"WordPress asked to slow down while trying to {operation} (HTTP 429).") { StatusCode = 429 };
            Log.CallFailed(_logger, operation, exception.Reason, 429, null);
            throw exception;
        }

        return response;
    }
}
