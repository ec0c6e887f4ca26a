using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Testing.Http;
using WireMock;
using static Skvare.CmsUser.Testing.Http.FakeHttp;

namespace Skvare.CmsUser.Testing.Joomla;

/// <summary>
/// A stateful fake Joomla 4/5 Web Services API for users (<c>/api/index.php/v1/users</c>): token auth
/// (<c>X-Joomla-Token</c> or <c>Authorization: Bearer</c>), Accept negotiation (406 unless
/// <c>application/vnd.api+json</c>), JSON:API documents, the admin form's validation (username checked
/// before email, a group required), the "User – Joomla!" plugin mail with the clear-text password.
/// </summary>
public sealed partial class FakeJoomlaServer : IDisposable
{
    private const string Api = "/api/index.php/v1/";
    private readonly FakeHttpHost<FakeJoomlaRequest> _host;
    private readonly object _gate = new();
    private readonly Locks.FakeCreateLocks _createLocks = new(Locks.FakeCreateLocks.LowerWithoutAccents);
    private readonly List<JoomlaUserRow> _users = [];

    // Name, username and email never change once stored (an update edits groups, block and fields).
    private readonly Dictionary<long, JoomlaUserRow> _byId = [];
    private readonly KeyIndex _byUsername = new(StringComparer.OrdinalIgnoreCase);
    private readonly KeyIndex _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly SubstringIndex _nameSearch = new();
    private readonly SubstringIndex _usernameSearch = new();
    private readonly SubstringIndex _emailSearch = new();
    private readonly List<(string To, string Body)> _mails = [];
    private long _nextId = 100;

    /// <summary>Starts the fake on a free loopback port.</summary>
    public FakeJoomlaServer()
    {
        Token = Convert.ToBase64String(Encoding.ASCII.GetBytes("sha256:42:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))));
        _host = new FakeHttpHost<FakeJoomlaRequest>(
            r => new FakeJoomlaRequest(r.Method, r.Path, Query(r), Body(r), Header(r, "X-Joomla-Token") is not null || Header(r, "Authorization") is not null, Header(r, "Accept"), 0),
            (r, status) => r with { Status = status },
            Handle,
            operation: Operation,
            errorPage: status => (FaultBody(status), JsonApi));
        BaseUrl = _host.BaseUrl;
        Groups[1] = "Public";
        Groups[2] = "Registered";
        Groups[8] = "Super Users";
        Groups[10] = "Members";
    }

    /// <summary>The site URL, with a trailing slash (the API is under <c>api/index.php/v1/</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>How long after it arrives every request is answered (a slow site); the fake's own work counts towards it.</summary>
    public TimeSpan ResponseDelay
    {
        get => _host.ResponseDelay;
        set => _host.ResponseDelay = value;
    }

    /// <summary>The API token of the Super User the API acts as.</summary>
    public string Token { get; }

    /// <summary>User groups by id.</summary>
    public Dictionary<long, string> Groups { get; } = [];

    /// <summary>Whether the token user is allowed to create users (<c>core.create</c>). Default <see langword="true"/>.</summary>
    public bool CanCreate { get; set; } = true;

    /// <summary>Whether the "User – Joomla!" plugin mails new users their username and clear-text password. Default <see langword="true"/>.</summary>
    public bool MailToUser { get; set; } = true;

    /// <summary>
    /// Whether the companion package (<c>pkg_cmsuser</c>: component and "Web Services - CmsUser" plugin) is installed
    /// and enabled. Default <see langword="false"/>: its routes answer Joomla's 404 "Resource not found".
    /// </summary>
    public bool CompanionEnabled { get; set; }

    /// <summary>
    /// Holds pkg_cmsuser 0.1.1's create lock on an email address and/or a username until the result is disposed, as
    /// another request creating that account would: meanwhile, with <see cref="CompanionEnabled"/>, a core create
    /// (<c>POST v1/users</c>) of that email or username (ignoring case and accents, as the plugin folds them) answers 503
    /// <c>{"errors":[{"title":"Another request is creating an account with this email address; nothing was created. Retry
    /// later.","code":503}]}</c> (or "username") and creates nothing, as the plugin does after waiting 10 seconds.
    /// </summary>
    /// <param name="email">The email address whose lock is held, if any.</param>
    /// <param name="username">The username whose lock is held, if any.</param>
    /// <returns>Releases the locks.</returns>
    public IDisposable HoldCreateLock(string? email = null, string? username = null) => _createLocks.Hold(email, username);

    /// <summary>Whether the token user may edit users (<c>core.edit</c> on com_users), which the companion requires. Default <see langword="true"/>.</summary>
    public bool CanEditUsers { get; set; } = true;

    /// <summary>When <see langword="true"/>, the site's mailer fails.</summary>
    public bool MailFails { get; set; }

    /// <summary>The Joomla version the companion's status route reports.</summary>
    public string JoomlaVersion { get; set; } = "5.2.3";

    /// <summary>Users.</summary>
    internal IReadOnlyList<JoomlaUserRow> UserRows
    {
        get
        {
            lock (_gate)
            {
                return _users.ToArray();
            }
        }
    }

    /// <summary>Mails sent (recipient, body).</summary>
    public IReadOnlyList<(string To, string Body)> Mails
    {
        get
        {
            lock (_gate)
            {
                return _mails.ToArray();
            }
        }
    }

    /// <summary>The requests received, in order of arrival (a request the client gave up on included).</summary>
    public IReadOnlyList<FakeJoomlaRequest> Requests => _host.Requests;

    /// <summary>Adds a user; returns it.</summary>
    internal JoomlaUserRow AddUserRow(string username, string email, string? name = null, params long[] groups)
    {
        lock (_gate)
        {
            var user = new JoomlaUserRow(_nextId++, name ?? username, username, email) { Groups = groups.Length == 0 ? [2] : [.. groups] };
            Store(user);
            return user;
        }
    }

    /// <summary>The next <paramref name="count"/> requests are answered with this status and Joomla's JSON:API error, unhandled.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    public void FailNext(int count, int statusCode) => _host.FailBefore(count, statusCode, FaultBody(statusCode), JsonApi);

    /// <summary>The next <paramref name="count"/> requests are answered with this status and body (JSON:API media type), unhandled: to test how a client reads odd answers.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    /// <param name="body">The body to answer.</param>
    public void FailNext(int count, int statusCode, string body) => _host.FailBefore(count, statusCode, body, JsonApi);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answered with this status (the reply is lost).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status to answer.</param>
    public void FailNextAfterProcessing(int count, int statusCode) => _host.FailAfter(count, statusCode, FaultBody(statusCode), JsonApi);

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/>, then are answered normally (to trigger client timeouts).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="delay">How long to wait.</param>
    public void HangNext(int count, TimeSpan delay) => _host.Hang(count, delay);

    /// <summary>Stops the server.</summary>
    public void Dispose() => _host.Dispose();

    private const string JsonApi = "application/vnd.api+json; charset=utf-8";

    private static string FaultBody(int status) => "{\"errors\":[{\"title\":\"Internal Server Error\",\"code\":" + status.ToString(CultureInfo.InvariantCulture) + "}]}";

    private FakeAnswer Handle(IRequestMessage request)
    {
        (int Status, string Body) answer;
        lock (_gate)
        {
            answer = Route(request);
        }

        return new FakeAnswer(answer.Status, answer.Body, answer.Status == 204 ? "text/plain" : JsonApi);
    }

    private (int, string) Route(IRequestMessage request)
    {
        if (!request.Path.StartsWith(Api, StringComparison.Ordinal))
        {
            return (404, Error("Resource not found", 404));
        }

        var accept = Header(request, "Accept");
        if (accept is null || !(accept.Contains("application/vnd.api+json", StringComparison.Ordinal) || accept.Contains("*/*", StringComparison.Ordinal)))
        {
            return (406, Error("Could not match accept header", 406));
        }

        // pkg_cmsuser 0.1.1's onAfterApiRoute: once the route is known and before the token is checked, a core create
        // takes the email's, then the username's create lock; one held past its wait answers busy, nothing is created.
        if (CompanionEnabled && request.Method == "POST" && request.Path[Api.Length..].TrimEnd('/') == "users" && BusyField(request.Body) is { } busy)
        {
            return (503, BusyError(busy));
        }

        var token = Header(request, "X-Joomla-Token") ?? (Header(request, "Authorization") is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null);
        if (token != Token)
        {
            return (401, "{\"errors\":[{\"title\":\"Forbidden\"}]}");
        }

        var path = request.Path[Api.Length..].TrimEnd('/');
        var segments = path.Split('/');
        if (segments[0] == "cmsuser" && CompanionEnabled)
        {
            return Companion(request.Method, segments);
        }

        if (segments[0] != "users")
        {
            return (404, Error("Resource not found", 404));
        }

        if (segments.Length == 2 && segments[1] == "groups" && request.Method == "GET")
        {
            return GroupList(request);
        }

        if (segments.Length == 1)
        {
            return request.Method switch
            {
                "GET" => List(request),
                "POST" => Create(request.Body ?? ""),
                _ => (405, Error("Method not allowed", 405)),
            };
        }

        if (!long.TryParse(segments[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || _byId.GetValueOrDefault(id) is not { } user)
        {
            return (404, Error("Resource not found", 404));
        }

        return request.Method switch
        {
            "GET" => (200, Document(Item("users", user.Id, Attributes(user, full: true)))),
            "PATCH" => Patch(user, request.Body ?? ""),
            "DELETE" => Delete(user),
            _ => (405, Error("Method not allowed", 405)),
        };
    }

    // pkg_cmsuser's UsersController, as integrations/joomla/pkg_cmsuser documents it.
    private (int, string) Companion(string method, string[] segments)
    {
        var route = (method, segments.Length, segments.ElementAtOrDefault(1), segments.ElementAtOrDefault(3));
        var isStatus = route is ("GET", 2, "status", null);
        var isReset = route is ("POST", 4, "users", "reset");
        if (!isStatus && !isReset)
        {
            return (404, Error("Resource not found", 404));
        }

        if (!CanEditUsers)
        {
            return (403, Error("Access Denied", 403));
        }

        if (isStatus)
        {
            return (200, CompanionDocument(new JsonObject { ["type"] = "cmsuser", ["id"] = "status", ["attributes"] = new JsonObject { ["version"] = "0.1.1", ["joomla"] = JoomlaVersion } }));
        }

        var id = long.TryParse(segments[2], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        if (_byId.GetValueOrDefault(id) is not { } user)
        {
            return (404, Error($"User {id} not found.", 404));
        }

        if (user.Block)
        {
            return (409, Error($"User {id} is blocked.", 409));
        }

        if (MailFails)
        {
            return (500, Error("The password reset email could not be sent: Could not instantiate mail function.", 500));
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        user.ResetCount++;
        _mails.Add((user.Email, $"Someone requested a password reset for your account at Example site. Your verification code is {token}. Follow {BaseUrl}index.php?option=com_users&view=reset&layout=confirm&token={token} to choose a new password."));
        return (202, CompanionDocument(new JsonObject { ["type"] = "cmsuser", ["id"] = id.ToString(CultureInfo.InvariantCulture), ["attributes"] = new JsonObject { ["mail"] = "password_reset", ["sent"] = true } }));
    }

    // The companion writes a bare {"data":…} document (no links), with unescaped slashes.
    private static string CompanionDocument(JsonObject item) => new JsonObject { ["data"] = item }.ToJsonString();

    // A list view like users: 20 a page unless page[limit] says otherwise, links.next while more follow.
    private (int, string) GroupList(IRequestMessage request)
    {
        var query = ParseQuery(request.RawQuery);
        var limit = int.TryParse(query.GetValueOrDefault("page[limit]"), CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 100) : 20;
        var offset = int.TryParse(query.GetValueOrDefault("page[offset]"), CultureInfo.InvariantCulture, out var o) ? o : 0;
        var all = Groups.OrderBy(g => g.Key).ToList();
        var page = all.Skip(offset).Take(limit).Select(g => Item("groups", g.Key, new JsonObject { ["id"] = g.Key, ["title"] = g.Value })).ToArray();
        string? next = offset + limit < all.Count ? $"{BaseUrl.ToString().TrimEnd('/')}{Api}users/groups?page[offset]={offset + limit}&page[limit]={limit}" : null;
        return (200, Document(page, next));
    }

    private (int, string) List(IRequestMessage request)
    {
        var query = ParseQuery(request.RawQuery);
        var search = query.GetValueOrDefault("filter[search]") ?? "";
        var limit = int.TryParse(query.GetValueOrDefault("page[limit]"), CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 100) : 20;
        var offset = int.TryParse(query.GetValueOrDefault("page[offset]"), CultureInfo.InvariantCulture, out var o) ? o : 0;
        IEnumerable<JoomlaUserRow> hits = _users;
        if (search.StartsWith("id:", StringComparison.Ordinal))
        {
            hits = hits.Where(u => u.Id.ToString(CultureInfo.InvariantCulture) == search[3..]);
        }
        else if (search.StartsWith("username:", StringComparison.Ordinal))
        {
            hits = Candidates(search[9..], _usernameSearch).Where(u => u.Username.Contains(search[9..], StringComparison.OrdinalIgnoreCase));
        }
        else if (search.Length > 0)
        {
            hits = Candidates(search, _nameSearch, _usernameSearch, _emailSearch).Where(u => u.Name.Contains(search, StringComparison.OrdinalIgnoreCase) || u.Username.Contains(search, StringComparison.OrdinalIgnoreCase) || u.Email.Contains(search, StringComparison.OrdinalIgnoreCase));
        }

        var all = hits.ToList();
        var page = all.Skip(offset).Take(limit).ToList();
        string? next = offset + limit < all.Count ? $"{BaseUrl.ToString().TrimEnd('/')}{Api}users?filter[search]={Uri.EscapeDataString(search)}&page[offset]={offset + limit}&page[limit]={limit}" : null;
        return (200, Document(page.Select(u => Item("users", u.Id, Attributes(u, full: false))).ToArray(), next));
    }

    private (int, string) Create(string body)
    {
        if (!CanCreate)
        {
            return (403, Error("Access Denied", 403));
        }

        JsonObject data;
        try
        {
            data = FakeJson.Parse(body) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            return (400, Error("Invalid JSON", 400));
        }

        var name = FakeJson.Text(data["name"]);
        var username = FakeJson.Text(data["username"]);
        var email = FakeJson.Text(data["email"]);
        foreach (var (field, value) in new[] { ("Name", name), ("Username", username), ("Email", email) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return (400, Error($"Field required: {field}", null));
            }
        }

        if (!email!.Contains('@', StringComparison.Ordinal) || email.Length > 100)
        {
            return (400, Error("Invalid field:  Email", null));
        }

        if (username!.Length < 2 || username.Length > 150 || username != username.Trim() || username.IndexOfAny(['<', '>', '"', '\'', '%', ';', '(', ')', '&', '\\']) >= 0 || username.Contains("../", StringComparison.Ordinal))
        {
            return (400, Error("Save failed with the following error: Please enter a valid username. No space at beginning or end, at least 2 characters, must <strong>not</strong> have the following characters: < > \\ \" ' % ; ( ) & and be less than 150 characters long.", 400));
        }

        if (_byUsername.First(username) is not null)
        {
            return (400, Error("Save failed with the following error: Username in use.", 400));
        }

        if (_byEmail.First(email) is not null)
        {
            return (400, Error("Save failed with the following error: The email address you entered is already in use. Please enter another email address.", 400));
        }

        var groups = ReadGroups(data["groups"]);
        if (groups.Count == 0)
        {
            return (400, Error("Save failed with the following error: You can't save a user account without selecting at least one user group.", 400));
        }

        if (groups.Any(g => !Groups.ContainsKey(g)))
        {
            return (400, Error("Save failed with the following error: Invalid user group.", 400));
        }

        var password = FakeJson.Text(data["password"]) ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var user = new JoomlaUserRow(_nextId++, name!, username, email)
        {
            Groups = groups,
            Block = Flag(data["block"]),
            RequireReset = Flag(data["requireReset"]),
            Language = FakeJson.Text((data["params"] as JsonObject)?["language"]),
            HasGivenPassword = data["password"] is not null,
            Fields = data.Where(kv => kv.Key.StartsWith("field_", StringComparison.Ordinal) || kv.Key.StartsWith("custom_", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? ""),
        };
        Store(user);
        if (MailToUser)
        {
            _mails.Add((email, $"Hello {name}, you have been added as a user. Username: {username} Password: {password}"));
        }

        return (200, Document(Item("users", user.Id, Attributes(user, full: true))));
    }

    private (int, string) Patch(JoomlaUserRow user, string body)
    {
        JsonObject data;
        try
        {
            data = FakeJson.Parse(body) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return (400, Error("Invalid JSON", 400));
        }

        if (data["groups"] is null)
        {
            // Before Joomla 5.4 every PATCH had to carry the groups.
            return (400, Error("Save failed with the following error: You can't save a user account without selecting at least one user group.", 400));
        }

        var groups = ReadGroups(data["groups"]);
        if (groups.Count == 0 || groups.Any(g => !Groups.ContainsKey(g)))
        {
            return (400, Error("Save failed with the following error: You can't save a user account without selecting at least one user group.", 400));
        }

        user.Groups = groups;
        if (data["block"] is { } block)
        {
            user.Block = Flag(block);
        }

        return (200, Document(Item("users", user.Id, Attributes(user, full: true))));
    }

    private (int, string) Delete(JoomlaUserRow user)
    {
        _users.Remove(user);
        _byId.Remove(user.Id);
        _byUsername.Remove(user.Username, user.Id);
        _byEmail.Remove(user.Email, user.Id);
        _nameSearch.Remove(user.Id);
        _usernameSearch.Remove(user.Id);
        _emailSearch.Remove(user.Id);
        return (204, "");
    }

    private void Store(JoomlaUserRow user)
    {
        _users.Add(user);
        _byId[user.Id] = user;
        _byUsername.Add(user.Username, user.Id);
        _byEmail.Add(user.Email, user.Id);
        _nameSearch.Set(user.Id, user.Name);
        _usernameSearch.Set(user.Id, user.Username);
        _emailSearch.Set(user.Id, user.Email);
    }

    // The users a substring search may hit, in id order (the order they were stored) (all of them for a term too short to index).
    private IEnumerable<JoomlaUserRow> Candidates(string term, params SubstringIndex[] columns)
    {
        var ids = new HashSet<long>();
        foreach (var column in columns)
        {
            if (column.Candidates(term) is not { } found)
            {
                return _users;
            }

            ids.UnionWith(found);
        }

        return ids.Order().Select(id => _byId[id]);
    }

    private static List<long> ReadGroups(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(v => long.TryParse(v?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : -1).ToList(),
        JsonObject map => map.Select(kv => long.TryParse(kv.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : -1).ToList(),
        _ => [],
    };

    private static bool Flag(JsonNode? node) => node?.ToString() is "1" or "true";

    private JsonObject Attributes(JoomlaUserRow user, bool full)
    {
        var attributes = new JsonObject
        {
            ["id"] = user.Id, ["name"] = user.Name, ["username"] = user.Username, ["email"] = user.Email,
            ["block"] = user.Block ? 1 : 0, ["sendEmail"] = 0, ["registerDate"] = user.Registered.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), ["lastvisitDate"] = null,
        };
        if (full)
        {
            var groups = new JsonObject();
            foreach (var g in user.Groups)
            {
                groups[g.ToString(CultureInfo.InvariantCulture)] = Groups.GetValueOrDefault(g);
            }

            attributes["groups"] = groups;
            attributes["requireReset"] = user.RequireReset ? 1 : 0;
        }
        else
        {
            attributes["group_count"] = user.Groups.Count;
            attributes["group_names"] = string.Join("\n", user.Groups.Select(g => Groups.GetValueOrDefault(g)));
        }

        return attributes;
    }

    private static JsonObject Item(string type, long id, JsonObject attributes) =>
        new() { ["type"] = type, ["id"] = id.ToString(CultureInfo.InvariantCulture), ["attributes"] = attributes };

    private string Document(JsonObject item) =>
        new JsonObject { ["links"] = new JsonObject { ["self"] = $"{BaseUrl.ToString().TrimEnd('/')}{Api}users/{item["id"]}" }, ["data"] = item }.ToJsonString();

    private string Document(JsonObject[] items, string? next)
    {
        var links = new JsonObject { ["self"] = $"{BaseUrl.ToString().TrimEnd('/')}{Api}users" };
        if (next is not null)
        {
            links["next"] = next;
        }

        return new JsonObject { ["links"] = links, ["data"] = new JsonArray(items), ["meta"] = new JsonObject { ["total-pages"] = 1 } }.ToJsonString();
    }

    /// <summary>pkg_cmsuser 0.1.1's answer when another request held a create lock past the wait: nothing was created.</summary>
    internal static string BusyError(string field) =>
        Error("Another request is creating an account with this " + (field == "email" ? "email address" : "username") + "; nothing was created. Retry later.", 503);

    // The values the plugin reads from a create body (CreateLock::values: flat or data.attributes, trimmed).
    private string? BusyField(string? body)
    {
        JsonObject? data;
        try
        {
            data = string.IsNullOrWhiteSpace(body) ? null : FakeJson.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (data?["data"]?["attributes"] is JsonObject attributes)
        {
            data = attributes;
        }

        static string Text(JsonNode? node) =>
            node is JsonValue value && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? value.ToString().Trim() : string.Empty;

        var busy = data is null ? null : _createLocks.Busy(Text(data["email"]), Text(data["username"]));
        return busy switch
        {
            "mail" => "email",
            "name" => "username",
            _ => null,
        };
    }

    private static string Error(string title, int? code)
    {
        var error = new JsonObject { ["title"] = title };
        if (code is int c)
        {
            error["code"] = c;
        }

        return new JsonObject { ["errors"] = new JsonArray(error) }.ToJsonString();
    }

    private static Dictionary<string, string> ParseQuery(string? raw)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (raw ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            result[WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq])] = eq < 0 ? "" : WebUtility.UrlDecode(pair[(eq + 1)..]);
        }

        return result;
    }

}

/// <summary>A user held by <see cref="FakeJoomlaServer"/>.</summary>
/// <param name="Id">User id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Username">Username.</param>
/// <param name="Email">Email.</param>
internal sealed record JoomlaUserRow(long Id, string Name, string Username, string Email)
{
    /// <summary>Group ids.</summary>
    public List<long> Groups { get; set; } = [2];

    /// <summary>When the user was registered (<c>registerDate</c>, stored and answered in UTC, whole seconds).</summary>
    public DateTimeOffset Registered { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>Blocked.</summary>
    public bool Block { get; set; }

    /// <summary>Must change the password at next login.</summary>
    public bool RequireReset { get; set; }

    /// <summary>Site language (<c>params.language</c>).</summary>
    public string? Language { get; set; }

    /// <summary>How many password resets were requested (<c>resetCount</c>).</summary>
    public int ResetCount { get; set; }

    /// <summary>Whether the create request carried a password.</summary>
    public bool HasGivenPassword { get; set; }

    /// <summary>Custom fields sent at the top level.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; set; } = new Dictionary<string, string>();
}
