using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.Drupal;

// Drupal's behaviour: authentication, routing, entity access, validation and the answers of core REST,
// JSON:API, simple_oauth and cmsuser_companion (docs/cms-drupal.md).
public sealed partial class FakeDrupalServer
{
    private const string JsonApiType = "application/vnd.api+json";
    private const string Validation = "Unprocessable Entity: validation failed.";

    /// <summary>The authentication providers listed on <c>rest.resource.entity.user</c> (and the companion routes).</summary>
    public ISet<string> ResourceAuthenticationProviders { get; } = new HashSet<string>(StringComparer.Ordinal) { "basic_auth", "oauth2" };

    private Answer Route(IRequestMessage request)
    {
        var path = request.Path ?? "/";
        var method = request.Method.ToUpperInvariant();
        var query = ParseQuery(request.RawQuery);
        var format = query.GetValueOrDefault("_format");

        if (path == "/oauth/token")
        {
            return OAuthEnabled && method == "POST" ? Token(request) : NotFoundPage(format);
        }

        var auth = Authenticate(request);
        if (auth.Error is not null)
        {
            return auth.Error;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["jsonapi", ..])
        {
            return JsonApiEnabled ? JsonApi(request, method, parts, query, auth) : NotFoundPage(format);
        }

        if (parts is ["cmsuser", ..])
        {
            if (!CompanionModuleEnabled || format != "json")
            {
                return NoRoute(request, format);
            }

            return Companion(request, method, parts, auth);
        }

        if (parts is ["entity", "user"] && method == "POST")
        {
            if (!RestResourceEnabled)
            {
                return NoRoute(request, format);
            }

            return WithRestAccess(auth, () => Create(request, auth));
        }

        if (parts is ["user", "password"])
        {
            if (format != "json" || method != "POST")
            {
                return NotFoundPage(format);
            }

            return PasswordReset(request);
        }

        if (parts is ["user", var id] && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            if (format != "json")
            {
                return method == "GET" ? new Answer(200, "<!DOCTYPE html><html><body><h1>Member for 2 years</h1></body></html>", "text/html; charset=UTF-8") : NotFoundPage(format);
            }

            if (!RestResourceEnabled)
            {
                return Message(406, "Not acceptable format: json");
            }

            return method switch
            {
                "GET" => WithRestAccess(auth, () => Read(uid, auth)),
                "PATCH" => WithRestAccess(auth, () => Update(request, uid, auth)),
                "DELETE" => WithRestAccess(auth, () => Delete(uid, auth)),
                _ => Message(405, $"No route found for \"{method} {BaseUrl}user/{uid}\": Method Not Allowed (Allow: GET, PATCH, DELETE)"),
            };
        }

        return NotFoundPage(format);
    }

    private Auth Authenticate(IRequestMessage request)
    {
        var header = Header(request, "Authorization");
        if (header is null)
        {
            return new Auth(null, null, null);
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && BasicAuthEnabled)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                decoded = string.Empty;
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? decoded : decoded[..colon];
            var pass = colon < 0 ? string.Empty : decoded[(colon + 1)..];
            // basic_auth applied; wrong credentials leave the request anonymous (no 401 challenge then).
            var user = name == ApiUsername && pass == ApiPassword ? ApiUserId : (long?)null;
            return new Auth(user, "basic_auth", null);
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && OAuthEnabled)
        {
            var token = header[7..].Trim();
            if (!_tokens.TryGetValue(token, out var expires) || _time.GetUtcNow() >= expires)
            {
                return new Auth(null, "oauth2", Message(401, "The resource owner or authorization server denied the request."));
            }

            return new Auth(ApiUserId, "oauth2", null);
        }

        return new Auth(null, null, null);
    }

    private bool IsAdmin(long? uid) =>
        uid is { } id && (id == ApiUserId ? ApiUserCanAdministerUsers : id == 1 || (_users.GetValueOrDefault(id)?.Roles.Contains("administrator") ?? false));

    private Answer WithRestAccess(Auth auth, Func<Answer> handler)
    {
        if (auth.Provider is not null && !ResourceAuthenticationProviders.Contains(auth.Provider))
        {
            return Message(403, "The used authentication method is not allowed on this route.");
        }

        return handler();
    }

    /// <summary>Access denied: anonymous requests without an applied provider get basic_auth's challenge instead.</summary>
    private Answer Denied(Auth auth, string reason)
    {
        if (auth.Uid is null && auth.Provider is null && BasicAuthEnabled)
        {
            return new Answer(401, Json(new JsonObject { ["message"] = "No authentication credentials provided." }), "application/json",
                new Dictionary<string, string> { ["WWW-Authenticate"] = $"Basic realm=\"{SiteName}\"" });
        }

        return Message(403, reason);
    }

    private Answer Token(IRequestMessage request)
    {
        var type = Header(request, "Content-Type") ?? string.Empty;
        var form = type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ? ParseQuery(request.Body) : [];
        if (form.GetValueOrDefault("grant_type") is not { } grant)
        {
            return OAuthError(400, "invalid_request", "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", "Check the `grant_type` parameter");
        }

        if (grant != "client_credentials")
        {
            return OAuthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.", "Check that all required parameters have been provided");
        }

        if (form.GetValueOrDefault("client_id") != ClientId || form.GetValueOrDefault("client_secret") != ClientSecret)
        {
            return OAuthError(401, "invalid_client", "Client authentication failed", null);
        }

        var scopes = (form.GetValueOrDefault("scope") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (scopes.FirstOrDefault(s => !AllowedScopes.Contains(s)) is { } bad)
        {
            return OAuthError(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed", $"Check the `{bad}` scope");
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        _tokens[token] = _time.GetUtcNow() + TokenLifetime;
        TokensIssued++;
        return new Answer(200, Json(new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)TokenLifetime.TotalSeconds,
            ["access_token"] = token,
        }), "application/json; charset=UTF-8");
    }

    private Answer Create(IRequestMessage request, Auth auth)
    {
        // cmsuser_companion 1.1.1's CreateLockSubscriber runs after routing (a JSON content type) and before the controller
        // (which reads the entity and checks "administer users"): the email's, then the username's create lock; one held
        // past its wait answers busy and nothing is created. A body that is not a JSON object takes no lock.
        if (CompanionModuleEnabled && LockedField(request) is { } busy)
        {
            return BusyAnswer(busy);
        }

        if (!IsAdmin(auth.Uid))
        {
            return Denied(auth, "The 'administer users' permission is required.");
        }

        if (ReadBody(request, out var body) is { } bad)
        {
            return bad;
        }

        if (body.ContainsKey("uid"))
        {
            return Message(400, "Only new entities can be created");
        }

        var violations = new List<string>();
        var name = Scalar(body, "name", violations) ?? string.Empty;
        var mail = Scalar(body, "mail", violations)?.Trim() ?? string.Empty;
        var pass = Scalar(body, "pass", violations);
        var status = false; // User::baseFieldDefinitions: blocked unless told otherwise.
        if (body["status"] is not null)
        {
            status = Flag(body, violations) ?? false;
        }

        if (DrupalNameRules.Validate(name, allowPlus: true) is { } nameError)
        {
            violations.Add("name: " + nameError);
        }
        else if (_index.ByName.First(name) is not null)
        {
            violations.Add($"name: The username {name} is already taken.");
        }

        // UserMailRequired is waived for administrators creating an account; an empty mail is allowed.
        if (mail.Length > 0 && !DrupalNameRules.IsValidMail(mail))
        {
            violations.Add("mail.0.value: This value is not a valid email address.");
        }
        else if (mail.Length > 0 && _index.ByMail.First(mail) is not null)
        {
            violations.Add($"mail: The email address {mail} is already taken.");
        }

        var roles = Roles(body, violations);
        var langcode = Scalar(body, "preferred_langcode", violations) ?? "en";
        if (!_languages.Contains(langcode))
        {
            violations.Add("preferred_langcode.0.value: The value you selected is not a valid choice.");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, _) in body)
        {
            if (key.StartsWith("field_", StringComparison.Ordinal))
            {
                if (!_fields.Contains(key))
                {
                    return Message(422, $"Field {key} is unknown.");
                }

                if (_compoundFields.TryGetValue(key, out var properties))
                {
                    CompoundItems(body, key, properties, fields, violations);
                    continue;
                }

                fields[key] = Scalar(body, key, violations) ?? string.Empty;
            }
            else if (key is not ("name" or "mail" or "pass" or "status" or "roles" or "preferred_langcode" or "timezone" or "langcode"))
            {
                return Message(403, $"Access denied on creating field '{key}'.");
            }
        }

        if (violations.Count > 0)
        {
            return Message(422, Validation + "\n" + string.Join("\n", violations) + "\n");
        }

        var user = new DrupalUserRow(_nextUid++, Guid.NewGuid(), name, mail)
        {
            Status = status,
            Roles = roles,
            PreferredLangcode = langcode,
            Fields = fields,
            HasPassword = pass is not null,
            PasswordHash = pass is null ? string.Empty : Sha256(pass),
        };
        _index.Put(_users, user);
        var headers = new Dictionary<string, string> { ["Location"] = $"{BaseUrl}user/{user.Uid}" };
        if (CompanionModuleEnabled && CompanionNotifiesOnCreate && ParseQuery(request.RawQuery).GetValueOrDefault("cmsuser_notify") == "register_admin_created")
        {
            // cmsuser_companion 1.1.0's hook_user_insert (the caller has "administer users", checked above).
            if (!MailFails)
            {
                SendMail(user, "register_admin_created");
            }

            headers["X-Cmsuser-Notified"] = MailFails ? "failed" : "register_admin_created";
        }

        return new Answer(201, Json(RestUser(user)), "application/json", headers);
    }

    private Answer Read(long uid, Auth auth)
    {
        if (!_users.TryGetValue(uid, out var user))
        {
            return ParamNotConverted("/user/{user}");
        }

        if (!IsAdmin(auth.Uid) && auth.Uid != uid)
        {
            return Denied(auth, "The 'access user profiles' permission is required.");
        }

        return Ok(RestUser(user));
    }

    private Answer Update(IRequestMessage request, long uid, Auth auth)
    {
        if (!_users.TryGetValue(uid, out var user))
        {
            return ParamNotConverted("/user/{user}");
        }

        var admin = IsAdmin(auth.Uid);
        if (!admin && auth.Uid != uid)
        {
            return Denied(auth, "The 'administer users' permission is required.");
        }

        if (ReadBody(request, out var body) is { } bad)
        {
            return bad;
        }

        foreach (var restricted in new[] { "roles", "status" })
        {
            if (!admin && body.ContainsKey(restricted))
            {
                return Message(403, $"Access denied on updating field '{restricted}'.");
            }
        }

        var violations = new List<string>();
        var updated = user;
        if (body.ContainsKey("roles"))
        {
            updated = updated with { Roles = Roles(body, violations) };
        }

        if (body.ContainsKey("status"))
        {
            updated = updated with { Status = Flag(body, violations) ?? user.Status };
        }

        if (body.ContainsKey("mail"))
        {
            var mail = Scalar(body, "mail", violations)?.Trim() ?? string.Empty;
            if (mail.Length > 0 && !DrupalNameRules.IsValidMail(mail))
            {
                violations.Add("mail.0.value: This value is not a valid email address.");
            }
            else if (_index.ByMail.AnyOther(mail, uid))
            {
                violations.Add($"mail: The email address {mail} is already taken.");
            }

            updated = updated with { Mail = mail };
        }

        if (violations.Count > 0)
        {
            return Message(422, Validation + "\n" + string.Join("\n", violations) + "\n");
        }

        _index.Put(_users, updated);
        if (user.Status != updated.Status)
        {
            // User::postSave sends the status mail when the site's notification setting says so.
            if (updated.Status ? NotifyStatusActivated : NotifyStatusBlocked)
            {
                SendMail(updated, updated.Status ? "status_activated" : "status_blocked");
            }
        }

        return Ok(RestUser(updated));
    }

    private Answer Delete(long uid, Auth auth)
    {
        if (!_users.ContainsKey(uid))
        {
            return ParamNotConverted("/user/{user}");
        }

        if (!IsAdmin(auth.Uid))
        {
            return Denied(auth, "The 'administer users' permission is required.");
        }

        _index.Drop(_users, uid);
        return new Answer(204, string.Empty, "text/html; charset=UTF-8");
    }

    private Answer PasswordReset(IRequestMessage request)
    {
        if (ReadBody(request, out var body) is { } bad)
        {
            return bad;
        }

        var mail = body["mail"] is JsonValue m && m.TryGetValue<string>(out var ms) ? ms : null;
        var name = body["name"] is JsonValue n && n.TryGetValue<string>(out var ns) ? ns : null;
        if (mail is null && name is null)
        {
            return Message(400, "Missing credentials.name or credentials.mail");
        }

        var user = (mail is not null ? _index.ByMail.First(mail) : _index.ByName.First(name)) is { } found ? _users[found] : null;
        if (user is { Status: true })
        {
            if (MailFails)
            {
                return Message(400, "Unable to send email. Contact the site administrator if the problem persists.");
            }

            SendMail(user, "password_reset");
        }

        // The same empty answer whether or not the account exists (or is blocked).
        return new Answer(200, string.Empty, "text/html; charset=UTF-8");
    }

    private Answer JsonApi(IRequestMessage request, string method, string[] parts, Dictionary<string, string> query, Auth auth)
    {
        if (method != "GET")
        {
            return JsonApiReadOnly
                ? JsonApiError(405, "Method Not Allowed", $"JSON:API is configured to accept only read operations. Site administrators can configure this at {BaseUrl}admin/config/services/jsonapi.")
                : JsonApiError(501, "Not Implemented", "The fake implements JSON:API reads only.");
        }

        if (parts is not (["jsonapi", "user", "user"] or ["jsonapi", "user_role", "user_role"]))
        {
            return JsonApiError(404, "Not Found", $"The requested resource type does not exist.");
        }

        // The fake insists on the JSON:API media type so a client that forgets it fails a test.
        var accept = Header(request, "Accept") ?? string.Empty;
        if (!accept.Contains(JsonApiType, StringComparison.OrdinalIgnoreCase))
        {
            return JsonApiError(406, "Not Acceptable", "Not acceptable format: send Accept: application/vnd.api+json.");
        }

        if (parts is ["jsonapi", "user_role", "user_role"])
        {
            return JsonApiRoles(query, auth);
        }

        var admin = IsAdmin(auth.Uid);
        IEnumerable<DrupalUserRow> users = _users.Values;
        if (query.Keys.Any(k => k.StartsWith("filter[", StringComparison.Ordinal) && (k.Contains("][condition]", StringComparison.Ordinal) || k.Contains("][group]", StringComparison.Ordinal))))
        {
            // The full filter syntax (conditions, operators, OR groups): evaluated per user, as the entity query would.
            var filter = JsonApiFilter.Parse(query, out var filterError);
            if (filter is null)
            {
                return JsonApiError(400, "Bad Request", filterError!);
            }

            if (!admin && filter.Paths.Contains("mail"))
            {
                return JsonApiError(403, "Forbidden", "The current user is not authorized to filter by the `mail` field, given in the path `mail`. The 'view user email addresses' permission is required.");
            }

            if (filter.Paths.FirstOrDefault(p => p is not ("mail" or "name")) is { } unknown)
            {
                return JsonApiError(400, "Bad Request", $"Invalid nested filtering. The field `{unknown}`, given in the path `{unknown}`, does not exist.");
            }

            users = users.Where(u => filter.Matches(path => path == "mail" ? u.Mail : u.Name));
            query = query.Where(kv => !kv.Key.StartsWith("filter[", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        }

        foreach (var (key, value) in query)
        {
            if (!key.StartsWith("filter[", StringComparison.Ordinal))
            {
                continue;
            }

            var field = key["filter[".Length..].TrimEnd(']');
            switch (field)
            {
                case "mail":
                    if (!admin)
                    {
                        return JsonApiError(403, "Forbidden", "The current user is not authorized to filter by the `mail` field, given in the path `mail`. The 'view user email addresses' permission is required.");
                    }

                    users = _index.Filter(_users, users, byMail: true, value);
                    break;
                case "name":
                    users = _index.Filter(_users, users, byMail: false, value);
                    break;
                default:
                    return JsonApiError(400, "Bad Request", $"Invalid nested filtering. The field `{field}`, given in the path `{field}`, does not exist.");
            }
        }

        if (!admin)
        {
            // Without administer users, blocked accounts are hidden (and anonymous sees none here).
            users = auth.Uid is null ? [] : users.Where(u => u.Status);
        }

        // Collections come in pages of at most 50 (OffsetPage::SIZE_MAX), with a "next" link while more remain.
        var limit = query.TryGetValue("page[limit]", out var limitText) && int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 50) : 50;
        var offset = query.TryGetValue("page[offset]", out var offsetText) && int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var window = users.Skip(offset).Take(limit + 1).ToList();
        var data = new JsonArray([.. window.Take(limit).Select(u => (JsonNode?)JsonApiUser(u, admin || u.Uid == auth.Uid))]);
        var links = new JsonObject { ["self"] = new JsonObject { ["href"] = $"{BaseUrl}jsonapi/user/user" } };
        if (window.Count > limit)
        {
            var raw = string.Join('&', (request.RawQuery ?? string.Empty).TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Where(p => !Uri.UnescapeDataString(p).StartsWith("page[", StringComparison.Ordinal)));
            links["next"] = new JsonObject { ["href"] = $"{BaseUrl}jsonapi/user/user?{raw}{(raw.Length > 0 ? "&" : string.Empty)}page%5Boffset%5D={(offset + limit).ToString(CultureInfo.InvariantCulture)}&page%5Blimit%5D={limit.ToString(CultureInfo.InvariantCulture)}" };
        }

        var document = new JsonObject
        {
            ["jsonapi"] = new JsonObject { ["version"] = "1.0", ["meta"] = new JsonObject { ["links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = "http://jsonapi.org/format/1.0/" } } } },
            ["data"] = data,
            ["links"] = links,
        };
        return new Answer(200, Json(document), JsonApiType);
    }

    private Answer Companion(IRequestMessage request, string method, string[] parts, Auth auth)
    {
        if (auth.Provider is not null && !ResourceAuthenticationProviders.Contains(auth.Provider))
        {
            return Message(403, "The used authentication method is not allowed on this route.");
        }

        if (parts is ["cmsuser", "status"] && method == "GET")
        {
            return IsAdmin(auth.Uid)
                ? Ok(new JsonObject { ["module"] = "cmsuser_companion", ["version"] = CompanionNotifiesOnCreate ? "1.1.1" : "1.0.0", ["drupal"] = DrupalVersion, ["uid"] = auth.Uid })
                : Denied(auth, "The 'administer users' permission is required.");
        }

        if (parts is not ["cmsuser", "user", var id, var action and ("notify" or "login-link")] || method != "POST"
            || !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            return NoRoute(request, "json");
        }

        if (!_users.TryGetValue(uid, out var user))
        {
            return ParamNotConverted($"/cmsuser/user/{{user}}/{action}");
        }

        if (!IsAdmin(auth.Uid))
        {
            return Denied(auth, "The 'administer users' permission is required.");
        }

        if (action == "notify")
        {
            var sent = !MailFails;
            if (sent)
            {
                SendMail(user, "register_admin_created");
            }

            return Ok(new JsonObject { ["sent"] = sent });
        }

        if (!user.Status)
        {
            return Message(409, "The account is blocked; a one-time login link would not work.");
        }

        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        var hash = Sha256($"{timestamp}{user.Uid}{user.PasswordHash}")[..43];
        return Ok(new JsonObject { ["url"] = $"{BaseUrl}user/reset/{user.Uid}/{timestamp}/{hash}" });
    }

    private void SendMail(DrupalUserRow user, string operation) => _mails.Add(new FakeDrupalMail(user.Uid, user.Mail, operation));

    private static Answer? ReadBody(IRequestMessage request, out JsonObject body)
    {
        body = [];
        var raw = request.Body;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return Message(400, "No entity content received.");
        }

        var type = Header(request, "Content-Type") ?? string.Empty;
        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Message(415, $"No route found that matches \"Content-Type: {type}\"");
        }

        try
        {
            if (FakeJson.Parse(raw) is JsonObject parsed)
            {
                body = parsed;
                return null;
            }
        }
        catch (JsonException)
        {
            return Message(400, "Syntax error");
        }

        return Message(400, "No entity content received.");
    }

    /// <summary>The items of a field of several properties, each property set kept as <c>field[item][property]</c>.</summary>
    private static void CompoundItems(JsonObject body, string field, string[] properties, Dictionary<string, string> fields, List<string> violations)
    {
        if (body[field] is not JsonArray items)
        {
            violations.Add($"{field}: This value should be of the correct primitive type.");
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject item)
            {
                violations.Add($"{field}.{i}: This value should be of the correct primitive type.");
                continue;
            }

            foreach (var (property, value) in item)
            {
                if (properties.Contains(property, StringComparer.Ordinal) && value is JsonValue text)
                {
                    fields[FakeCompoundFields.Key(field, i, property)] = text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : text.ToJsonString();
                }
            }
        }
    }

    /// <summary>The first item's <c>value</c> of a field list (<c>[{"value": …}]</c>).</summary>
    private static string? Scalar(JsonObject body, string field, List<string> violations)
    {
        if (body[field] is null)
        {
            return null;
        }

        if (body[field] is JsonArray { Count: > 0 } list && list[0] is JsonObject item && item["value"] is JsonValue value)
        {
            return value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        }

        violations.Add($"{field}.0.value: This value should be of the correct primitive type.");
        return null;
    }

    private static bool? Flag(JsonObject body, List<string> violations)
    {
        if (body["status"] is JsonArray { Count: > 0 } list && list[0] is JsonObject item && item["value"] is JsonValue value
            && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }

        violations.Add("status.0.value: This value should be of the correct primitive type.");
        return null;
    }

    private List<string> Roles(JsonObject body, List<string> violations)
    {
        var roles = new List<string>();
        if (body["roles"] is not JsonArray list)
        {
            if (body["roles"] is not null)
            {
                violations.Add("roles: This value should be of the correct primitive type.");
            }

            return roles;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var id = list[i] is JsonObject item && item["target_id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (id is null || (id is not ("authenticated" or "anonymous") && !_roles.Contains(id)))
            {
                violations.Add($"roles.{i}.target_id: The referenced entity (user_role: {id}) does not exist.");
            }
            else if (id is not ("authenticated" or "anonymous") && !roles.Contains(id))
            {
                // Drupal strips the locked roles on save.
                roles.Add(id);
            }
        }

        return roles;
    }

    /// <summary>A timestamp as Drupal's serializer writes it (<c>Y-m-d\TH:i:sP</c>; the fake's site runs in UTC).</summary>
    private static string Rfc3339(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    private JsonObject RestUser(DrupalUserRow user)
    {
        var node = new JsonObject
        {
            ["uid"] = Items(new JsonObject { ["value"] = user.Uid }),
            ["uuid"] = Items(new JsonObject { ["value"] = user.Uuid.ToString() }),
            ["langcode"] = Items(new JsonObject { ["value"] = "en" }),
            ["preferred_langcode"] = Items(new JsonObject { ["value"] = user.PreferredLangcode }),
            ["name"] = Items(new JsonObject { ["value"] = user.Name }),
            ["mail"] = Items(new JsonObject { ["value"] = user.Mail }),
            ["timezone"] = Items(new JsonObject { ["value"] = "UTC" }),
            ["status"] = Items(new JsonObject { ["value"] = user.Status }),
            ["created"] = Items(new JsonObject { ["value"] = Rfc3339(user.Created), ["format"] = "Y-m-d\\TH:i:sP" }),
            ["roles"] = new JsonArray([.. user.Roles.Select(r => (JsonNode?)new JsonObject
            {
                ["target_id"] = r,
                ["target_type"] = "user_role",
                ["target_uuid"] = RoleUuid(r),
            })]),
        };
        foreach (var (field, value) in FakeCompoundFields.Plain(user.Fields))
        {
            node[field] = Items(new JsonObject { ["value"] = value });
        }

        foreach (var (field, properties) in _compoundFields)
        {
            if (FakeCompoundFields.Items(user.Fields, field, properties) is { } items)
            {
                node[field] = items;
            }
        }

        return node;
    }

    private JsonObject JsonApiUser(DrupalUserRow user, bool showMail)
    {
        var attributes = new JsonObject
        {
            ["display_name"] = user.Name,
            ["drupal_internal__uid"] = user.Uid,
            ["langcode"] = "en",
            ["name"] = user.Name,
            ["preferred_langcode"] = user.PreferredLangcode,
            ["status"] = user.Status,
            ["created"] = Rfc3339(user.Created),
        };
        if (showMail)
        {
            attributes["mail"] = user.Mail;
        }

        return new JsonObject
        {
            ["type"] = "user--user",
            ["id"] = user.Uuid.ToString(),
            ["links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = $"{BaseUrl}jsonapi/user/user/{user.Uuid}" } },
            ["attributes"] = attributes,
            ["relationships"] = new JsonObject
            {
                ["roles"] = new JsonObject
                {
                    ["data"] = new JsonArray([.. user.Roles.Select(r => (JsonNode?)new JsonObject
                    {
                        ["type"] = "user_role--user_role",
                        ["id"] = RoleUuid(r),
                        ["meta"] = new JsonObject { ["drupal_internal__target_id"] = r },
                    })]),
                },
            },
        };
    }

    /// <summary>
    /// <c>GET /jsonapi/user_role/user_role</c>: the roles (anonymous and authenticated first, then by weight), in pages of
    /// at most 50. A role is viewable with <c>administer permissions</c> (the Role entity's admin permission; uid 1 has
    /// every permission): for anyone else JSON:API omits every role and says so in <c>meta.omitted</c>, with 200.
    /// </summary>
    private Answer JsonApiRoles(Dictionary<string, string> query, Auth auth)
    {
        var all = new List<string> { "anonymous", "authenticated" };
        lock (_gate)
        {
            all.AddRange(_roles.Where(r => r is not ("anonymous" or "authenticated")).Order(StringComparer.Ordinal));
        }

        var limit = query.TryGetValue("page[limit]", out var limitText) && int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 50) : 50;
        var offset = query.TryGetValue("page[offset]", out var offsetText) && int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var window = all.Skip(offset).Take(limit).ToList();
        var allowed = auth.Uid is { } uid && (uid == 1 || (uid == ApiUserId && ApiUserCanAdministerPermissions));
        var self = $"{BaseUrl}jsonapi/user_role/user_role";
        var document = new JsonObject
        {
            ["jsonapi"] = new JsonObject { ["version"] = "1.0", ["meta"] = new JsonObject { ["links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = "http://jsonapi.org/format/1.0/" } } } },
            ["data"] = new JsonArray([.. (allowed ? window : []).Select((r, i) => (JsonNode?)new JsonObject
            {
                ["type"] = "user_role--user_role",
                ["id"] = RoleUuid(r),
                ["links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = $"{self}/{RoleUuid(r)}" } },
                ["attributes"] = new JsonObject
                {
                    ["langcode"] = "en",
                    ["status"] = true,
                    ["dependencies"] = new JsonArray(),
                    ["drupal_internal__id"] = r,
                    ["label"] = r.Length == 0 ? r : char.ToUpperInvariant(r[0]) + r[1..].Replace('_', ' '),
                    ["weight"] = offset + i,
                    ["is_admin"] = r == "administrator" ? true : null,
                },
            })]),
            ["links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = self } },
        };
        if (!allowed && window.Count > 0)
        {
            var links = new JsonObject { ["help"] = new JsonObject { ["href"] = "https://www.drupal.org/docs/8/modules/json-api/filtering#filters-access-control" } };
            foreach (var r in window)
            {
                links[Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(r)))[..7]] = new JsonObject
                {
                    ["href"] = $"{self}/{RoleUuid(r)}",
                    ["meta"] = new JsonObject { ["rel"] = "item", ["detail"] = "The current user is not allowed to GET the selected resource. The 'administer permissions' permission is required." },
                };
            }

            document["meta"] = new JsonObject { ["omitted"] = new JsonObject { ["detail"] = "Some resources have been omitted because of insufficient authorization.", ["links"] = links } };
        }

        if (offset + limit < all.Count)
        {
            ((JsonObject)document["links"]!)["next"] = new JsonObject { ["href"] = $"{self}?page%5Boffset%5D={(offset + limit).ToString(CultureInfo.InvariantCulture)}&page%5Blimit%5D={limit.ToString(CultureInfo.InvariantCulture)}" };
        }

        return new Answer(200, Json(document), JsonApiType);
    }

    private static string RoleUuid(string role) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(role)).AsSpan(0, 16)).ToString();

    private static JsonArray Items(JsonObject item) => new(item);

    private static Dictionary<string, string> ParseQuery(string? raw)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (raw ?? string.Empty).TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            result[key] = value;
        }

        return result;
    }

    private Answer NoRoute(IRequestMessage request, string? format) => format == "json"
        ? Message(404, $"No route found for \"{request.Method.ToUpperInvariant()} {BaseUrl.GetLeftPart(UriPartial.Authority)}{request.Path}\"")
        : NotFoundPage(format);

    private static Answer ParamNotConverted(string routePath) =>
        Message(404, $"The \"user\" parameter was not converted for the path \"{routePath}\" (route parameter: user)");

    private static Answer NotFoundPage(string? format) => format == "json"
        ? Message(404, "Not Found")
        : new Answer(404, "<!DOCTYPE html><html><head><title>Page not found | Example site</title></head><body><h1>Page not found</h1><p>The requested page could not be found.</p></body></html>", "text/html; charset=UTF-8");

    private static Answer OAuthError(int status, string error, string description, string? hint)
    {
        var body = new JsonObject { ["error"] = error, ["error_description"] = description };
        if (hint is not null)
        {
            body["hint"] = hint;
        }

        body["message"] = description;
        return new Answer(status, Json(body), "application/json");
    }

    private static Answer JsonApiError(int status, string title, string detail) => new(status, Json(new JsonObject
    {
        ["jsonapi"] = new JsonObject { ["version"] = "1.0" },
        ["errors"] = new JsonArray(new JsonObject
        {
            ["title"] = title,
            ["status"] = status.ToString(CultureInfo.InvariantCulture),
            ["detail"] = detail,
        }),
    }), JsonApiType);

    private static Answer Ok(JsonObject body) => new(200, Json(body), "application/json");

    /// <summary>cmsuser_companion 1.1.1's answer when another request held a create lock past the wait: nothing was created.</summary>
    internal static Answer BusyAnswer(string field) => new(
        503,
        Json(new JsonObject
        {
            ["message"] = "Another request is creating an account with this " + (field == "mail" ? "email address" : "username") + "; nothing was created. Retry later.",
            ["code"] = "cmsuser_busy",
        }),
        "application/json",
        new Dictionary<string, string> { ["Cache-Control"] = "no-store, private" });

    private string? LockedField(IRequestMessage request)
    {
        if (!(Header(request, "Content-Type") ?? string.Empty).StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return string.IsNullOrWhiteSpace(request.Body) || FakeJson.Parse(request.Body) is not JsonObject body
                ? null
                : _createLocks.Busy(BodyText(body, "mail"), BodyText(body, "name"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The first value of a field as the companion's CreateLockSubscriber reads it: [{"value": …}], {"value": …} or a bare string, trimmed.
    private static string BodyText(JsonObject body, string field)
    {
        var item = body[field];
        if (item is JsonArray { Count: > 0 } list)
        {
            item = list[0];
        }

        if (item is JsonObject value)
        {
            item = value["value"];
        }

        return item is JsonValue scalar && scalar.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? scalar.ToString().Trim() : string.Empty;
    }

    private static Answer Message(int status, string message) => new(status, Json(new JsonObject { ["message"] = message }), "application/json");

    private static string Json(JsonNode node) => node.ToJsonString();

    private sealed record Auth(long? Uid, string? Provider, Answer? Error);
}
