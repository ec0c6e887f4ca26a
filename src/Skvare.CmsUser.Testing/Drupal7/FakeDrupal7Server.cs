using System.Security.Cryptography;
using System.Text;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.Drupal7;

/// <summary>
/// A stateful fake of a Drupal 7 site running Services 3.x with a REST endpoint (default path <c>api</c>),
/// the user resource and session authentication. It answers as docs/cms-drupal7.md records: session login with
/// <c>sessid</c>/<c>session_name</c>/<c>token</c>, CSRF checks on writes, 406 <c>form_errors</c> with HTML
/// placeholders, string ids, <c>["message"]</c> error bodies; keeps accounts, sessions and sent mails in memory,
/// records every request and can inject faults. Thread-safe.
/// </summary>
public sealed partial class FakeDrupal7Server : IDisposable
{
    /// <summary>The API account's username.</summary>
    public const string ApiUsername = "cmsuser_api";

    /// <summary>The API account's password unless another is given to <see cref="Start"/>.</summary>
    public const string DefaultApiPassword = "fake-drupal7-api-password-0123456789";

    private readonly object _gate = new();
    private readonly FakeHttpHost<FakeDrupal7Request> _host;
    private readonly TimeProvider _time;
    private readonly SortedDictionary<long, Drupal7UserRow> _users = [];
    private readonly NameMailIndex<Drupal7UserRow> _index = new(u => u.Uid, u => u.Name, u => u.Mail);
    private readonly SortedDictionary<int, string> _roles = new() { [1] = "anonymous user", [2] = "authenticated user", [3] = "administrator", [4] = "editor" };
    private readonly HashSet<string> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _compoundFields = new(StringComparer.Ordinal);
    private readonly HashSet<string> _languages = new(StringComparer.Ordinal) { "en" };
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly List<FakeDrupal7Mail> _mails = [];
    private long _nextUid = 1;

    private FakeDrupal7Server(string apiPassword, TimeProvider time)
    {
        ApiPassword = apiPassword;
        _time = time;
        _host = new FakeHttpHost<FakeDrupal7Request>(
            Record,
            (r, status) => r with { StatusCode = status },
            r =>
            {
                lock (_gate)
                {
                    return Route(r);
                }
            },
            new Dictionary<string, string> { ["Cache-Control"] = "no-cache, must-revalidate" },
            Operation,
            _ => (ErrorPage, "text/html; charset=utf-8"));
        BaseUrl = _host.BaseUrl;
        SessionName = "SESS" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(BaseUrl.AbsoluteUri)))[..32];
        AddUserRow("admin", "admin@example.org", roles: 3);
        ApiUserId = AddUserRow(ApiUsername, "api@example.org", roles: 3).Uid;
        AddPassword(ApiUserId, apiPassword);
    }

    /// <summary>
    /// Starts a fake on a free local port with <c>admin</c> (uid 1) and the API account <see cref="ApiUsername"/>
    /// (uid 2, role <c>administrator</c>, rid 3, which has <c>administer users</c>). Role <c>editor</c> is rid 4.
    /// </summary>
    /// <param name="apiPassword">The API account's password; <see cref="DefaultApiPassword"/> when omitted.</param>
    /// <param name="timeProvider">The clock for session expiry.</param>
    /// <returns>The running fake; dispose it to stop.</returns>
    public static FakeDrupal7Server Start(string? apiPassword = null, TimeProvider? timeProvider = null) =>
        new(apiPassword ?? DefaultApiPassword, timeProvider ?? TimeProvider.System);

    /// <summary>The site's base URL (with a trailing slash), for <c>CmsUser:Drupal7:BaseUrl</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The Services endpoint path. Default <c>api</c>.</summary>
    public string Endpoint { get; set; } = "api";

    /// <summary>The API account's password.</summary>
    public string ApiPassword { get; }

    /// <summary>The API account's uid.</summary>
    public long ApiUserId { get; }

    /// <summary>The session cookie name (<c>SESS</c> + hash, as Drupal 7 derives it).</summary>
    public string SessionName { get; }

    /// <summary>How long a session lives without use. Default 1 hour.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether the endpoint exists. When <see langword="false"/>, its paths answer Drupal's HTML 404 page.</summary>
    public bool EndpointEnabled { get; set; } = true;

    /// <summary>User resource operations and actions that are switched off on the endpoint (e.g. <c>index</c>, <c>resend_welcome_email</c>).</summary>
    public ISet<string> DisabledOperations { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>When <see langword="false"/>, the API account's role lacks <c>administer users</c>.</summary>
    public bool ApiUserCanAdministerUsers { get; set; } = true;

    /// <summary>
    /// When <see langword="true"/>, the site's mail system fails: the mail actions answer <c>[false]</c>. (Services
    /// 7.x-3.x's own actions answer <c>[true]</c> whatever <c>drupal_mail()</c> returned and only log the failure; the
    /// fake answers as a site whose action reports it.)
    /// </summary>
    public bool MailFails { get; set; }

    /// <summary>Drupal 7's <c>user_register</c> variable: 0 administrators only, 1 visitors, 2 visitors with approval (the default).</summary>
    public int UserRegister { get; set; } = 2;

    /// <summary>The "Account activated" notification setting (default on).</summary>
    public bool NotifyStatusActivated { get; set; } = true;

    /// <summary>The "Account blocked" notification setting (default off).</summary>
    public bool NotifyStatusBlocked { get; set; }

    /// <summary>How long after it arrives every request is answered (a slow site); the fake's own work counts towards it.</summary>
    public TimeSpan ResponseDelay
    {
        get => _host.ResponseDelay;
        set => _host.ResponseDelay = value;
    }

    /// <summary>How many successful logins there were.</summary>
    public int Logins { get; private set; }

    /// <summary>The accounts, by uid.</summary>
    internal IReadOnlyList<Drupal7UserRow> UserRows
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
    public IReadOnlyList<FakeDrupal7Mail> Mails
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
    public IReadOnlyList<FakeDrupal7Request> Requests => _host.Requests;

    /// <summary>The account with this uid, or <see langword="null"/>.</summary>
    /// <param name="uid">The user id.</param>
    internal Drupal7UserRow? FindUserRow(long uid)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(uid);
        }
    }

    /// <summary>The account with this mail (case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="mail">The email address.</param>
    internal Drupal7UserRow? FindUserRowByMail(string mail)
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
    /// <param name="roles">Role ids (must exist).</param>
    /// <returns>The account.</returns>
    internal Drupal7UserRow AddUserRow(string name, string mail, bool active = true, params int[] roles)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(roles);
        lock (_gate)
        {
            var user = new Drupal7UserRow(_nextUid++, name, mail) { Status = active ? 1 : 0, RoleIds = [.. roles.Distinct()] };
            _index.Put(_users, user);
            return user;
        }
    }

    /// <summary>Adds a role.</summary>
    /// <param name="rid">The role id.</param>
    /// <param name="name">The role name.</param>
    public void AddRole(int rid, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate)
        {
            _roles[rid] = name;
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
    /// Adds a field of several columns on the user entity (e.g. <c>field_address</c> with <c>locality</c> and
    /// <c>country</c>, as the Address Field module's): a create sends it in the Field API form shape
    /// (<c>{"und": [{"locality": "Porto"}]}</c>); a column the field does not have is dropped; the user's JSON lists every
    /// column of each item, null where unset. <see cref="FakeCmsUser.Fields"/> shows each column set as
    /// <c>field_address[0][locality]</c>.
    /// </summary>
    /// <param name="fieldName">The field's machine name.</param>
    /// <param name="columns">The columns of its items.</param>
    public void AddUserField(string fieldName, IReadOnlyCollection<string> columns)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldName);
        ArgumentNullException.ThrowIfNull(columns);
        lock (_gate)
        {
            _fields.Add(fieldName);
            _compoundFields[fieldName] = [.. columns];
        }
    }

    /// <summary>Enables a language code (<c>en</c> is enabled from the start).</summary>
    /// <param name="code">The language code, e.g. <c>de</c>.</param>
    public void AddLanguage(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        lock (_gate)
        {
            _languages.Add(code);
        }
    }

    /// <summary>Ends every session (as session garbage collection or a logout elsewhere would).</summary>
    public void ExpireSessions()
    {
        lock (_gate)
        {
            _sessions.Clear();
        }
    }

    /// <summary>Gives every session a new CSRF token, so a client holding the old one gets "CSRF validation failed".</summary>
    public void RotateCsrfTokens()
    {
        lock (_gate)
        {
            foreach (var key in _sessions.Keys.ToList())
            {
                _sessions[key] = _sessions[key] with { Token = NewSecret() };
            }
        }
    }

    /// <summary>The next <paramref name="count"/> requests fail before Drupal handles them (a proxy or PHP fatal error).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    /// <param name="body">The body; an HTML error page when omitted.</param>
    /// <param name="contentType">The content type of <paramref name="body"/>.</param>
    public void FailNext(int count, int statusCode, string? body = null, string contentType = "text/html; charset=utf-8") =>
        _host.FailBefore(count, statusCode, body ?? ErrorPage, contentType);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answered with an HTML error (a crash after saving).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    public void FailNextAfterProcessing(int count, int statusCode) =>
        _host.FailAfter(count, statusCode, ErrorPage, "text/html; charset=utf-8");

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> before being answered normally.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="delay">How long to wait.</param>
    public void HangNext(int count, TimeSpan delay) =>
        _host.Hang(count, delay);

    /// <summary>Stops the server.</summary>
    public void Dispose() => _host.Dispose();

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private void AddPassword(long uid, string password)
    {
        lock (_gate)
        {
            _users[uid] = _users[uid] with { PasswordHash = Drupal.FakeDrupalServer.Sha256(password) };
        }
    }

    private static FakeDrupal7Request Record(IRequestMessage request) => new(
        request.Method,
        request.Path,
        Query(request) is { } query ? Uri.UnescapeDataString(query) : null,
        Body(request),
        Header(request, "Cookie"),
        Header(request, "X-CSRF-Token"),
        Header(request, "Content-Type"),
        0);

    private const string ErrorPage =
        "<!DOCTYPE html><html><head><title>Error</title></head><body>The website encountered an unexpected error. Please try again later.</body></html>";

    private sealed record Session(long Uid, string Token, DateTimeOffset ExpiresAt);
}
