using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>The CMSs the whole-run fault suite drives (one row each in <see cref="CmsTable"/>).</summary>
public enum Cms
{
    Joomla,
    Standalone,
    Drupal,
    Drupal7,
    Backdrop,
    WordPress,
}

/// <summary>How the engine classifies a fault: it decides what the run and the contact's audit must show.</summary>
internal enum Expect
{
    /// <summary>The contact fails with a counted attempt and one Failed audit record; the run goes on.</summary>
    Permanent,

    /// <summary>The contact fails without using an attempt and without an audit record; the run goes on.</summary>
    Transient,

    /// <summary>The site refuses the SDK itself: the run stops (<see cref="RunStopKind.Configuration"/>).</summary>
    Configuration,
}

/// <summary>A status the site answers a contact's create with, in the CMS's real error shape (protocol docs, section Errors).</summary>
internal sealed record StatusAnswer(int Status, string Body, string ContentType, Expect Expect);

/// <summary>
/// One CMS as the fault suite drives it: how to start its fake, register the real provider against it (with a role the
/// rule gives), which request is a contact's create, its credentials, and what its errors look like on the wire.
/// Adding a CMS is one row of <see cref="CmsTable"/>.
/// </summary>
/// <param name="Cms">Which CMS.</param>
/// <param name="Start">Starts its fake (for Standalone the fake is the CiviCRM site too).</param>
/// <param name="HttpClientName">The HTTP client that carries the provider's requests.</param>
/// <param name="AddProvider">Registers the provider against the fake, with these HTTP settings and the rule's role mapped.</param>
/// <param name="Secrets">The CMS credentials the SDK holds: none may reach an audit record or a stop reason.</param>
/// <param name="IsCreate">Whether a request creates an account.</param>
/// <param name="Role">A role the fake knows, given by the rule (and synced onto existing accounts).</param>
/// <param name="SeparateNotify">Whether a new account's email is a request of its own (not part of the create).</param>
/// <param name="LookUpPerContact">Whether a contact's look-up is a request of its own (not one request for the page's emails).</param>
/// <param name="StatusAnswers">Every 4xx the protocol doc lists for a create, 5xx and 429, each as the real server words it.</param>
internal sealed record CmsRow(
    Cms Cms,
    Func<IFakeCmsServer> Start,
    string HttpClientName,
    Action<ICmsUserBuilder, IFakeCmsServer, HttpClientSettings> AddProvider,
    Func<IFakeCmsServer, IEnumerable<string>> Secrets,
    Func<HttpRequestMessage, bool> IsCreate,
    string Role,
    bool SeparateNotify,
    bool LookUpPerContact,
    IReadOnlyList<StatusAnswer> StatusAnswers);

/// <summary>The CMS rows.</summary>
internal static class CmsTable
{
    public static readonly IReadOnlyList<CmsRow> Rows =
    [
        new(
            Cms.Joomla,
            () => new FakeJoomlaServer(),
            Joomla.JoomlaAccountProvider.HttpClientName,
            (builder, cms, http) => builder.AddJoomla(o =>
            {
                o.BaseUrl = cms.BaseUrl;
                o.ApiToken = ((FakeJoomlaServer)cms).Token;
                o.GroupIds["Members"] = 10;
                o.Http = http;
            }),
            cms => [((FakeJoomlaServer)cms).Token],
            r => Is(r, HttpMethod.Post, "/v1/users"),
            "Members",
            SeparateNotify: false,
            LookUpPerContact: true,
            // cms-joomla.md section 7: JSON:API error documents; 400 = data (permanent), 401/403/406 = configuration, 404 the
            // resource-not-found handler.
            [
                new(400, """{"errors":[{"title":"Save failed with the following error: Please enter a valid username. No space at beginning or end, at least 2 characters, must <strong>not</strong> have the following characters: < > \\ \" ' % ; ( ) & and be less than 150 characters long.","code":400}]}""", "application/vnd.api+json", Expect.Permanent),
                new(401, """{"errors":[{"title":"Forbidden"}]}""", "application/vnd.api+json", Expect.Configuration),
                new(403, """{"errors":[{"title":"Access Denied","code":403}]}""", "application/vnd.api+json", Expect.Configuration),
                new(404, """{"errors":[{"title":"Resource not found","code":404}]}""", "application/vnd.api+json", Expect.Configuration),
                new(406, """{"errors":[{"title":"Could not match accept header","code":406}]}""", "application/vnd.api+json", Expect.Configuration),
                new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=utf-8", Expect.Transient),
                new(500, """{"errors":[{"title":"Internal server error","code":500}]}""", "application/vnd.api+json", Expect.Transient),
                new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=utf-8", Expect.Transient),
            ]),
        new(
            Cms.Standalone,
            () => new FakeStandaloneServer(),
            CiviCrmApiClient.HttpClientName,
            (builder, _, _) => builder.AddStandalone(),
            cms => [((FakeStandaloneServer)cms).ActorPassword],
            r => r.Method == HttpMethod.Post && r.RequestUri!.AbsoluteUri.Contains("/User/create", StringComparison.Ordinal),
            "staff",
            SeparateNotify: false,
            LookUpPerContact: true,
            // cms-civicrm-standalone.md section 7: API4 error bodies; 403 = Unauthorized, 401 authx (text/plain), 400 the
            // security alert, 405 a write over GET (configuration); a JSON 500 is every other failure (validation included,
            // so the CiviCRM client reads it as permanent), 503 maintenance and a proxy's 502 transient.
            [
                new(400, """{"error_code":400,"error_message":"SECURITY ALERT: Ajax requests can only be issued by javascript clients, eg. CRM.api4()."}""", "application/json", Expect.Configuration),
                new(401, "HTTP 401 Invalid credential", "text/plain;charset=UTF-8", Expect.Configuration),
                new(403, """{"error_id":"uNkG-007i-AJ8b","error_code":0,"error_message":"Unauthorized","status":403}""", "application/json", Expect.Configuration),
                new(405, "", "text/html; charset=UTF-8", Expect.Configuration),
                new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=UTF-8", Expect.Transient),
                new(500, """{"error_code":"1","error_message":"Sorry an error occurred and your request was not completed. (Error ID: Z0Qm-qJca-I8kw)","status":500}""", "application/json", Expect.Permanent),
                new(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", Expect.Transient),
                new(503, """{"status_code":503,"status_message":"Temporarily unavailable for maintenance."}""", "application/json", Expect.Transient),
            ]),
        new(
            Cms.Drupal,
            () => FakeDrupalServer.Start(),
            Drupal.DrupalAccountProvider.HttpClientName,
            (builder, cms, http) => builder.AddDrupal(o =>
            {
                o.BaseUrl = cms.BaseUrl;
                o.Username = FakeDrupalServer.ApiUsername;
                o.Password = ((FakeDrupalServer)cms).ApiPassword;
                o.Http = http;
            }),
            cms => [((FakeDrupalServer)cms).ApiPassword, ((FakeDrupalServer)cms).ClientSecret],
            r => Is(r, HttpMethod.Post, "/entity/user"),
            "editor",
            SeparateNotify: true,
            LookUpPerContact: false,
            // cms-drupal.md section 7: 422/400 = data (permanent), 401/403/405 = configuration, 5xx = transient.
            [
                new(400, """{"message":"No entity content received."}""", "application/json", Expect.Permanent),
                new(401, """{"message":"No authentication credentials provided."}""", "application/json", Expect.Configuration),
                new(403, """{"message":"The 'administer users' permission is required."}""", "application/json", Expect.Configuration),
                new(405, """{"message":"No route found for \u0022POST \/entity\/user\u0022: Method Not Allowed (Allow: GET)"}""", "application/json", Expect.Configuration),
                new(422, """{"message":"Unprocessable Entity: validation failed.\nname: The username contains an illegal character.\n"}""", "application/json", Expect.Permanent),
                new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=UTF-8", Expect.Transient),
                new(500, "The website encountered an unexpected error. Try again later.", "text/html; charset=UTF-8", Expect.Transient),
                new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=UTF-8", Expect.Transient),
            ]),
        new(
            Cms.Drupal7,
            () => FakeDrupal7Server.Start(),
            Drupal7.Drupal7AccountProvider.HttpClientName,
            (builder, cms, http) => builder.AddDrupal7(o =>
            {
                o.BaseUrl = cms.BaseUrl;
                o.Endpoint = ((FakeDrupal7Server)cms).Endpoint;
                o.Username = FakeDrupal7Server.ApiUsername;
                o.Password = ((FakeDrupal7Server)cms).ApiPassword;
                o.RoleIds["editor"] = "4";
                o.Http = http;
            }),
            cms => [((FakeDrupal7Server)cms).ApiPassword],
            r => Is(r, HttpMethod.Post, "/user.json"),
            "editor",
            SeparateNotify: false,
            LookUpPerContact: true,
            // cms-drupal7.md section 7: Services answers a JSON array with the message, form errors as an object; 406 =
            // data (permanent), 401/403/404-resource = configuration, 5xx = transient (on a create: the outcome is unknown).
            [
                new(401, """["CSRF validation failed"]""", "application/json", Expect.Configuration),
                new(403, """["Access denied for user cmsuser_api"]""", "application/json", Expect.Configuration),
                new(404, """["Could not find resource user."]""", "application/json", Expect.Configuration),
                new(406, """{"form_errors":{"mail":"The e-mail address <em class=\"placeholder\">x@y</em> is not valid."}}""", "application/json", Expect.Permanent),
                new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=utf-8", Expect.Transient),
                new(500, """["An error occurred (0): SQLSTATE[HY000]: General error: 2006 MySQL server has gone away"]""", "application/json", Expect.Transient),
                new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=utf-8", Expect.Transient),
            ]),
        new(
            Cms.Backdrop,
            () => FakeBackdropServer.Start(),
            Backdrop.BackdropAccountProvider.HttpClientName,
            (builder, cms, http) => builder.AddBackdrop(o =>
            {
                o.BaseUrl = cms.BaseUrl;
                o.Secret = ((FakeBackdropServer)cms).Secret;
                o.Http = http;
            }),
            cms => [((FakeBackdropServer)cms).Secret],
            r => Is(r, HttpMethod.Post, "/users"),
            "editor",
            SeparateNotify: false,
            LookUpPerContact: true,
            // docs/cms-backdrop.md "Errors" (the cmsuser_provision module): {"code","message","field"}; 401/403 and the
            // module's 400/404/405/415 = configuration, 422 = data, 500 internal_error and 503 busy = transient.
            [
                new(400, """{"code":"invalid_json","message":"The body must be a JSON object."}""", "application/json", Expect.Configuration),
                new(401, """{"code":"unauthorized","message":"Missing or wrong bearer secret."}""", "application/json", Expect.Configuration),
                new(403, """{"code":"forbidden","message":"The acting user of the CmsUser Provision settings is missing, blocked or lacks the \"administer users\" permission."}""", "application/json", Expect.Configuration),
                new(404, """{"code":"no_route","message":"No such route."}""", "application/json", Expect.Configuration),
                new(405, """{"code":"method_not_allowed","message":"This path does not answer this method."}""", "application/json", Expect.Configuration),
                new(415, """{"code":"unsupported_media_type","message":"Send the body as application/json."}""", "application/json", Expect.Configuration),
                new(422, """{"code":"invalid_mail","message":"The email address is not valid.","field":"mail"}""", "application/json", Expect.Permanent),
                new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=utf-8", Expect.Transient),
                new(500, """{"code":"internal_error","message":"An error occurred while handling the request."}""", "application/json", Expect.Transient),
                new(503, """{"code":"busy","message":"Another request is creating an account with this email address; nothing was created. Retry later.","field":"mail"}""", "application/json", Expect.Transient),
            ]),
        new(
            Cms.WordPress,
            () => new FakeWordPressServer(),
            WordPress.WordPressAccountProvider.HttpClientName,
            (builder, cms, http) => builder.AddWordPress(o =>
            {
                var wp = (FakeWordPressServer)cms;
                o.BaseUrl = wp.BaseUrl;
                o.Username = wp.AdminUsername;
                o.ApplicationPassword = wp.ApplicationPassword;
                o.UseCompanionPlugin = true;
                o.Http = http;
            }),
            cms => [((FakeWordPressServer)cms).ApplicationPassword],
            r => Is(r, HttpMethod.Post, "/wp/v2/users") || Is(r, HttpMethod.Post, "/skvare-cmsuser/v1/users"),
            "editor",
            SeparateNotify: false,
            LookUpPerContact: false,
            // cms-wordpress.md section 7: {"code","message","data":{"status"}}; rest_invalid_param = data (permanent),
            // 401/403 rest_cannot_create_user = configuration, any other 5xx or a non-JSON body = transient.
            [
                new(400, """{"code":"rest_invalid_param","message":"Invalid parameter(s): email","data":{"status":400,"params":{"email":"Invalid email address."},"details":[]}}""", "application/json; charset=UTF-8", Expect.Permanent),
                new(401, """{"code":"rest_cannot_create_user","message":"Sorry, you are not allowed to create new users.","data":{"status":401}}""", "application/json; charset=UTF-8", Expect.Configuration),
                new(403, """{"code":"rest_cannot_create_user","message":"Sorry, you are not allowed to create new users.","data":{"status":403}}""", "application/json; charset=UTF-8", Expect.Configuration),
                new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=UTF-8", Expect.Transient),
                new(500, "<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head><body id=\"error-page\"><div class=\"wp-die-message\"><p>There has been a critical error on this website.</p></div></body></html>", "text/html; charset=UTF-8", Expect.Transient),
                new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=UTF-8", Expect.Transient),
            ]),
    ];

    public static CmsRow Row(Cms cms) => Rows.Single(r => r.Cms == cms);

    private static bool Is(HttpRequestMessage request, HttpMethod method, string pathEnd) =>
        request.Method == method && request.RequestUri!.AbsolutePath.EndsWith(pathEnd, StringComparison.Ordinal);
}

/// <summary>
/// One running site of a <see cref="CmsRow"/>: its fake CMS and the fake CiviCRM beside it (for Standalone they are one
/// server).
/// </summary>
internal sealed class CmsSite : IDisposable
{
    public const string Trigger = "members";

    private readonly HashSet<long> _seeded;
    private int _gone;

    private CmsSite(CmsRow row)
    {
        Row = row;
        Cms = row.Start();
        Civi = Cms as FakeStandaloneServer ?? new FakeCiviCrmServer();
        _seeded = [.. Cms.Users.Select(u => u.Id)];
    }

    public static CmsSite Start(Cms cms) => new(CmsTable.Row(cms));

    public CmsRow Row { get; }

    public IFakeCmsServer Cms { get; }

    public FakeCiviCrmServer Civi { get; }

    /// <summary>The name of the HTTP client that carries the provider's requests.</summary>
    public string HttpClientName => Row.HttpClientName;

    /// <summary>The CMS accounts made or seeded by a test (the site's own admin and API users left out).</summary>
    public IReadOnlyList<FakeCmsUser> Accounts => [.. Cms.Users.Where(u => !_seeded.Contains(u.Id))];

    /// <summary>The credentials the SDK holds for this site: none may reach an audit record or a stop reason.</summary>
    public string[] Secrets => [Civi.ApiKey, .. Row.Secrets(Cms)];

    public IReadOnlyList<StatusAnswer> StatusAnswers => Row.StatusAnswers;

    public void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout) => Row.AddProvider(builder, Cms, new HttpClientSettings
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetries = 1,
        AttemptTimeout = attemptTimeout,
    });

    /// <summary>
    /// Seeds an account a contact already has: on Standalone the user of that contact (a user is its contact's link),
    /// elsewhere an account with the contact's email.
    /// </summary>
    public FakeCmsUser AddExisting(string username, string email, long contactId)
    {
        if (Cms is FakeStandaloneServer standalone)
        {
            var id = standalone.AddUser(username, email, contactId);
            return Cms.Users.Single(u => u.Id == id);
        }

        return Cms.AddAccount(username, email);
    }

    /// <summary>Whether the request creates an account (the request a contact's fault is put on).</summary>
    public bool IsCreate(HttpRequestMessage request) => Row.IsCreate(request);

    /// <summary>Stops the CMS (for Standalone: the whole site, CiviCRM included).</summary>
    public void GoAway()
    {
        if (Interlocked.Exchange(ref _gone, 1) == 0)
        {
            Cms.Dispose();
            WaitUntilGone(Cms.BaseUrl);
        }
    }

    public void Dispose()
    {
        GoAway();
        if (!ReferenceEquals(Civi, Cms))
        {
            Civi.Dispose();
        }
    }

    /// <summary>
    /// Returns once nothing listens at <paramref name="url"/> any more: WireMock's Stop only begins the server's
    /// shutdown, and a run of a few dozen contacts could end before it completes (bounded: 60 s, generous for a loaded
    /// machine; the probe pauses between tries, so it does not take the CPU the shutdown needs).
    /// </summary>
    private static void WaitUntilGone(Uri url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                probe.Connect(url.Host, url.Port);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"The fake at {url} still accepts connections 60 s after it was stopped.");
    }
}
