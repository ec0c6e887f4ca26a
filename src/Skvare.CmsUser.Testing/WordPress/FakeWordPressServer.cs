using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.WordPress;

/// <summary>
/// A stateful fake of a WordPress 6.x site's users REST API (<c>/wp-json/wp/v2/users</c>), the
/// <c>wp-login.php?action=lostpassword</c> form and the Skvare CmsUser companion plugin routes.
/// Answers with the status codes and error bodies a real site sends (duplicates are HTTP 500 with
/// <c>"data":null</c>; a wrong application password is treated as anonymous). Thread-safe.
/// </summary>
public sealed partial class FakeWordPressServer : IDisposable
{
    /// <summary>The companion plugin version the fake reports.</summary>
    public const string CompanionVersion = "0.2.3";

    private const string JsonType = "application/json; charset=UTF-8";
    private const int LookupMaxTerms = 500;
    private const int LookupMaxUsers = 2000;

    /// <summary>The companion plugin version whose look-up answers the accounts' <c>registered_date</c>.</summary>
    private static readonly Version LookupDatesSince = new(0, 2, 3);
    private const string HtmlType = "text/html; charset=UTF-8";

    private static readonly string[] AdminCapabilities = ["create_users", "list_users", "edit_users", "promote_users", "delete_users"];
    private static readonly string[] RequiredOnCreate = ["username", "email", "password"];
    private static readonly string[] AvatarSizes = ["24", "48", "96"];

    private readonly object _gate = new();
    private readonly FakeHttpHost<FakeWordPressRequest> _host;
    private readonly SortedDictionary<long, WordPressUserRow> _users = [];
    private readonly Dictionary<string, WordPressUserRow> _byLogin = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, WordPressUserRow> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly SubstringIndex _emailSearch = new();
    private readonly SubstringIndex _loginSearch = new();
    private readonly List<string> _roles = ["administrator", "editor", "author", "contributor", "subscriber"];
    private readonly HashSet<string> _registeredMeta = new(StringComparer.Ordinal);
    private readonly HashSet<string> _locales = new(StringComparer.Ordinal) { string.Empty, "en_US", "de_DE", "fr_FR", "nl_NL", "es_ES" };
    private readonly List<FakeWordPressMail> _mails = [];
    private readonly List<Action<FakeCmsUser>> _onCreated = [];
    private long _nextId = 1;

    /// <summary>Starts the fake on a free loopback port with an administrator <see cref="AdminUsername"/>.</summary>
    public FakeWordPressServer()
    {
        _host = new FakeHttpHost<FakeWordPressRequest>(
            request => new FakeWordPressRequest(request.Method, request.Path, Query(request), Body(request), Authenticate(Header(request, "Authorization"))?.Username, 0),
            (r, status) => r with { StatusCode = status },
            Respond,
            operation: Operation,
            errorPage: status => (ErrorPage(status), HtmlType));
        BaseUrl = _host.BaseUrl;
        var admin = AddUserRow(AdminUsername, "admin@example.org", "administrator");
        admin.ApplicationPassword = ApplicationPassword;
    }

    /// <summary>The site root, e.g. <c>http://localhost:port/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The login name of the seeded administrator.</summary>
    public string AdminUsername { get; } = "admin";

    /// <summary>The administrator's application password, in WordPress's display form (groups of four).</summary>
    public string ApplicationPassword { get; } = "abcd EFGH ijkl MNOP qrst UVWX";

    /// <summary>The id the next user gets (seeded or created); it can only grow, to seed a real site's ids.</summary>
    public long NextUserId
    {
        get
        {
            lock (_gate)
            {
                return _nextId;
            }
        }

        set
        {
            lock (_gate)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(value, _nextId);
                _nextId = value;
            }
        }
    }

    /// <summary>Whether the companion plugin is active (its routes answer). Default <see langword="true"/>.</summary>
    public bool CompanionPlugin { get; set; } = true;

    /// <summary>
    /// Whether the companion plugin has the routes of 0.2.0 (<c>POST users?notify=</c>, <c>POST users/lookup</c>).
    /// Default <see langword="true"/>; off, they answer <c>rest_no_route</c> as plugins before 0.2.0 do (set
    /// <see cref="CompanionPluginVersion"/> too for the version such a plugin reports).
    /// </summary>
    public bool CompanionCreateAndLookup { get; set; } = true;

    /// <summary>
    /// The version the companion plugin's status route reports (<see cref="CompanionVersion"/> unless set). The look-up
    /// route answers each account's <c>registered_date</c> from 0.2.3 on, as that plugin does; set an older version
    /// (<c>"0.2.2"</c>) for a look-up without it. Otherwise the fake behaves as the current plugin whatever this says,
    /// except for <see cref="CompanionCreateAndLookup"/>.
    /// </summary>
    public string CompanionPluginVersion { get; set; } = CompanionVersion;

    /// <summary>
    /// Whether the companion plugin has the roles route of 0.2.3 (<c>GET roles</c>). Default <see langword="true"/>; off,
    /// it answers <c>rest_no_route</c> as older plugins do.
    /// </summary>
    public bool CompanionListsRoles { get; set; } = true;

    /// <summary>Whether the site knows <c>search_columns</c> (WordPress 6.8+). When off, it is ignored as older versions do.</summary>
    public bool SupportsSearchColumns { get; set; } = true;

    /// <summary>
    /// When set, the site cannot send mail: lostpassword answers 200 with an error page, the companion reset 503
    /// <c>skvare_cmsuser_reset_failed</c>, its notify 503 <c>skvare_cmsuser_notify_failed</c>, and its create still
    /// creates (201) but answers <c>X-Skvare-CmsUser-Notified: failed</c> (plugin 0.2.2).
    /// </summary>
    public bool MailFails { get; set; }

    /// <summary>How long after it arrives every request is answered (a slow site); the fake's own work counts towards it.</summary>
    public TimeSpan ResponseDelay
    {
        get => _host.ResponseDelay;
        set => _host.ResponseDelay = value;
    }

    /// <summary>The users, by id.</summary>
    internal IReadOnlyList<WordPressUserRow> UserRows
    {
        get
        {
            lock (_gate)
            {
                return [.. _users.Values];
            }
        }
    }

    /// <summary>The mails "sent", in order.</summary>
    public IReadOnlyList<FakeWordPressMail> Mails
    {
        get
        {
            lock (_gate)
            {
                return [.. _mails];
            }
        }
    }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<FakeWordPressRequest> Requests => _host.Requests;

    /// <summary>The roles the site knows (slugs).</summary>
    public IReadOnlyList<string> KnownRoles
    {
        get
        {
            lock (_gate)
            {
                return [.. _roles];
            }
        }
    }

    /// <summary>Finds a user by login (case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="username">The login name.</param>
    internal WordPressUserRow? FindUserRow(string username)
    {
        lock (_gate)
        {
            return _byLogin.GetValueOrDefault(username);
        }
    }

    /// <summary>Seeds a user.</summary>
    /// <param name="username">Login name.</param>
    /// <param name="email">Email.</param>
    /// <param name="roles">Roles (none = no role).</param>
    /// <returns>The user.</returns>
    internal WordPressUserRow AddUserRow(string username, string email, params string[] roles)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        lock (_gate)
        {
            var user = new WordPressUserRow(_nextId++, username, email) { Roles = [.. roles], DisplayName = username, Nickname = username, HasPassword = true };
            Store(user);
            return user;
        }
    }

    /// <summary>Gives a seeded user an application password so tests can act as a less privileged account.</summary>
    /// <param name="username">The user's login.</param>
    /// <param name="applicationPassword">The application password.</param>
    public void SetApplicationPassword(string username, string applicationPassword)
    {
        lock (_gate)
        {
            var user = FindUserRow(username) ?? throw new InvalidOperationException($"No user {username}.");
            user.ApplicationPassword = applicationPassword;
        }
    }

    /// <summary>Adds a role the site knows.</summary>
    /// <param name="role">The role slug.</param>
    public void AddRole(string role)
    {
        lock (_gate)
        {
            if (!_roles.Contains(role))
            {
                _roles.Add(role);
            }
        }
    }

    /// <summary>Registers a user meta key with <c>show_in_rest</c>; unregistered keys are ignored on write, as WordPress does.</summary>
    /// <param name="key">The meta key.</param>
    public void RegisterMeta(string key)
    {
        lock (_gate)
        {
            _registeredMeta.Add(key);
        }
    }

    /// <summary>
    /// Runs <paramref name="callback"/> after each user created through the REST API, e.g. to let a fake
    /// CiviCRM simulate the CiviCRM WordPress plugin creating the contact link.
    /// </summary>
    /// <param name="callback">Called outside the server's lock with the new user.</param>
    public void OnUserCreated(Action<FakeCmsUser> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _onCreated.Add(callback);
        }
    }

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="statusCode"/> with <paramref name="body"/> (default: an HTML error page) without touching state.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status.</param>
    /// <param name="body">The body.</param>
    /// <param name="contentType">The content type.</param>
    public void FailNext(int count, int statusCode, string? body = null, string contentType = HtmlType) =>
        _host.FailBefore(count, statusCode, body ?? ErrorPage(statusCode), contentType);

    /// <summary>The next <paramref name="count"/> requests change state as usual but then answer <paramref name="statusCode"/> (a response lost after the write).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status.</param>
    public void FailNextAfterProcessing(int count, int statusCode) =>
        _host.FailAfter(count, statusCode, ErrorPage(statusCode), HtmlType);

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> before being answered.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="delay">The wait.</param>
    public void HangNext(int count, TimeSpan delay) =>
        _host.Hang(count, delay);

    /// <summary>Drops the failures and hangs not yet used (the site is back).</summary>
    public void ClearFaults() => _host.ClearFaults();

    /// <summary>Stops the server.</summary>
    public void Dispose() => _host.Dispose();

    private Answer Respond(IRequestMessage request)
    {
        Answer answer;
        WordPressUserRow? created;
        FakeCmsUser? createdUser;
        List<Action<FakeCmsUser>> callbacks;
        lock (_gate)
        {
            answer = Route(request, Authenticate(Header(request, "Authorization")), out created);
            createdUser = created is null ? null : ToUser(created);
            callbacks = [.. _onCreated];
        }

        if (createdUser is null)
        {
            return answer;
        }

        // Observers (e.g. the CiviCRM plugin's own UFMatch write) run after the answer is recorded, outside the lock.
        return answer with
        {
            Then = () =>
            {
                foreach (var callback in callbacks)
                {
                    callback(createdUser);
                }
            },
        };
    }

    private WordPressUserRow? Authenticate(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var login = decoded[..colon];
        var password = decoded[(colon + 1)..].Replace(" ", string.Empty, StringComparison.Ordinal);
        lock (_gate)
        {
            // WordPress 6.1 treats a wrong application password as anonymous rather than answering incorrect_password.
            var user = ByLoginOrEmail(login);
            return user?.ApplicationPassword is { } app && !user.Blocked && string.Equals(app.Replace(" ", string.Empty, StringComparison.Ordinal), password, StringComparison.Ordinal) ? user : null;
        }
    }

    // The first user (by id) whose login or email is the text, as the scan over users by id found it.
    private WordPressUserRow? ByLoginOrEmail(string login)
    {
        var byLogin = _byLogin.GetValueOrDefault(login);
        var byEmail = _byEmail.GetValueOrDefault(login);
        return byLogin is null ? byEmail : byEmail is null || byLogin.Id < byEmail.Id ? byLogin : byEmail;
    }

    // Users that may match a search: those the email and login indexes name when every searched column is indexed,
    // otherwise all of them; the caller applies the column predicates, and the order stays by id.
    private IEnumerable<WordPressUserRow> Candidates(string[] columns, string search)
    {
        var ids = new HashSet<long>();
        foreach (var column in columns)
        {
            var found = column switch
            {
                "email" => _emailSearch.Candidates(search),
                "username" => _loginSearch.Candidates(search),
                "id" => long.TryParse(search, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? [id] : [],
                _ => null,
            };
            if (found is null)
            {
                return _users.Values;
            }

            ids.UnionWith(found);
        }

        return ids.Order().Select(id => _users.GetValueOrDefault(id)).OfType<WordPressUserRow>();
    }

    private void Store(WordPressUserRow user)
    {
        _users[user.Id] = user;
        _byLogin.TryAdd(user.Username, user);
        _byEmail.TryAdd(user.Email, user);
        _emailSearch.Set(user.Id, user.Email);
        _loginSearch.Set(user.Id, user.Username);
    }

    private void Forget(WordPressUserRow user)
    {
        _users.Remove(user.Id);
        _emailSearch.Remove(user.Id);
        _loginSearch.Remove(user.Id);
        Unfile(_byLogin, user.Username, user, u => u.Username);
        Unfile(_byEmail, user.Email, user, u => u.Email);
    }

    // After a delete, the key falls to the next user (by id) holding it, if a seeded duplicate exists.
    private void Unfile(Dictionary<string, WordPressUserRow> index, string key, WordPressUserRow user, Func<WordPressUserRow, string> keyOf)
    {
        if (index.TryGetValue(key, out var filed) && filed.Id == user.Id)
        {
            index.Remove(key);
            if (_users.Values.FirstOrDefault(u => string.Equals(keyOf(u), key, StringComparison.OrdinalIgnoreCase)) is { } next)
            {
                index[key] = next;
            }
        }
    }

    private static bool IsAdmin(WordPressUserRow? user) => user is not null && user.Roles.Contains("administrator");

    private Answer Route(IRequestMessage request, WordPressUserRow? me, out WordPressUserRow? created)
    {
        created = null;
        var path = request.Path;
        var method = request.Method.ToUpperInvariant();
        var query = ParseQuery(request.RawQuery);
        if (path == "/wp-login.php")
        {
            return query.GetValueOrDefault("action") == "lostpassword" && method == "POST" ? LostPassword(request) : Html(200, "<html><body><form id=\"loginform\"></form></body></html>");
        }

        if (!path.StartsWith("/wp-json/", StringComparison.Ordinal))
        {
            return Html(404, ErrorPage(404));
        }

        var route = path["/wp-json".Length..].TrimEnd('/');
        if (route == "/wp/v2/users")
        {
            return method switch
            {
                "GET" => ListUsers(query, me),
                "POST" => CreateUser(request, me, out created),
                _ => NoRoute(),
            };
        }

        var match = UserRoute().Match(route);
        if (match.Success && method == "DELETE" && DeleteParamsError(query) is { } paramsError)
        {
            // The REST server checks the route's arguments before the permission callback looks the user up.
            return paramsError;
        }

        if (match.Success)
        {
            var idText = match.Groups[1].Value;
            WordPressUserRow? target;
            if (idText == "me")
            {
                if (me is null)
                {
                    return Error(401, "rest_not_logged_in", "You are not currently logged in.");
                }

                target = me;
            }
            else if (!_users.TryGetValue(long.Parse(idText, CultureInfo.InvariantCulture), out target))
            {
                return Error(404, "rest_user_invalid_id", "Invalid user ID.");
            }

            return method switch
            {
                "GET" => GetUser(target, me, query),
                "POST" or "PUT" or "PATCH" => UpdateUser(target, me, request),
                "DELETE" => DeleteUser(target, me, query),
                _ => NoRoute(),
            };
        }

        if (route == "/skvare-cmsuser/v1/users" && CompanionPlugin && CompanionCreateAndLookup)
        {
            return method == "POST" ? CompanionCreate(request, query, me, out created) : NoRoute();
        }

        if (route == "/skvare-cmsuser/v1/users/lookup" && CompanionPlugin && CompanionCreateAndLookup)
        {
            return method == "POST" ? CompanionLookup(request, me) : NoRoute();
        }

        if (route.StartsWith("/skvare-cmsuser/v1/", StringComparison.Ordinal) && CompanionPlugin)
        {
            return Companion(route["/skvare-cmsuser/v1".Length..], method, me);
        }

        return NoRoute();
    }

    private Answer ListUsers(Dictionary<string, string> query, WordPressUserRow? me)
    {
        var edit = query.GetValueOrDefault("context") == "edit";
        if (edit && !IsAdmin(me))
        {
            return Error(me is null ? 401 : 403, "rest_forbidden_context", "Sorry, you are not allowed to edit users.");
        }

        var perPage = 10;
        if (query.TryGetValue("per_page", out var perPageText) && (!int.TryParse(perPageText, NumberStyles.Integer, CultureInfo.InvariantCulture, out perPage) || perPage is < 1 or > 100))
        {
            return InvalidParam("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)", "rest_out_of_bounds");
        }

        if (me is null)
        {
            // Anonymous callers only see authors of published posts; the fake has no posts.
            return new Answer(200, "[]", JsonType, new Dictionary<string, string> { ["X-WP-Total"] = "0", ["X-WP-TotalPages"] = "0" });
        }

        var page = query.TryGetValue("page", out var pageText) && int.TryParse(pageText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? Math.Max(1, p) : 1;
        IEnumerable<WordPressUserRow> users = _users.Values;
        if (query.TryGetValue("search", out var search) && search.Length > 0)
        {
            string[] columns;
            if (SupportsSearchColumns && query.TryGetValue("search_columns", out var requested) && requested.Length > 0)
            {
                columns = requested.Split(',');
                var bad = columns.FirstOrDefault(c => c is not ("email" or "name" or "id" or "username" or "slug"));
                if (bad is not null)
                {
                    return InvalidParam("search_columns", "search_columns[0] is not one of email, name, id, username, and slug.", "rest_not_in_enum");
                }
            }
            else
            {
                // WP_User_Query's own choice: an @ means the email column, otherwise several.
                columns = search.Contains('@', StringComparison.Ordinal) ? ["email"] : ["username", "email", "slug", "name"];
            }

            users = Candidates(columns, search).Where(u => columns.Any(c => c switch
            {
                "email" => u.Email.Contains(search, StringComparison.OrdinalIgnoreCase),
                "username" => u.Username.Contains(search, StringComparison.OrdinalIgnoreCase),
                "slug" => Slug(u.Username).Contains(search, StringComparison.OrdinalIgnoreCase),
                "name" => u.DisplayName.Contains(search, StringComparison.OrdinalIgnoreCase),
                "id" => u.Id.ToString(CultureInfo.InvariantCulture) == search,
                _ => false,
            }));
        }

        var all = users.ToList();
        var totalPages = (int)Math.Ceiling(all.Count / (double)perPage);
        var items = new JsonArray([.. all.Skip((page - 1) * perPage).Take(perPage).Select(u => (JsonNode)Render(u, edit))]);
        var headers = new Dictionary<string, string>
        {
            ["X-WP-Total"] = all.Count.ToString(CultureInfo.InvariantCulture),
            ["X-WP-TotalPages"] = totalPages.ToString(CultureInfo.InvariantCulture),
        };
        return new Answer(200, items.ToJsonString(), JsonType, headers);
    }

    private Answer GetUser(WordPressUserRow target, WordPressUserRow? me, Dictionary<string, string> query)
    {
        var edit = query.GetValueOrDefault("context") == "edit";
        if (edit && !IsAdmin(me) && me?.Id != target.Id)
        {
            return Error(me is null ? 401 : 403, "rest_forbidden_context", "Sorry, you are not allowed to edit this user.");
        }

        return Json(200, Render(target, edit));
    }

    private Answer CreateUser(IRequestMessage request, WordPressUserRow? me, out WordPressUserRow? created)
    {
        created = null;
        var body = ReadBody(request, out var bodyError);
        if (body is null)
        {
            return bodyError!;
        }

        var missing = RequiredOnCreate.Where(k => body[k] is null).ToList();
        if (missing.Count > 0)
        {
            var error = new JsonObject
            {
                ["code"] = "rest_missing_callback_param",
                ["message"] = "Missing parameter(s): " + string.Join(", ", missing),
                ["data"] = new JsonObject { ["status"] = 400, ["params"] = new JsonArray([.. missing.Select(m => (JsonNode)m)]) },
            };
            return Json(400, error);
        }

        var username = Str(body, "username")!;
        var email = Str(body, "email")!;
        var password = Str(body, "password")!;
        if (!IsValidUsername(username))
        {
            return InvalidParam("username", "This username is invalid because it uses illegal characters. Please enter a valid username.", "rest_user_invalid_username");
        }

        if (!IsEmail(email))
        {
            return InvalidParam("email", "Invalid email address.", "rest_invalid_email");
        }

        if (password.Trim().Length == 0)
        {
            return InvalidParam("password", "Passwords cannot be empty.", "rest_user_invalid_password");
        }

        if (password.Contains('\\', StringComparison.Ordinal))
        {
            return InvalidParam("password", "Passwords cannot contain the \"\\\" character.", "rest_user_invalid_password");
        }

        var locale = Str(body, "locale");
        if (locale is not null && !_locales.Contains(locale))
        {
            return InvalidParam("locale", "locale is not one of " + string.Join(", ", _locales) + ".", "rest_not_in_enum");
        }

        // The REST server validates the parameters before it asks the permission callback.
        if (!IsAdmin(me))
        {
            return Error(me is null ? 401 : 403, "rest_cannot_create_user", "Sorry, you are not allowed to create new users.");
        }

        if (body.ContainsKey("id"))
        {
            return Error(400, "rest_user_exists", "Cannot create existing user.");
        }

        var roles = Roles(body);
        foreach (var role in roles ?? [])
        {
            if (!_roles.Contains(role))
            {
                return Error(400, "rest_user_invalid_role", $"The role {role} does not exist.");
            }
        }

        // wp_insert_user(): length, then login, then email; none carries a status, so WordPress answers 500.
        if (username.Length > 60)
        {
            return Error(500, "user_login_too_long", "Username may not be longer than 60 characters.", nullData: true);
        }

        if (_byLogin.ContainsKey(username))
        {
            return Error(500, "existing_user_login", "Sorry, that username already exists!", nullData: true);
        }

        if (_byEmail.ContainsKey(email))
        {
            return Error(500, "existing_user_email", "Sorry, that email address is already used!", nullData: true);
        }

        var user = new WordPressUserRow(_nextId++, username, email)
        {
            Password = password,
            HasPassword = true,
            FirstName = Str(body, "first_name") ?? string.Empty,
            LastName = Str(body, "last_name") ?? string.Empty,
            Nickname = Str(body, "nickname") ?? username,
            Locale = locale ?? string.Empty,
            Roles = roles ?? ["subscriber"],
            Meta = Meta(body),
        };
        user.DisplayName = Str(body, "name") ?? username;
        Store(user);
        created = user;
        var headers = new Dictionary<string, string> { ["Location"] = new Uri(BaseUrl, "wp-json/wp/v2/users/" + user.Id.ToString(CultureInfo.InvariantCulture)).AbsoluteUri };
        return new Answer(201, Render(user, edit: true).ToJsonString(), JsonType, headers);
    }

    private Answer UpdateUser(WordPressUserRow target, WordPressUserRow? me, IRequestMessage request)
    {
        var body = ReadBody(request, out var bodyError);
        if (body is null)
        {
            return bodyError!;
        }

        var roles = Roles(body);
        if (roles is { Count: > 0 } && !IsAdmin(me))
        {
            return Error(me is null ? 401 : 403, "rest_cannot_edit_roles", "Sorry, you are not allowed to edit roles of this user.");
        }

        if (!IsAdmin(me) && me?.Id != target.Id)
        {
            return Error(me is null ? 401 : 403, "rest_cannot_edit", "Sorry, you are not allowed to edit this user.");
        }

        if (roles is not null)
        {
            foreach (var role in roles)
            {
                if (!_roles.Contains(role))
                {
                    return Error(400, "rest_user_invalid_role", $"The role {role} does not exist.");
                }
            }

            // Sending roles replaces the list.
            target.Roles = roles;
        }

        if (Str(body, "first_name") is { } first)
        {
            target.FirstName = first;
        }

        if (Str(body, "last_name") is { } last)
        {
            target.LastName = last;
        }

        return Json(200, Render(target, edit: true));
    }

    private static Answer? DeleteParamsError(Dictionary<string, string> query)
    {
        if (!query.TryGetValue("reassign", out var reassign))
        {
            var error = new JsonObject
            {
                ["code"] = "rest_missing_callback_param",
                ["message"] = "Missing parameter(s): reassign",
                ["data"] = new JsonObject { ["status"] = 400, ["params"] = new JsonArray("reassign") },
            };
            return Json(400, error);
        }

        if (reassign.Length > 0 && reassign != "false" && !long.TryParse(reassign, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return Json(400, new JsonObject { ["code"] = "rest_invalid_param", ["message"] = "Invalid parameter(s): reassign", ["data"] = new JsonObject { ["status"] = 400, ["params"] = new JsonObject { ["reassign"] = "Invalid user parameter(s)." } } });
        }

        if (query.TryGetValue("force", out var force) && force is not ("true" or "false" or "1" or "0" or ""))
        {
            return InvalidParam("force", "force is not of type boolean.", "rest_invalid_type");
        }

        return null;
    }

    // WP_REST_Users_Controller::delete_item on a single site: permission, then force (501 without it), then the
    // reassign target; the answer is the deleted user in the edit context.
    private Answer DeleteUser(WordPressUserRow target, WordPressUserRow? me, Dictionary<string, string> query)
    {
        if (!IsAdmin(me))
        {
            return Error(me is null ? 401 : 403, "rest_user_cannot_delete", "Sorry, you are not allowed to delete this user.");
        }

        if (query.GetValueOrDefault("force") is not ("true" or "1"))
        {
            return Error(501, "rest_trash_not_supported", "Users do not support trashing. Set 'force=true' to delete.");
        }

        var reassign = query["reassign"];
        if (long.TryParse(reassign, NumberStyles.Integer, CultureInfo.InvariantCulture, out var to) && to != 0 && (to == target.Id || !_users.ContainsKey(to)))
        {
            return Error(400, "rest_user_invalid_reassign", "Invalid user ID for reassignment.");
        }

        // WordPress answers the prepared user's data: its links are not part of it.
        var previous = Render(target, edit: true);
        previous.Remove("_links");
        Forget(target);
        return Json(200, new JsonObject { ["deleted"] = true, ["previous"] = previous });
    }

    private Answer LostPassword(IRequestMessage request)
    {
        var form = ParseQuery(request.Body);
        var login = form.GetValueOrDefault("user_login")?.Trim() ?? string.Empty;
        var user = login.Length == 0 ? null : ByLoginOrEmail(login);
        if (user is null)
        {
            var text = login.Length == 0 ? "Please enter a username or email address." : "There is no account with that username or email address.";
            return Html(200, LoginErrorPage(text));
        }

        user.ResetKey = NewKey();
        if (MailFails)
        {
            return Html(200, LoginErrorPage("The email could not be sent. Your site may not be correctly configured to send emails."));
        }

        _mails.Add(new FakeWordPressMail(user.Email, "password-reset", user.Id));
        return new Answer(302, string.Empty, HtmlType, new Dictionary<string, string> { ["Location"] = "/wp-login.php?checkemail=confirm" });
    }

    // The plugin's POST /users?notify=: the route checks its own argument, then core's create answers (the same
    // request dispatched to /wp/v2/users), then WordPress's new-user email goes out and the answer says so.
    private Answer CompanionCreate(IRequestMessage request, Dictionary<string, string> query, WordPressUserRow? me, out WordPressUserRow? created)
    {
        created = null;
        var notify = query.GetValueOrDefault("notify") ?? "none";
        if (notify is not ("none" or "user" or "both"))
        {
            return InvalidParam("notify", "notify is not one of none, user, and both.", "rest_not_in_enum");
        }

        if (!IsAdmin(me))
        {
            return Forbidden(me);
        }

        var answer = CreateUser(request, me, out created);
        if (created is null || notify == "none")
        {
            return answer;
        }

        // wp_new_user_notification() makes the set-password key before it mails, sent or not.
        created.ResetKey = NewKey();
        if (MailFails)
        {
            // Plugin 0.2.2: the account exists (201) and the header says the email did not go out.
            return answer with { Headers = new Dictionary<string, string>(answer.Headers!) { ["X-Skvare-CmsUser-Notified"] = "failed" } };
        }

        _mails.Add(new FakeWordPressMail(created.Email, "new-account", created.Id));
        if (notify == "both")
        {
            _mails.Add(new FakeWordPressMail("admin@example.org", "new-account-admin", created.Id));
        }

        return answer with { Headers = new Dictionary<string, string>(answer.Headers!) { ["X-Skvare-CmsUser-Notified"] = notify } };
    }

    // registered_date as core answers it (gmdate('c') of user_registered, which WordPress keeps in UTC), and plugin 0.2.3's look-up too.
    private static string RegisteredDate(WordPressUserRow user) =>
        user.Registered.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    // The plugin's POST /users/lookup: one query for the accounts with one of the emails or a login starting with one
    // of the names, by id, compared without case as MySQL's collation does; at most 500 terms of each kind.
    private Answer CompanionLookup(IRequestMessage request, WordPressUserRow? me)
    {
        var body = ReadBody(request, out var bodyError);
        if (body is null)
        {
            return bodyError!;
        }

        var emails = Terms(body, "emails");
        var prefixes = Terms(body, "usernames");
        foreach (var (name, terms) in new[] { ("emails", emails), ("usernames", prefixes) })
        {
            if (terms is null)
            {
                return InvalidParam(name, $"{name} is not of type array.", "rest_invalid_type");
            }

            if (terms.Count > LookupMaxTerms)
            {
                return InvalidParam(name, $"{name} must contain at most {LookupMaxTerms} items.", "rest_too_many_items");
            }
        }

        // The REST server checks the arguments before the permission callback (list_users).
        if (!IsAdmin(me))
        {
            return Forbidden(me);
        }

        var ids = new SortedSet<long>();
        foreach (var email in emails!)
        {
            if (_byEmail.ContainsKey(email))
            {
                ids.UnionWith((_emailSearch.Candidates(email) ?? _users.Keys).Where(id => _users.TryGetValue(id, out var u) && string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase)));
            }
        }

        foreach (var prefix in prefixes!)
        {
            ids.UnionWith((_loginSearch.Candidates(prefix) ?? _users.Keys).Where(id => _users.TryGetValue(id, out var u) && u.Username.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)));
        }

        // Plugin 0.2.3 answers when each account was created, as core's registered_date (context=edit) gives it.
        var dated = !Version.TryParse(CompanionPluginVersion, out var version) || version >= LookupDatesSince;
        var users = ids.Take(LookupMaxUsers).Select(id => _users[id]).Select(u =>
        {
            var user = new JsonObject
            {
                ["id"] = u.Id,
                ["username"] = u.Username,
                ["email"] = u.Email,
                ["roles"] = new JsonArray([.. u.Roles.Select(r => (JsonNode)r)]),
            };
            if (dated)
            {
                user["registered_date"] = RegisteredDate(u);
            }

            return (JsonNode)user;
        });
        return Json(200, new JsonObject { ["users"] = new JsonArray([.. users]), ["truncated"] = ids.Count > LookupMaxUsers });
    }

    // A REST array argument: a JSON array of strings, or a comma-separated string (rest_sanitize_array); null when neither.
    private static List<string>? Terms(JsonObject body, string key) => body[key] switch
    {
        null => [],
        JsonArray array => [.. array.Select(v => v?.ToString() ?? string.Empty).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)],
        JsonValue value when value.GetValueKind() == JsonValueKind.String => [.. value.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries)],
        _ => null,
    };

    private Answer Companion(string route, string method, WordPressUserRow? me)
    {
        if (route == "/status" && method == "GET")
        {
            return !IsAdmin(me) ? Forbidden(me) : Json(200, new JsonObject { ["version"] = CompanionPluginVersion, ["wordpress"] = "6.1.9" });
        }

        if (route == "/roles" && method == "GET" && CompanionListsRoles)
        {
            // wp_roles()->roles in the order they were added, with translate_user_role() labels; an administrator may give every role.
            return !IsAdmin(me) ? Forbidden(me) : Json(200, new JsonObject
            {
                ["roles"] = new JsonArray([.. KnownRoles.Select(r => (JsonNode?)new JsonObject
                {
                    ["name"] = r,
                    ["label"] = r.Length == 0 ? r : char.ToUpperInvariant(r[0]) + r[1..],
                    ["assignable"] = true,
                })]),
            });
        }

        var match = CompanionRoute().Match(route);
        if (!match.Success || method != "POST")
        {
            return NoRoute();
        }

        if (!IsAdmin(me))
        {
            return Forbidden(me);
        }

        if (!_users.TryGetValue(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), out var user))
        {
            return Error(404, "rest_user_invalid_id", "Invalid user ID.");
        }

        switch (match.Groups[2].Value)
        {
            case "notify":
                user.ResetKey = NewKey();
                if (MailFails)
                {
                    // Plugin 0.2.2: wp_mail() fired wp_mail_failed (PHP's mail() could not run).
                    return Error(503, "skvare_cmsuser_notify_failed", "Could not instantiate mail function.");
                }

                _mails.Add(new FakeWordPressMail(user.Email, "new-account", user.Id));
                return Json(200, new JsonObject { ["sent"] = true });
            case "reset":
                user.ResetKey = NewKey();
                if (MailFails)
                {
                    return Error(503, "skvare_cmsuser_reset_failed", "The email could not be sent. Your site may not be correctly configured to send emails.");
                }

                _mails.Add(new FakeWordPressMail(user.Email, "password-reset", user.Id));
                return Json(200, new JsonObject { ["sent"] = true });
            case "login-link":
                user.ResetKey = NewKey();
                var url = new Uri(BaseUrl, $"wp-login.php?action=rp&key={user.ResetKey}&login={Uri.EscapeDataString(user.Username)}");
                return Json(200, new JsonObject { ["url"] = url.AbsoluteUri });
            case "unblock":
                // Plugin 0.2.0: the roles kept by the block come back (those that still exist), then the metas go.
                if (user.Blocked)
                {
                    user.Roles = [.. user.Roles.Concat(user.BlockedRoles.Where(_roles.Contains)).Distinct(StringComparer.Ordinal)];
                    user.BlockedRoles = [];
                    user.Blocked = false;
                }

                return Json(200, new JsonObject { ["unblocked"] = true, ["roles"] = new JsonArray([.. user.Roles.Select(r => (JsonNode?)r)]) });
            default:
                if (user.Id == me!.Id)
                {
                    return Error(400, "skvare_cmsuser_block_self", "The API account cannot block itself.");
                }

                if (!user.Blocked)
                {
                    user.BlockedRoles = user.Roles;
                }

                user.Roles = [];
                user.Blocked = true;
                return Json(200, new JsonObject { ["blocked"] = true });
        }
    }

    private JsonObject Render(WordPressUserRow user, bool edit)
    {
        var json = new JsonObject
        {
            ["id"] = user.Id,
            ["name"] = user.DisplayName,
            ["url"] = string.Empty,
            ["description"] = string.Empty,
            ["link"] = new Uri(BaseUrl, "author/" + Slug(user.Username) + "/").AbsoluteUri,
            ["slug"] = Slug(user.Username),
        };
        if (edit)
        {
            json["username"] = user.Username;
            json["first_name"] = user.FirstName;
            json["last_name"] = user.LastName;
            json["email"] = user.Email;
            json["locale"] = user.Locale.Length == 0 ? "en_US" : user.Locale;
            json["nickname"] = user.Nickname;
            json["roles"] = new JsonArray([.. user.Roles.Select(r => (JsonNode)r)]);
            var caps = new JsonObject();
            if (user.Roles.Contains("administrator"))
            {
                foreach (var cap in AdminCapabilities)
                {
                    caps[cap] = true;
                }
            }

            caps["read"] = user.Roles.Count > 0;
            foreach (var role in user.Roles)
            {
                caps[role] = true;
            }

            json["registered_date"] = RegisteredDate(user);
            json["capabilities"] = caps;
            json["extra_capabilities"] = new JsonObject([.. user.Roles.Select(r => new KeyValuePair<string, JsonNode?>(r, true))]);
        }

        // avatar_urls, meta and _links are in every context.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(user.Email.Trim().ToLowerInvariant())));
        json["avatar_urls"] = new JsonObject([.. AvatarSizes.Select(size => new KeyValuePair<string, JsonNode?>(size, $"http://1.gravatar.com/avatar/{hash}?s={size}&d=mm&r=g"))]);
        json["meta"] = user.Meta.Count == 0
            ? new JsonObject { ["persisted_preferences"] = new JsonArray() }
            : new JsonObject([.. user.Meta.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))]);
        json["_links"] = new JsonObject
        {
            ["self"] = new JsonArray(new JsonObject { ["href"] = new Uri(BaseUrl, "wp-json/wp/v2/users/" + user.Id.ToString(CultureInfo.InvariantCulture)).AbsoluteUri }),
            ["collection"] = new JsonArray(new JsonObject { ["href"] = new Uri(BaseUrl, "wp-json/wp/v2/users").AbsoluteUri }),
        };
        return json;
    }

    private Dictionary<string, string> Meta(JsonObject body)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body["meta"] is JsonObject values)
        {
            foreach (var (key, value) in values)
            {
                // Unregistered meta is silently dropped, as WordPress does.
                if (_registeredMeta.Contains(key) && value is JsonValue v)
                {
                    meta[key] = v.ToString();
                }
            }
        }

        return meta;
    }

    private static List<string>? Roles(JsonObject body) => body["roles"] switch
    {
        JsonArray array => [.. array.Select(r => r?.ToString() ?? string.Empty)],
        JsonValue value => [.. value.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries)],
        _ => null,
    };

    private static string? Str(JsonObject body, string key) => body[key] is JsonValue v ? v.ToString() : null;

    private static JsonObject? ReadBody(IRequestMessage request, out Answer? error)
    {
        error = null;
        var type = Header(request, "Content-Type") ?? string.Empty;
        if (string.IsNullOrEmpty(request.Body))
        {
            return [];
        }

        if (type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var form = new JsonObject();
            foreach (var (key, value) in ParseQuery(request.Body))
            {
                form[key.EndsWith("[]", StringComparison.Ordinal) ? key[..^2] : key] = value;
            }

            return form;
        }

        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            // WordPress reads JSON bodies only when the content type says so; the parameters are then simply missing.
            return [];
        }

        try
        {
            if (FakeJson.Parse(request.Body) is JsonObject json)
            {
                return json;
            }
        }
        catch (JsonException)
        {
        }

        error = Error(400, "rest_invalid_json", "Invalid JSON body passed.");
        return null;
    }

    // sanitize_user($name, true) must leave the name unchanged.
    private static bool IsValidUsername(string username) =>
        username.Length > 0 && username == username.Trim() && !username.Contains("  ", StringComparison.Ordinal)
        && username.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '.' or '-' or '@');

    // WordPress's is_email(): at least 6 characters, an @ after the first character, a local part of the allowed
    // characters, and a domain of at least two dot-separated labels of letters, digits and inner hyphens.
    internal static bool IsEmail(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (email.Length < 6 || at < 1)
        {
            return false;
        }

        var local = email[..at];
        var domain = email[(at + 1)..];
        if (!EmailLocalPart().IsMatch(local) || domain.Contains("..", StringComparison.Ordinal) || domain.Trim(' ', '\t', '\n', '\r', '\0', '\v', '.') != domain)
        {
            return false;
        }

        var labels = domain.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Trim(' ', '\t', '\n', '\r', '\0', '\v', '-') == l && EmailDomainLabel().IsMatch(l));
    }

    private static string Slug(string username) => new([.. username.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').Select(c => c)]);

    private static string NewKey() => Convert.ToHexString(Guid.NewGuid().ToByteArray())[..20];

    private static Dictionary<string, string> ParseQuery(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }

        foreach (var pair in text.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : WebUtility.UrlDecode(pair[(eq + 1)..]);
            result[key] = value;
        }

        return result;
    }

    private static Answer Forbidden(WordPressUserRow? me) => Error(me is null ? 401 : 403, "rest_forbidden", "Sorry, you are not allowed to do that.");

    private static Answer NoRoute() => Error(404, "rest_no_route", "No route was found matching the URL and request method.");

    private static Answer InvalidParam(string param, string message, string detailCode)
    {
        var error = new JsonObject
        {
            ["code"] = "rest_invalid_param",
            ["message"] = "Invalid parameter(s): " + param,
            ["data"] = new JsonObject
            {
                ["status"] = 400,
                ["params"] = new JsonObject { [param] = message },
                // Schema checks (rest_invalid_email, rest_not_in_enum, …) carry no data; the controller's own checks carry the status.
                ["details"] = new JsonObject { [param] = new JsonObject { ["code"] = detailCode, ["message"] = message, ["data"] = detailCode.StartsWith("rest_user_", StringComparison.Ordinal) ? new JsonObject { ["status"] = 400 } : null } },
            },
        };
        return Json(400, error);
    }

    private static Answer Error(int status, string code, string message, bool nullData = false) =>
        Json(status, new JsonObject { ["code"] = code, ["message"] = message, ["data"] = nullData ? null : new JsonObject { ["status"] = status } });

    private static Answer Json(int status, JsonNode body) => new(status, body.ToJsonString(), JsonType);

    private static Answer Html(int status, string body) => new(status, body, HtmlType);

    private static string LoginErrorPage(string text) =>
        $"<!DOCTYPE html><html><head><title>Lost Password</title></head><body class=\"login\"><div id=\"login\"><div id=\"login_error\">\t<strong>Error:</strong> {WebUtility.HtmlEncode(text)}<br /></div><form name=\"lostpasswordform\" id=\"lostpasswordform\"></form></div></body></html>";

    private static string ErrorPage(int status) =>
        $"<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head><body id=\"error-page\"><div class=\"wp-die-message\"><p>There has been a critical error on this website. (HTTP {status})</p></div></body></html>";

    [GeneratedRegex(@"^/wp/v2/users/(me|\d+)$")]
    private static partial Regex UserRoute();

    [GeneratedRegex(@"^/users/(\d+)/(notify|reset|login-link|block|unblock)$")]
    private static partial Regex CompanionRoute();

    [GeneratedRegex(@"^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+$")]
    private static partial Regex EmailLocalPart();

    [GeneratedRegex("^[a-zA-Z0-9-]+$")]
    private static partial Regex EmailDomainLabel();

}
