using System.Security.Cryptography;
using System.Text;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>
/// A stateful fake of a Backdrop 1.28 site on MySQL/MariaDB running the <c>cmsuser_provision</c> companion
/// module 1.3.0: it answers the routes under <c>/api/cmsuser/v1</c> as the module does (statuses, JSON
/// bodies, error codes, Backdrop's username rules, PHP's email filter and timezone list, look-ups and
/// duplicate checks that ignore case, accents and trailing spaces as the database's collation does, roles
/// in database order), keeps accounts and sent mails in memory, records every request and can inject
/// faults. Every other path gets Backdrop's HTML "Page not found". Held against traffic recorded on a real
/// site (tests/recordings/backdrop-1.28-cmsuser_provision-1.0.0). Thread-safe.
/// </summary>
public sealed partial class FakeBackdropServer : IDisposable
{
    /// <summary>The secret the fake accepts unless another is given to <see cref="Start(string?)"/>.</summary>
    public const string DefaultSecret = "fake-backdrop-secret-0123456789abcdef-XYZ";

    /// <summary>The module's path prefix.</summary>
    public const string PathPrefix = "/api/cmsuser/v1";

    /// <summary>The routes of the module contract (method and path template), as docs/cms-backdrop.md lists them.</summary>
    public static IReadOnlyList<string> Routes { get; } =
    [
        "GET /api/cmsuser/v1/status",
        "GET /api/cmsuser/v1/roles",
        "POST /api/cmsuser/v1/users",
        "GET /api/cmsuser/v1/users",
        "GET /api/cmsuser/v1/users/{uid}",
        "POST /api/cmsuser/v1/users/{uid}/roles",
        "POST /api/cmsuser/v1/users/{uid}/mail",
        "POST /api/cmsuser/v1/users/{uid}/block",
        "POST /api/cmsuser/v1/users/{uid}/remove-roles",
        "POST /api/cmsuser/v1/users/{uid}/unblock",
        "POST /api/cmsuser/v1/users/{uid}/login-link",
    ];

    private readonly object _gate = new();
    private readonly FakeHttpHost<FakeBackdropRequest> _host;
    private readonly Locks.FakeCreateLocks _createLocks = new(Locks.FakeCreateLocks.LowerWithoutAccents);
    private readonly SortedDictionary<long, BackdropUserRow> _users = [];

    // Names and mails never change once stored; filed by the collation's key, as the database's unique indexes are.
    private readonly KeyIndex _byNameKey = new(StringComparer.Ordinal);
    private readonly KeyIndex _byMailKey = new(StringComparer.Ordinal);
    private readonly KeyIndex _byMail = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _roles = new(StringComparer.Ordinal) { "administrator", "editor" };
    private readonly HashSet<string> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _languages = new(StringComparer.Ordinal) { ["en"] = true };
    private readonly byte[] _hashSalt = RandomNumberGenerator.GetBytes(32);
    private readonly List<FakeBackdropMail> _mails = [];
    private long _nextUid = 1;

    private FakeBackdropServer(string secret)
    {
        Secret = secret;
        _host = new FakeHttpHost<FakeBackdropRequest>(
            Record,
            (r, status) => r with { StatusCode = status },
            r => WithChallenge(Route(r)),
            new Dictionary<string, string> { ["Cache-Control"] = "no-store" },
            Operation,
            status => (ErrorPage(status), "text/html; charset=utf-8"));
        BaseUrl = _host.BaseUrl;
        AddUserRow("admin", "admin@example.org", roles: "administrator");
    }

    /// <summary>Starts a fake on a free local port with an <c>admin</c> account (uid 1, the acting user unless <see cref="ActingUid"/> says otherwise).</summary>
    /// <param name="secret">The shared secret it accepts; <see cref="DefaultSecret"/> when omitted.</param>
    /// <returns>The running fake; dispose it to stop.</returns>
    public static FakeBackdropServer Start(string? secret = null) => new(secret ?? DefaultSecret);

    /// <summary>The site's base URL (with a trailing slash), for <c>CmsUser:Backdrop:BaseUrl</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The shared secret the fake accepts.</summary>
    public string Secret { get; }

    /// <summary>When <see langword="false"/>, the module is "disabled": its routes answer Backdrop's HTML 404 page.</summary>
    public bool ModuleEnabled { get; set; } = true;

    /// <summary>
    /// Whether the module has the roles route (<c>GET roles</c>, API 1.3.0). Default <see langword="true"/>; off,
    /// it answers 404 <c>no_route</c> as 1.2.1 does.
    /// </summary>
    public bool ModuleListsRoles { get; set; } = true;

    /// <summary>The module's "allow http" setting. The fake speaks http, so turning this off makes every route answer 403 <c>https_required</c>.</summary>
    public bool AllowHttp { get; set; } = true;

    /// <summary>Backdrop's <c>user_email_match</c> setting: an email-shaped username must equal the account's mail exactly (case-sensitive, as core compares).</summary>
    public bool UserEmailMatch { get; set; } = true;

    /// <summary>
    /// Backdrop's "Reject weak passwords" setting (<c>user_password_reject_weak</c>, off on a fresh install).
    /// When on, a password sent on create must reach <see cref="PasswordStrengthThreshold"/> on Backdrop's
    /// strength scale and differ from the username and the email, ignoring case.
    /// </summary>
    public bool RejectWeakPasswords { get; set; }

    /// <summary>Backdrop's <c>user_password_strength_threshold</c>: 50 (fair, the default), 70 (good) or 90 (strong).</summary>
    public int PasswordStrengthThreshold { get; set; } = 50;

    /// <summary>The module's <c>acting_uid</c> setting: the account every request runs as, reported by the status route. Default 1 (<c>admin</c>).</summary>
    public long ActingUid { get; set; } = 1;

    /// <summary>When <see langword="false"/>, the acting user lacks <c>administer users</c> and every route answers 403 <c>forbidden</c> (as when the acting account is missing or blocked).</summary>
    public bool ActingUserCanAdministerUsers { get; set; } = true;

    /// <summary>When <see langword="true"/>, the site's mail system fails (<c>mail_sent: false</c> on create, 503 <c>mail_failed</c> on the mail route).</summary>
    public bool MailFails { get; set; }

    /// <summary>What the status route reports as <c>BACKDROP_VERSION</c>.</summary>
    public string BackdropVersion { get; set; } = "1.28.x-dev";

    /// <summary>The site name, shown after "|" in the title of core's HTML pages (e.g. "Page not found | Site").</summary>
    public string SiteName { get; set; } = "Site";

    /// <summary>What the status route reports as the module's API version (<c>CMSUSER_PROVISION_API_VERSION</c>). The fake behaves as module 1.3.0 (or 1.1.0, see <see cref="LifecycleRoutes"/>) whatever this says.</summary>
    public string ModuleVersion { get; set; } = "1.3.0";

    /// <summary>
    /// When <see langword="false"/>, the fake is module 1.1.0, which has no <c>remove-roles</c> and <c>unblock</c> routes:
    /// they answer <c>404 no_route</c> as any unknown route does. Default <see langword="true"/> (module 1.2.0).
    /// </summary>
    public bool LifecycleRoutes { get; set; } = true;

    /// <summary>How long after it arrives every request is answered (a slow site); the fake's own work counts towards it.</summary>
    public TimeSpan ResponseDelay
    {
        get => _host.ResponseDelay;
        set => _host.ResponseDelay = value;
    }

    /// <summary>The accounts, by uid.</summary>
    internal IReadOnlyList<BackdropUserRow> UserRows
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
    public IReadOnlyList<FakeBackdropMail> Mails
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
    public IReadOnlyList<FakeBackdropRequest> Requests => _host.Requests;

    /// <summary>The role machine names that exist (besides <c>authenticated</c>).</summary>
    public IReadOnlyCollection<string> Roles
    {
        get
        {
            lock (_gate)
            {
                return [.. _roles];
            }
        }
    }

    /// <summary>The account with this uid, or <see langword="null"/>.</summary>
    /// <param name="uid">The user id.</param>
    internal BackdropUserRow? FindUserRow(long uid)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(uid);
        }
    }

    /// <summary>The account with this mail (ignoring case only), or <see langword="null"/>.</summary>
    /// <param name="mail">The email address.</param>
    internal BackdropUserRow? FindUserRowByMail(string mail)
    {
        lock (_gate)
        {
            return _byMail.First(mail) is { } uid ? _users[uid] : null;
        }
    }

    /// <summary>Seeds an account without any checks (an imported or hand-made account may break the module's rules, e.g. a name with accents).</summary>
    /// <param name="name">The username.</param>
    /// <param name="mail">The email address.</param>
    /// <param name="active">Whether it is active.</param>
    /// <param name="roles">Role machine names (added to the known roles if new).</param>
    /// <returns>The account.</returns>
    internal BackdropUserRow AddUserRow(string name, string mail, bool active = true, params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(roles);
        lock (_gate)
        {
            _roles.UnionWith(roles);
            var user = new BackdropUserRow(_nextUid++, name, mail) { Status = active ? 1 : 0, Roles = [.. roles.Distinct()] };
            Store(user);
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

    /// <summary>Adds a field on the user entity (e.g. <c>field_first_name</c>) that create may set.</summary>
    /// <param name="fieldName">The field's machine name.</param>
    public void AddUserField(string fieldName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fieldName);
        lock (_gate)
        {
            _fields.Add(fieldName);
        }
    }

    /// <summary>Adds a language (<c>en</c> is enabled from the start); a disabled one exists but accounts cannot get it.</summary>
    /// <param name="code">The Backdrop language code, e.g. <c>de</c>.</param>
    /// <param name="enabled">Whether the language is enabled.</param>
    public void AddLanguage(string code, bool enabled = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        lock (_gate)
        {
            _languages[code] = enabled;
        }
    }

    /// <summary>
    /// Holds module 1.2.1's create lock on an email address and/or a username until the result is disposed, as another
    /// request creating that account would: meanwhile a create of that email (compared as the module folds it: case,
    /// accents and trailing spaces ignored) or username answers 503 <c>busy</c> with the field whose lock was held (the
    /// email's first), and creates nothing, as the module does after waiting 10 seconds for the lock.
    /// </summary>
    /// <param name="email">The email address whose lock is held, if any.</param>
    /// <param name="username">The username whose lock is held, if any.</param>
    /// <returns>Releases the locks.</returns>
    public IDisposable HoldCreateLock(string? email = null, string? username = null) => _createLocks.Hold(email, username);

    /// <summary>The next <paramref name="count"/> requests fail before the module sees them (a proxy or PHP fatal error).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    /// <param name="body">The body; Backdrop's HTML error page when omitted.</param>
    /// <param name="contentType">The content type of <paramref name="body"/>.</param>
    public void FailNext(int count, int statusCode, string? body = null, string contentType = "text/html; charset=utf-8") =>
        _host.FailBefore(count, statusCode, body ?? ErrorPage(statusCode), contentType);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answered with an HTML error (a crash after saving).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    public void FailNextAfterProcessing(int count, int statusCode) =>
        _host.FailAfter(count, statusCode, ErrorPage(statusCode), "text/html; charset=utf-8");

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> before being answered normally (to exceed a client timeout).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="delay">How long to wait.</param>
    public void HangNext(int count, TimeSpan delay) =>
        _host.Hang(count, delay);

    /// <summary>Stops the server.</summary>
    public void Dispose() => _host.Dispose();

    internal static string Sha256(string value) => FakePassword.Hash(value);

    private static FakeBackdropRequest Record(IRequestMessage request) => new(
        request.Method,
        request.Path,
        Query(request),
        Body(request),
        Header(request, "Authorization"),
        Header(request, "Content-Type"),
        0);

    // The module names its scheme on every 401, as RFC 9110 asks.
    private static Answer WithChallenge(Answer answer) => answer.Status == 401
        ? answer with { Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer realm=\"cmsuser_provision\"" } }
        : answer;

    private static string ErrorPage(int status) =>
        $"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Error {status}</h1><p>The website encountered an unexpected error. Please try again later.</p></body></html>";

    private string NotFoundPage =>
        "<!DOCTYPE html><html lang=\"en\" dir=\"ltr\"><head><title>Page not found | " + System.Net.WebUtility.HtmlEncode(SiteName) + "</title></head><body class=\"page\"><main><h1 class=\"page-title\">Page not found</h1><p>The requested page could not be found.</p></main></body></html>";

}
