using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>The CMSs the whole-run fault suite drives (WordPress has its own suite in this project).</summary>
public enum Cms
{
    Joomla,
    Standalone,
    Drupal,
    Drupal7,
    Backdrop,
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
/// One fake CMS with a fake CiviCRM beside it (for Standalone they are one server): how to register the real provider
/// against it, which request is a contact's create, and what its errors look like on the wire.
/// </summary>
internal abstract class CmsSite : IDisposable
{
    public const string Trigger = "members";

    public static CmsSite Start(Cms cms) => cms switch
    {
        Cms.Joomla => new JoomlaSite(),
        Cms.Standalone => new StandaloneSite(),
        Cms.Drupal => new DrupalSite(),
        Cms.Drupal7 => new Drupal7Site(),
        Cms.Backdrop => new BackdropSite(),
        _ => throw new ArgumentOutOfRangeException(nameof(cms)),
    };

    public abstract FakeCiviCrmServer Civi { get; }

    /// <summary>The name of the HTTP client that carries the provider's requests.</summary>
    public abstract string HttpClientName { get; }

    /// <summary>The CMS accounts (the API user excluded).</summary>
    public abstract IReadOnlyList<FakeCmsUser> Accounts { get; }

    /// <summary>The credentials the SDK holds for this site: none may reach an audit record or a stop reason.</summary>
    public string[] Secrets => [Civi.ApiKey, .. CmsSecrets];

    /// <summary>The CMS's own credentials.</summary>
    protected abstract IEnumerable<string> CmsSecrets { get; }

    /// <summary>Every 4xx the protocol doc lists for a create, 5xx and 429, each as the real server words it.</summary>
    public abstract IReadOnlyList<StatusAnswer> StatusAnswers { get; }

    public abstract void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout);

    /// <summary>Whether the request creates an account (the request a contact's fault is put on).</summary>
    public abstract bool IsCreate(HttpRequestMessage request);

    /// <summary>Stops the CMS (for Standalone: the whole site, CiviCRM included).</summary>
    public abstract void GoAway();

    public abstract void Dispose();

    /// <summary>
    /// Returns once nothing listens at <paramref name="url"/> any more: WireMock's Stop only begins the server's
    /// shutdown, and a run of a few dozen contacts could end before it completes (bounded: 10 s).
    /// </summary>
    protected static void WaitUntilGone(Uri url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
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

            Thread.Yield();
        }

        throw new TimeoutException($"The fake at {url} still accepts connections 10 s after it was stopped.");
    }

    protected static HttpClientSettings FastHttp(TimeSpan attemptTimeout) => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetries = 1,
        AttemptTimeout = attemptTimeout,
    };

    private sealed class JoomlaSite : SeparateSite
    {
        private readonly FakeJoomlaServer _cms;

        public JoomlaSite()
            : this(new FakeJoomlaServer())
        {
        }

        private JoomlaSite(FakeJoomlaServer cms)
            : base(cms) => _cms = cms;

        protected override IEnumerable<string> CmsSecrets => [_cms.Token];

        public override string HttpClientName => Joomla.JoomlaAccountProvider.HttpClientName;

        public override IReadOnlyList<FakeCmsUser> Accounts => [.. _cms.Users.Where(u => u.Username != "admin")];

        // cms-joomla.md section 7: JSON:API error documents; 400 = data (permanent), 401/403/406 = configuration, 404 the
        // resource-not-found handler.
        public override IReadOnlyList<StatusAnswer> StatusAnswers { get; } =
        [
            new(400, """{"errors":[{"title":"Save failed with the following error: Please enter a valid username. No space at beginning or end, at least 2 characters, must <strong>not</strong> have the following characters: < > \\ \" ' % ; ( ) & and be less than 150 characters long.","code":400}]}""", "application/vnd.api+json", Expect.Permanent),
            new(401, """{"errors":[{"title":"Forbidden"}]}""", "application/vnd.api+json", Expect.Configuration),
            new(403, """{"errors":[{"title":"Access Denied","code":403}]}""", "application/vnd.api+json", Expect.Configuration),
            new(404, """{"errors":[{"title":"Resource not found","code":404}]}""", "application/vnd.api+json", Expect.Configuration),
            new(406, """{"errors":[{"title":"Could not match accept header","code":406}]}""", "application/vnd.api+json", Expect.Configuration),
            new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=utf-8", Expect.Transient),
            new(500, """{"errors":[{"title":"Internal server error","code":500}]}""", "application/vnd.api+json", Expect.Transient),
            new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=utf-8", Expect.Transient),
        ];

        public override void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout) => builder.AddJoomla(o =>
        {
            o.BaseUrl = _cms.BaseUrl;
            o.ApiToken = _cms.Token;
            o.Http = FastHttp(attemptTimeout);
        });

        public override bool IsCreate(HttpRequestMessage request) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/v1/users", StringComparison.Ordinal);
    }

    private sealed class DrupalSite : SeparateSite
    {
        private readonly FakeDrupalServer _cms;

        public DrupalSite()
            : this(FakeDrupalServer.Start())
        {
        }

        private DrupalSite(FakeDrupalServer cms)
            : base(cms) => _cms = cms;

        protected override IEnumerable<string> CmsSecrets => [_cms.ApiPassword, _cms.ClientSecret];

        public override string HttpClientName => Drupal.DrupalAccountProvider.HttpClientName;

        public override IReadOnlyList<FakeCmsUser> Accounts => [.. _cms.Users.Where(u => u.Id != _cms.ApiUserId && u.Id != 0 && u.Id != 1)];

        // cms-drupal.md section 7: 422/400 = data (permanent), 401/403/405 = configuration, 5xx = transient.
        public override IReadOnlyList<StatusAnswer> StatusAnswers { get; } =
        [
            new(400, """{"message":"No entity content received."}""", "application/json", Expect.Permanent),
            new(401, """{"message":"No authentication credentials provided."}""", "application/json", Expect.Configuration),
            new(403, """{"message":"The 'administer users' permission is required."}""", "application/json", Expect.Configuration),
            new(405, """{"message":"No route found for \u0022POST \/entity\/user\u0022: Method Not Allowed (Allow: GET)"}""", "application/json", Expect.Configuration),
            new(422, """{"message":"Unprocessable Entity: validation failed.\nname: The username contains an illegal character.\n"}""", "application/json", Expect.Permanent),
            new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=UTF-8", Expect.Transient),
            new(500, "The website encountered an unexpected error. Try again later.", "text/html; charset=UTF-8", Expect.Transient),
            new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=UTF-8", Expect.Transient),
        ];

        public override void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout) => builder.AddDrupal(o =>
        {
            o.BaseUrl = _cms.BaseUrl;
            o.Username = FakeDrupalServer.ApiUsername;
            o.Password = _cms.ApiPassword;
            o.Http = FastHttp(attemptTimeout);
        });

        public override bool IsCreate(HttpRequestMessage request) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/entity/user", StringComparison.Ordinal);
    }

    private sealed class StandaloneSite : CmsSite
    {
        private readonly FakeStandaloneServer _site = new();
        private int _gone;

        public override FakeCiviCrmServer Civi => _site;

        protected override IEnumerable<string> CmsSecrets => [_site.ActorPassword];

        public override string HttpClientName => CiviCrmApiClient.HttpClientName;

        public override IReadOnlyList<FakeCmsUser> Accounts => [.. _site.Users.Where(u => u.Id != _site.ApiUserId)];

        // cms-civicrm-standalone.md section 7: API4 error bodies; 403 = Unauthorized, 401 authx (text/plain), 400 the
        // security alert, 405 a write over GET (configuration); a JSON 500 is every other failure (validation included,
        // so the CiviCRM client reads it as permanent), 503 maintenance and a proxy's 502 transient.
        public override IReadOnlyList<StatusAnswer> StatusAnswers { get; } =
        [
            new(400, """{"error_code":400,"error_message":"SECURITY ALERT: Ajax requests can only be issued by javascript clients, eg. CRM.api4()."}""", "application/json", Expect.Configuration),
            new(401, "HTTP 401 Invalid credential", "text/plain;charset=UTF-8", Expect.Configuration),
            new(403, """{"error_id":"uNkG-007i-AJ8b","error_code":0,"error_message":"Unauthorized","status":403}""", "application/json", Expect.Configuration),
            new(405, "", "text/html; charset=UTF-8", Expect.Configuration),
            new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=UTF-8", Expect.Transient),
            new(500, """{"error_code":"1","error_message":"Sorry an error occurred and your request was not completed. (Error ID: Z0Qm-qJca-I8kw)","status":500}""", "application/json", Expect.Permanent),
            new(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", Expect.Transient),
            new(503, """{"status_code":503,"status_message":"Temporarily unavailable for maintenance."}""", "application/json", Expect.Transient),
        ];

        public override void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout) => builder.AddStandalone();

        public override bool IsCreate(HttpRequestMessage request) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsoluteUri.Contains("/User/create", StringComparison.Ordinal);

        public override void GoAway()
        {
            if (Interlocked.Exchange(ref _gone, 1) == 0)
            {
                _site.Dispose();
                WaitUntilGone(_site.Url);
            }
        }

        public override void Dispose() => GoAway();
    }

    /// <summary>A site whose CMS is its own fake server beside a fake CiviCRM.</summary>
    private abstract class SeparateSite(IFakeCmsServer cms) : CmsSite
    {
        private readonly FakeCiviCrmServer _civi = new();
        private int _gone;

        public override FakeCiviCrmServer Civi => _civi;

        public override void GoAway()
        {
            if (Interlocked.Exchange(ref _gone, 1) == 0)
            {
                cms.Dispose();
                WaitUntilGone(cms.BaseUrl);
            }
        }

        public override void Dispose()
        {
            GoAway();
            _civi.Dispose();
        }
    }

    private sealed class Drupal7Site : SeparateSite
    {
        private readonly FakeDrupal7Server _cms;

        public Drupal7Site()
            : this(FakeDrupal7Server.Start())
        {
        }

        private Drupal7Site(FakeDrupal7Server cms)
            : base(cms) => _cms = cms;

        protected override IEnumerable<string> CmsSecrets => [_cms.ApiPassword];

        public override string HttpClientName => Drupal7.Drupal7AccountProvider.HttpClientName;

        public override IReadOnlyList<FakeCmsUser> Accounts => [.. _cms.Users.Where(u => u.Id > 1 && u.Id != _cms.ApiUserId)];

        // cms-drupal7.md section 7: Services answers a JSON array with the message, form errors as an object; 406 =
        // data (permanent), 401/403/404-resource = configuration, 5xx = transient (on a create: the outcome is unknown).
        public override IReadOnlyList<StatusAnswer> StatusAnswers { get; } =
        [
            new(401, """["CSRF validation failed"]""", "application/json", Expect.Configuration),
            new(403, """["Access denied for user cmsuser_api"]""", "application/json", Expect.Configuration),
            new(404, """["Could not find resource user."]""", "application/json", Expect.Configuration),
            new(406, """{"form_errors":{"mail":"The e-mail address <em class=\"placeholder\">x@y</em> is not valid."}}""", "application/json", Expect.Permanent),
            new(429, "<html><body>Too Many Requests</body></html>", "text/html; charset=utf-8", Expect.Transient),
            new(500, """["An error occurred (0): SQLSTATE[HY000]: General error: 2006 MySQL server has gone away"]""", "application/json", Expect.Transient),
            new(503, "<html><body>Service Unavailable</body></html>", "text/html; charset=utf-8", Expect.Transient),
        ];

        public override void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout) => builder.AddDrupal7(o =>
        {
            o.BaseUrl = _cms.BaseUrl;
            o.Endpoint = _cms.Endpoint;
            o.Username = FakeDrupal7Server.ApiUsername;
            o.Password = _cms.ApiPassword;
            o.Http = FastHttp(attemptTimeout);
        });

        public override bool IsCreate(HttpRequestMessage request) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/user.json", StringComparison.Ordinal);
    }

    private sealed class BackdropSite : SeparateSite
    {
        private readonly FakeBackdropServer _cms;

        public BackdropSite()
            : this(FakeBackdropServer.Start())
        {
        }

        private BackdropSite(FakeBackdropServer cms)
            : base(cms) => _cms = cms;

        protected override IEnumerable<string> CmsSecrets => [_cms.Secret];

        public override string HttpClientName => Backdrop.BackdropAccountProvider.HttpClientName;

        public override IReadOnlyList<FakeCmsUser> Accounts => [.. _cms.Users.Where(u => u.Id > 1)];

        // docs/cms-backdrop.md "Errors" (the cmsuser_provision module): {"code","message","field"}; 401/403 and the
        // module's 400/404/405/415 = configuration, 422 = data, 500 internal_error and 503 busy = transient.
        public override IReadOnlyList<StatusAnswer> StatusAnswers { get; } =
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
        ];

        public override void AddProvider(ICmsUserBuilder builder, TimeSpan attemptTimeout) => builder.AddBackdrop(o =>
        {
            o.BaseUrl = _cms.BaseUrl;
            o.Secret = _cms.Secret;
            o.Http = FastHttp(attemptTimeout);
        });

        public override bool IsCreate(HttpRequestMessage request) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/users", StringComparison.Ordinal);
    }
}
