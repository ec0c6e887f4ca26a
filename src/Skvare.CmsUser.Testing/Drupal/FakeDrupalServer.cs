using System.Security.Cryptography;
using System.Text;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>
/// A stateful fake of a Drupal 10/11 site with core REST (<c>rest.resource.entity.user</c>), JSON:API,
/// <c>basic_auth</c>, <c>simple_oauth</c> (client credentials) and, optionally, the <c>cmsuser_companion</c>
/// module. It answers as docs/cms-drupal.md records (statuses, <c>{"message"}</c> and JSON:API error bodies,
/// 422 violation lines, anonymous fallback on wrong Basic credentials), keeps accounts and sent mails in memory,
/// records every request and can inject faults. Thread-safe.
/// </summary>
public sealed partial class FakeDrupalServer : IDisposable
{
    /// <summary>The API account's username.</summary>
    public const string ApiUsername = "cmsuser_api";

    /// <summary>The API account's password unless another is given to <see cref="Start"/>.</summary>
    public const string DefaultApiPassword = "fake-drupal-api-password-0123456789";

    /// <summary>The simple_oauth consumer's client id.</summary>
    public const string DefaultClientId = "cmsuser-client";

    /// <summary>The simple_oauth consumer's secret.</summary>
    public const string DefaultClientSecret = "fake-drupal-client-secret-abcdef0123456789";

    private readonly object _gate = new();
    private readonly Locks.FakeCreateLocks _createLocks = new(Locks.FakeCreateLocks.Lower);
    private readonly FakeHttpHost<FakeDrupalRequest> _host;
    private readonly TimeProvider _time;
    private readonly SortedDictionary<long, DrupalUserRow> _users = [];
    private readonly NameMailIndex<DrupalUserRow> _index = new(u => u.Uid, u => u.Name, u => u.Mail);
    private readonly HashSet<string> _roles = new(StringComparer.Ordinal) { "administrator", "editor" };
    private readonly HashSet<string> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _compoundFields = new(StringComparer.Ordinal);
    private readonly HashSet<string> _languages = new(StringComparer.Ordinal) { "en" };
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly List<FakeDrupalMail> _mails = [];
    private long _nextUid = 1;

    private FakeDrupalServer(string apiPassword, TimeProvider time)
    {
        ApiPassword = apiPassword;
        _time = time;
        _host = new FakeHttpHost<FakeDrupalRequest>(
            Record,
            (r, status) => r with { StatusCode = status },
            r =>
            {
                lock (_gate)
                {
                    return Route(r);
                }
            },
            new Dictionary<string, string> { ["Cache-Control"] = "must-revalidate, no-cache, private" },
            Operation,
            _ => (ErrorPage, "text/html; charset=UTF-8"));
        BaseUrl = _host.BaseUrl;
        AddUserRow("admin", "admin@example.org", roles: "administrator");
        ApiUserId = AddUserRow(ApiUsername, "api@example.org", roles: "administrator").Uid;
    }

    /// <summary>
    /// Starts a fake on a free local port with <c>admin</c> (uid 1) and the API account <see cref="ApiUsername"/>
    /// (uid 2, role <c>administrator</c>, which has <c>administer users</c>).
    /// </summary>
    /// <param name="apiPassword">The API account's password; <see cref="DefaultApiPassword"/> when omitted.</param>
    /// <param name="timeProvider">The clock for OAuth token expiry (share a fake clock with the client to test refresh).</param>
    /// <returns>The running fake; dispose it to stop.</returns>
    public static FakeDrupalServer Start(string? apiPassword = null, TimeProvider? timeProvider = null) =>
        new(apiPassword ?? DefaultApiPassword, timeProvider ?? TimeProvider.System);

    /// <summary>The site's base URL (with a trailing slash), for <c>CmsUser:Drupal:BaseUrl</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The API account's password.</summary>
    public string ApiPassword { get; }

    /// <summary>The API account's uid (also the consumer's Client Credentials User).</summary>
    public long ApiUserId { get; }

    /// <summary>The site name, used in the Basic challenge realm.</summary>
    public string SiteName { get; set; } = "Example site";

    /// <summary>The simple_oauth consumer's client id.</summary>
    public string ClientId { get; set; } = DefaultClientId;

    /// <summary>The simple_oauth consumer's secret.</summary>
    public string ClientSecret { get; set; } = DefaultClientSecret;

    /// <summary>Scopes the consumer may request; a request for any other scope gets <c>invalid_scope</c>.</summary>
    public ISet<string> AllowedScopes { get; } = new HashSet<string>(StringComparer.Ordinal) { "cmsuser" };

    /// <summary>Lifetime of issued access tokens (simple_oauth's default is 300 seconds).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Whether <c>basic_auth</c> is enabled (and listed on the REST resource). Default <see langword="true"/>.</summary>
    public bool BasicAuthEnabled { get; set; } = true;

    /// <summary>Whether <c>simple_oauth</c> is enabled (and <c>oauth2</c> listed on the REST resource). Default <see langword="true"/>.</summary>
    public bool OAuthEnabled { get; set; } = true;

    /// <summary>Whether the <c>rest.resource.entity.user</c> configuration is enabled. Default <see langword="true"/>.</summary>
    public bool RestResourceEnabled { get; set; } = true;

    /// <summary>Whether the <c>jsonapi</c> module is enabled. Default <see langword="true"/>.</summary>
    public bool JsonApiEnabled { get; set; } = true;

    /// <summary><c>jsonapi.settings:read_only</c>: JSON:API writes get 405. Default <see langword="true"/> (Drupal's default).</summary>
    public bool JsonApiReadOnly { get; set; } = true;

    /// <summary>Whether the <c>cmsuser_companion</c> module is enabled. Default <see langword="false"/>.</summary>
    public bool CompanionModuleEnabled { get; set; }

    /// <summary>
    /// Whether the companion module is 1.1.0 or later: a core REST create with <c>?cmsuser_notify=register_admin_created</c>
    /// also sends the new-account email and says so in <c>X-Cmsuser-Notified</c>. Default <see langword="true"/>; off
    /// models 1.0.0, which ignores the parameter.
    /// </summary>
    public bool CompanionNotifiesOnCreate { get; set; } = true;

    /// <summary>When <see langword="false"/>, the API account's role lacks <c>administer users</c>.</summary>
    public bool ApiUserCanAdministerUsers { get; set; } = true;

    /// <summary>
    /// When <see langword="false"/>, the API account's role lacks <c>administer permissions</c>, so JSON:API omits every
    /// role from <c>/jsonapi/user_role/user_role</c>. Default <see langword="true"/> (an administrator account).
    /// </summary>
    public bool ApiUserCanAdministerPermissions { get; set; } = true;

    /// <summary>When <see langword="true"/>, the site's mail system fails.</summary>
    public bool MailFails { get; set; }

    /// <summary>The "Account blocked" notification setting (<c>user.settings:notify.status_blocked</c>, default off).</summary>
    public bool NotifyStatusBlocked { get; set; }

    /// <summary>The "Account activated" notification setting (<c>user.settings:notify.status_activated</c>, default on).</summary>
    public bool NotifyStatusActivated { get; set; } = true;

    /// <summary>What the companion status route reports as <c>\Drupal::VERSION</c>.</summary>
    public string DrupalVersion { get; set; } = "11.1.6";

    /// <summary>How long after it arrives every request is answered (a slow site); the fake's own work counts towards it.</summary>
    public TimeSpan ResponseDelay
    {
        get => _host.ResponseDelay;
        set => _host.ResponseDelay = value;
    }

    /// <summary>The accounts, by uid.</summary>
    internal IReadOnlyList<DrupalUserRow> UserRows
    {
        get
        {
            lock (_gate)
            {
                return [.. _users.Values];
            }
        }
    }

    /// <summary>The emails sent, oldest first.</summary>
    public IReadOnlyList<FakeDrupalMail> Mails
    {
        get
        {
            lock (_gate)
            {
                return [.. _mails];
            }
        }
    }

    /// <summary>The requests received, oldest first.</summary>
    public IReadOnlyList<FakeDrupalRequest> Requests => _host.Requests;

    /// <summary>How many access tokens the token endpoint has issued.</summary>
    public int TokensIssued { get; private set; }

    /// <summary>The account with this uid, or <see langword="null"/>.</summary>
    /// <param name="uid">The user id.</param>
    internal DrupalUserRow? FindUserRow(long uid)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(uid);
        }
    }

    /// <summary>The account with this mail (case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="mail">The email address.</param>
    internal DrupalUserRow? FindUserRowByMail(string mail)
    {
        lock (_gate)
        {
            return _index.ByMail.First(mail) is { } uid ? _users[uid] : null;
        }
    }

    /// <summary>Seeds an account without any checks.</summary>
    /// <param name="name">The username.</param>
    /// <param name="mail">The email address.</param>
    /// <param name="active">Whether it is active.</param>
    /// <param name="roles">Role machine names (added to the known roles if new).</param>
    /// <returns>The account.</returns>
    internal DrupalUserRow AddUserRow(string name, string mail, bool active = true, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(roles);
        lock (_gate)
        {
            _roles.UnionWith(roles);
            var user = new DrupalUserRow(_nextUid++, Guid.NewGuid(), name, mail) { Status = active, Roles = [.. roles.Distinct()] };
            _index.Put(_users, user);
            return user;
        }
    }

    /// <summary>Adds a role machine name.</summary>
    /// <param name="machineName">The role.</param>
    public void AddRole(string machineName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(machineName);
        lock (_gate)
        {
            _roles.Add(machineName);
        }
    }

    /// <summary>Adds a text field on the user entity (e.g. <c>field_first_name</c>).</summary>
    /// <param name="fieldName">The field's machine name.</param>
    public void AddUserField(string fieldName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldName);
        lock (_gate)
        {
            _fields.Add(fieldName);
        }
    }

    /// <summary>
    /// Adds a field of several properties on the user entity (e.g. <c>field_address</c> with <c>locality</c> and
    /// <c>country_code</c>, as the Address module's field): a create sends it as items of properties
    /// (<c>[{"locality": "Porto"}]</c>); a property the field does not define is dropped, as Drupal's field item does;
    /// the user's JSON lists every property of each item, null where unset. <see cref="FakeCmsUser.Fields"/> shows each
    /// property set as <c>field_address[0][locality]</c>.
    /// </summary>
    /// <param name="fieldName">The field's machine name.</param>
    /// <param name="properties">The properties of its items.</param>
    public void AddUserField(string fieldName, IReadOnlyCollection<string> properties)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldName);
        ArgumentNullException.ThrowIfNull(properties);
        lock (_gate)
        {
            _fields.Add(fieldName);
            _compoundFields[fieldName] = [.. properties];
        }
    }

    /// <summary>Enables a language code (<c>en</c> is enabled from the start).</summary>
    /// <param name="code">The Drupal language code, e.g. <c>de</c> or <c>pt-br</c>.</param>
    public void AddLanguage(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        lock (_gate)
        {
            _languages.Add(code);
        }
    }

    /// <summary>Revokes every issued access token (as simple_oauth does when the consumer or keys change).</summary>
    public void RevokeTokens()
    {
        lock (_gate)
        {
            _tokens.Clear();
        }
    }

    /// <summary>
    /// Holds cmsuser_companion 1.1.1's create lock on an email address and/or a username until the result is disposed, as
    /// another request creating that account would: meanwhile, with <see cref="CompanionModuleEnabled"/>, a core REST
    /// create of that email or username (ignoring case) answers 503 <c>{"message": …, "code": "cmsuser_busy"}</c> naming
    /// the value whose lock was held (the email's first) and creates nothing, as the module does after waiting 10 seconds
    /// for the lock. Without the module nothing is locked, as on a site without it.
    /// </summary>
    /// <param name="email">The email address whose lock is held, if any.</param>
    /// <param name="username">The username whose lock is held, if any.</param>
    /// <returns>Releases the locks.</returns>
    public IDisposable HoldCreateLock(string? email = null, string? username = null) => _createLocks.Hold(email, username);

    /// <summary>The next <paramref name="count"/> requests fail before Drupal handles them (a proxy or PHP fatal error).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    /// <param name="body">The body; an HTML error page when omitted.</param>
    /// <param name="contentType">The content type of <paramref name="body"/>.</param>
    public void FailNext(int count, int statusCode, string? body = null, string contentType = "text/html; charset=UTF-8") =>
        _host.FailBefore(count, statusCode, body ?? ErrorPage, contentType);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answered with an HTML error (a crash after saving).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    public void FailNextAfterProcessing(int count, int statusCode) =>
        _host.FailAfter(count, statusCode, ErrorPage, "text/html; charset=UTF-8");

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> before being answered normally.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="delay">How long to wait.</param>
    public void HangNext(int count, TimeSpan delay) =>
        _host.Hang(count, delay);

    /// <summary>Stops the server.</summary>
    public void Dispose() => _host.Dispose();

    internal static string Sha256(string value) => FakePassword.Hash(value);

    private static FakeDrupalRequest Record(IRequestMessage request) => new(
        request.Method,
        request.Path,
        Query(request) is { } query ? Uri.UnescapeDataString(query) : null,
        Body(request),
        Header(request, "Authorization"),
        Header(request, "Content-Type"),
        Header(request, "Accept"),
        0);

    private const string ErrorPage =
        "<!DOCTYPE html><html><head><title>Error</title></head><body>The website encountered an unexpected error. Try again later.</body></html>";

}
