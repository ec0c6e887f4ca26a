using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Testing.Drupal;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.Drupal7;

// Services 3.x: REST server routing, session authentication, the user resource (docs/cms-drupal7.md).
public sealed partial class FakeDrupal7Server
{
    private const string IllegalChoice = "An illegal choice has been detected. Please contact the site administrator.";

    private Answer Route(IRequestMessage request)
    {
        var path = request.Path ?? "/";
        var prefix = "/" + Endpoint.Trim('/') + "/";
        if (!EndpointEnabled || !path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return new Answer(404, "<!DOCTYPE html><html><head><title>Page not found | Site</title></head><body><h1>Page not found</h1></body></html>", "text/html; charset=utf-8");
        }

        var resourcePath = path[prefix.Length..];
        if (!resourcePath.EndsWith(".json", StringComparison.Ordinal))
        {
            return Error(406, "Unknown or unsupported response format.");
        }

        var parts = resourcePath[..^5].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = request.Method.ToUpperInvariant();
        var session = CurrentSession(request);

        // Session authentication checks the CSRF token of logged-in unsafe requests before any controller.
        if (session is { } s && method is not ("GET" or "HEAD" or "OPTIONS") && parts is not ["user", "login"])
        {
            if (Header(request, "X-CSRF-Token") != s.Session.Token)
            {
                return Error(401, "CSRF validation failed");
            }
        }

        if (parts.Length == 0 || parts[0] != "user")
        {
            return Error(404, $"Could not find resource {(parts.Length == 0 ? string.Empty : parts[0])}.");
        }

        JsonObject body = [];
        if (method is "POST" or "PUT" && !string.IsNullOrWhiteSpace(request.Body))
        {
            var type = Header(request, "Content-Type") ?? string.Empty;
            if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return Error(406, $"Unsupported request content type {type}");
            }

            try
            {
                body = FakeJson.Parse(request.Body) as JsonObject ?? [];
            }
            catch (JsonException)
            {
                return Error(400, "Invalid JSON.");
            }
        }

        var uid = session?.Session.Uid;
        switch (parts)
        {
            case ["user", "login"] when method == "POST":
                return Operation("login") ?? Login(body, session);
            case ["user"] when method == "GET":
                return Operation("index") ?? Index(request, uid);
            case ["user"] when method == "POST":
                return Operation("create") ?? Create(body, uid);
        }

        if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var target))
        {
            return Error(404, "Could not find the controller.");
        }

        return (parts.Length, method, parts.Length == 3 ? parts[2] : null) switch
        {
            (2, "GET", _) => Operation("retrieve") ?? Retrieve(target, uid),
            (2, "PUT", _) => Operation("update") ?? Update(target, body, uid),
            (2, "DELETE", _) => Operation("delete") ?? Delete(target, uid),
            (3, "POST", "password_reset") => Operation("password_reset") ?? PasswordReset(target),
            (3, "POST", "resend_welcome_email") => Operation("resend_welcome_email") ?? ResendWelcome(target, uid),
            _ => Error(404, "Could not find the controller."),
        };
    }

    private Answer? Operation(string name) => DisabledOperations.Contains(name) ? Error(404, "Could not find the controller.") : null;

    private (string Id, Session Session)? CurrentSession(IRequestMessage request)
    {
        var cookie = Header(request, "Cookie");
        if (cookie is null)
        {
            return null;
        }

        foreach (var part in cookie.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq] == SessionName && _sessions.TryGetValue(part[(eq + 1)..], out var session))
            {
                if (_time.GetUtcNow() >= session.ExpiresAt)
                {
                    _sessions.Remove(part[(eq + 1)..]);
                    return null;
                }

                var id = part[(eq + 1)..];
                _sessions[id] = session with { ExpiresAt = _time.GetUtcNow() + SessionLifetime };
                return (id, session);
            }
        }

        return null;
    }

    private bool IsAdmin(long? uid) =>
        uid is { } id && (id == ApiUserId ? ApiUserCanAdministerUsers : id == 1 || (_users.GetValueOrDefault(id)?.RoleIds.Contains(3) ?? false));

    private Answer Denied(long? uid) =>
        Error(403, $"Access denied for user {(uid is { } id && _users.TryGetValue(id, out var u) ? u.Name : "anonymous")}");

    private Answer Login(JsonObject body, (string Id, Session Session)? session)
    {
        if (session is { } s)
        {
            return Error(406, $"Already logged in as {_users[s.Session.Uid].Name}.");
        }

        var username = Text(body["username"]);
        var password = Text(body["password"]);
        if (username is null || password is null)
        {
            return Error(401, $"Missing required argument {(username is null ? "username" : "password")}");
        }

        var user = _index.ByName.First(username) is { } found ? _users[found] : null;
        if (user is null || !user.PasswordMatches(password))
        {
            return Error(401, "Wrong username or password.");
        }

        if (user.Status != 1)
        {
            return Error(403, $"The username <em class=\"placeholder\">{WebUtility.HtmlEncode(user.Name)}</em> has not been activated or is blocked.");
        }

        var id = NewSecret();
        var token = NewSecret();
        _sessions[id] = new Session(user.Uid, token, _time.GetUtcNow() + SessionLifetime);
        Logins++;
        return Json(200, new JsonObject
        {
            ["sessid"] = id,
            ["session_name"] = SessionName,
            ["token"] = token,
            ["user"] = UserJson(user, showMail: true),
        });
    }

    private Answer Index(IRequestMessage request, long? uid)
    {
        if (uid is null)
        {
            return Denied(uid);
        }

        var query = ParseQuery(request.RawQuery);
        var admin = IsAdmin(uid);
        IEnumerable<Drupal7UserRow> users = _users.Values;
        foreach (var (key, value) in query)
        {
            if (key == "parameters[mail]")
            {
                users = _index.Filter(_users, users, byMail: true, value);
            }
            else if (key == "parameters[name]")
            {
                users = _index.Filter(_users, users, byMail: false, value);
            }
        }

        var fields = (query.GetValueOrDefault("fields") ?? "*").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var rows = new JsonArray();
        foreach (var user in users.Take(admin ? int.MaxValue : 20))
        {
            var full = UserJson(user, showMail: admin);
            var row = new JsonObject();
            foreach (var (key, value) in full)
            {
                if (key != "roles" && (fields.Contains("*") || fields.Contains(key)))
                {
                    row[key] = value?.DeepClone();
                }
            }

            row["uri"] = $"{BaseUrl}{Endpoint}/user/{user.Uid}";
            rows.Add(row);
        }

        return Json(200, rows);
    }

    private Answer Create(JsonObject body, long? uid)
    {
        if (!IsAdmin(uid))
        {
            return Denied(uid);
        }

        var errors = new JsonObject();
        var name = Text(body["name"]) ?? string.Empty;
        var mail = Text(body["mail"])?.Trim() ?? string.Empty;
        if (DrupalNameRules.Validate(name, allowPlus: false, zeroIsEmpty: true) is { } nameError)
        {
            errors["name"] = Placeholder(nameError, name);
        }
        else if (_index.ByName.First(name) is not null)
        {
            errors["name"] = $"The name <em class=\"placeholder\">{WebUtility.HtmlEncode(name)}</em> is already taken.";
        }

        if (mail.Length == 0)
        {
            errors["mail"] = "E-mail address field is required.";
        }
        else if (!DrupalNameRules.IsValidMail(mail))
        {
            errors["mail"] = $"The e-mail address <em class=\"placeholder\">{WebUtility.HtmlEncode(mail)}</em> is not valid.";
        }
        else if (_index.ByMail.First(mail) is not null)
        {
            errors["mail"] = $"The e-mail address <em class=\"placeholder\">{WebUtility.HtmlEncode(mail)}</em> is already taken.";
        }

        var pass = body["pass"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o => Text(o["pass1"]) is { } p1 && p1 == Text(o["pass2"]) ? p1 : null,
            _ => null,
        };
        if (string.IsNullOrEmpty(pass))
        {
            errors["pass"] = "Password field is required.";
        }

        var roles = Roles(body, errors, []);
        var status = Flag(body["status"], errors, "status") ?? 1;
        var notify = Flag(body["notify"], errors, "notify") ?? 0;
        var language = Text(body["language"]) ?? string.Empty;
        if (language.Length > 0 && !_languages.Contains(language))
        {
            errors["language"] = IllegalChoice;
        }

        if (errors.Count > 0)
        {
            return FormErrors(errors);
        }

        var user = new Drupal7UserRow(_nextUid++, name, mail)
        {
            Status = status,
            RoleIds = roles,
            Language = language,
            Fields = Fields(body),
            PasswordHash = FakeDrupalServer.Sha256(pass!),
        };
        _index.Put(_users, user);
        if (notify == 1)
        {
            SendMail(user, "register_admin_created");
        }

        return Json(200, new JsonObject
        {
            ["uid"] = user.Uid.ToString(CultureInfo.InvariantCulture),
            ["uri"] = $"{BaseUrl}{Endpoint}/user/{user.Uid}",
        });
    }

    private Answer Retrieve(long target, long? uid)
    {
        if (uid is null || (!IsAdmin(uid) && uid != target))
        {
            return Denied(uid);
        }

        return _users.TryGetValue(target, out var user) ? Json(200, UserJson(user, showMail: true)) : NoUser(target);
    }

    private Answer Update(long target, JsonObject body, long? uid)
    {
        if (!_users.TryGetValue(target, out var user))
        {
            return NoUser(target);
        }

        if (!IsAdmin(uid))
        {
            return Denied(uid);
        }

        var errors = new JsonObject();
        var updated = user;
        if (body["roles"] is not null)
        {
            updated = updated with { RoleIds = Roles(body, errors, user.RoleIds) };
        }

        if (body["status"] is not null)
        {
            updated = updated with { Status = Flag(body["status"], errors, "status") ?? user.Status };
        }

        if (Text(body["mail"]) is { } mail)
        {
            if (!DrupalNameRules.IsValidMail(mail))
            {
                errors["mail"] = $"The e-mail address <em class=\"placeholder\">{WebUtility.HtmlEncode(mail)}</em> is not valid.";
            }
            else if (_index.ByMail.AnyOther(mail, target))
            {
                errors["mail"] = $"The e-mail address <em class=\"placeholder\">{WebUtility.HtmlEncode(mail)}</em> is already taken.";
            }

            updated = updated with { Mail = mail };
        }

        if (errors.Count > 0)
        {
            return FormErrors(errors);
        }

        _index.Put(_users, updated);
        if (user.Status != updated.Status && (updated.Status == 1 ? NotifyStatusActivated : NotifyStatusBlocked))
        {
            SendMail(updated, updated.Status == 1 ? "status_activated" : "status_blocked");
        }

        // Services echoes the submitted data, without the password and mail.
        var echo = (JsonObject)body.DeepClone();
        echo.Remove("pass");
        echo.Remove("mail");
        echo["uid"] = target.ToString(CultureInfo.InvariantCulture);
        return Json(200, echo);
    }

    private Answer Delete(long target, long? uid)
    {
        if (!_users.ContainsKey(target))
        {
            return NoUser(target);
        }

        if (!IsAdmin(uid) || target == 1)
        {
            return Denied(uid);
        }

        _index.Drop(_users, target);
        return Json(200, new JsonArray(true));
    }

    private Answer PasswordReset(long target)
    {
        if (!_users.TryGetValue(target, out var user))
        {
            return NoUser(target);
        }

        // No status check: blocked accounts get the mail too.
        // Services' JSON formatter wraps a scalar result in a list: TRUE is written as [true].
        return Json(200, new JsonArray(SendMail(user, "password_reset")));
    }

    private Answer ResendWelcome(long target, long? uid)
    {
        if (!IsAdmin(uid))
        {
            return Denied(uid);
        }

        if (!_users.TryGetValue(target, out var user))
        {
            return NoUser(target);
        }

        var op = UserRegister switch
        {
            0 => "register_admin_created",
            1 => "register_no_approval_required",
            _ => "register_pending_approval",
        };
        return Json(200, new JsonArray(SendMail(user, op)));
    }

    private bool SendMail(Drupal7UserRow user, string operation)
    {
        if (MailFails)
        {
            return false;
        }

        _mails.Add(new FakeDrupal7Mail(user.Uid, user.Mail, operation));
        return true;
    }

    private List<int> Roles(JsonObject body, JsonObject errors, IReadOnlyList<int> current)
    {
        if (body["roles"] is not JsonObject roles)
        {
            if (body["roles"] is not null and not JsonArray { Count: 0 })
            {
                errors["roles"] = IllegalChoice;
            }

            return [.. current];
        }

        var result = new List<int>();
        foreach (var (key, value) in roles)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var rid) || rid == 1 || !_roles.ContainsKey(rid))
            {
                errors["roles"] = IllegalChoice;
                continue;
            }

            // Checkboxes: a value of 0 means unchecked; the authenticated role is implied.
            if (rid != 2 && Text(value) is { } v && v != "0" && !result.Contains(rid))
            {
                result.Add(rid);
            }
        }

        return result;
    }

    private static int? Flag(JsonNode? node, JsonObject errors, string key)
    {
        if (node is null)
        {
            return null;
        }

        var text = Text(node);
        if (text is "0" or "1")
        {
            return text == "1" ? 1 : 0;
        }

        errors[key] = IllegalChoice;
        return null;
    }

    private Dictionary<string, string> Fields(JsonObject body)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in body)
        {
            if (_compoundFields.TryGetValue(key, out var columns) && value?["und"] is JsonArray list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    foreach (var column in columns)
                    {
                        if (Text(list[i]?[column]) is { } text)
                        {
                            fields[FakeCompoundFields.Key(key, i, column)] = text;
                        }
                    }
                }
            }
            else if (_fields.Contains(key) && value?["und"] is JsonArray { Count: > 0 } items && Text(items[0]?["value"]) is { } v)
            {
                fields[key] = v;
            }
        }

        return fields;
    }

    private JsonObject UserJson(Drupal7UserRow user, bool showMail)
    {
        var roles = new JsonObject { ["2"] = _roles[2] };
        foreach (var rid in user.RoleIds)
        {
            roles[rid.ToString(CultureInfo.InvariantCulture)] = _roles.GetValueOrDefault(rid, "role " + rid);
        }

        var json = new JsonObject
        {
            ["uid"] = user.Uid.ToString(CultureInfo.InvariantCulture),
            ["name"] = user.Name,
        };
        if (showMail)
        {
            json["mail"] = user.Mail;
        }

        json["created"] = user.Created.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        json["status"] = user.Status.ToString(CultureInfo.InvariantCulture);
        json["language"] = user.Language;
        json["roles"] = roles;
        foreach (var (field, value) in FakeCompoundFields.Plain(user.Fields))
        {
            json[field] = new JsonObject { ["und"] = new JsonArray(new JsonObject { ["value"] = value }) };
        }

        foreach (var (field, columns) in _compoundFields)
        {
            if (FakeCompoundFields.Items(user.Fields, field, columns) is { } items)
            {
                json[field] = new JsonObject { ["und"] = items };
            }
        }

        return json;
    }

    private static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };

    private static string Placeholder(string message, string name) =>
        message.Replace($"username {name} is", $"username <em class=\"placeholder\">{WebUtility.HtmlEncode(name)}</em> is", StringComparison.Ordinal);

    private static Dictionary<string, string> ParseQuery(string? raw)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (raw ?? string.Empty).TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            result[key] = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }

        return result;
    }

    private static Answer NoUser(long uid) => Error(404, $"There is no user with ID {uid}.");

    private static Answer FormErrors(JsonObject errors) => Json(406, new JsonObject { ["form_errors"] = errors });

    // Services answers a message-only error with the message as a one-element list.
    private static Answer Error(int status, string message) => Json(status, new JsonArray(message));

    private static Answer Json(int status, JsonNode? node) => new(status, node?.ToJsonString() ?? "null", "application/json");
}
