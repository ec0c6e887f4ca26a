using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Testing.Drupal;
using WireMock;
using Skvare.CmsUser.Testing.Http;
using Skvare.CmsUser.Testing.Locks;
using static Skvare.CmsUser.Testing.Http.FakeHttp;
using Answer = Skvare.CmsUser.Testing.Http.FakeAnswer;

namespace Skvare.CmsUser.Testing.Backdrop;

// The module's behaviour, in the same order of checks as cmsuser_provision.module.
public sealed partial class FakeBackdropServer
{
    private static readonly string[] NotifyModes = ["none", "register_admin_created", "password_reset"];
    private static readonly string[] MailOperations = ["password_reset", "register_admin_created"];

    private Answer Route(IRequestMessage request)
    {
        var path = request.Path ?? "/";
        if (!ModuleEnabled || !(path == PathPrefix || path.StartsWith(PathPrefix + "/", StringComparison.Ordinal)))
        {
            return new Answer(404, NotFoundPage, "text/html; charset=utf-8");
        }

        if (!AllowHttp)
        {
            return Error(403, "https_required", "This endpoint only answers over https. Use an https URL, or turn on \"allow http\" in the CmsUser Provision settings for a trusted network.");
        }

        var authorization = Header(request, "Authorization") ?? string.Empty;
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization[7..].Trim() != Secret)
        {
            return Error(401, "unauthorized", "Missing or wrong bearer secret.");
        }

        if (!ActingUserCanAdministerUsers || FindUserRow(ActingUid) is not { Status: 1 })
        {
            return Error(403, "forbidden", "The acting user of the CmsUser Provision settings is missing, blocked or lacks the \"administer users\" permission.");
        }

        var parts = path[PathPrefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = request.Method.ToUpperInvariant();
        lock (_gate)
        {
            return Dispatch(request, method, parts);
        }
    }

    private Answer Dispatch(IRequestMessage request, string method, string[] parts)
    {
        if (parts is ["status"])
        {
            return method == "GET" ? Status() : MethodNotAllowed();
        }

        if (parts is ["roles"] && ModuleListsRoles)
        {
            // user_roles(TRUE): authenticated first, then the site's roles; what a create accepts.
            return method == "GET"
                ? Ok(200, new JsonObject
                {
                    ["roles"] = new JsonArray([.. _roles.Where(r => r != "authenticated").Order(StringComparer.Ordinal).Prepend("authenticated").Select(r => (JsonNode?)new JsonObject
                    {
                        ["name"] = r,
                        ["label"] = r.Length == 0 ? r : char.ToUpperInvariant(r[0]) + r[1..],
                    })]),
                })
                : MethodNotAllowed();
        }

        if (parts.Length == 0 || parts[0] != "users")
        {
            return NoRoute();
        }

        if (parts.Length == 1)
        {
            return method switch
            {
                "GET" => Find(request),
                "POST" => WithBody(request, Create),
                _ => MethodNotAllowed(),
            };
        }

        if (parts.Length > 3 || !parts[1].All(char.IsAsciiDigit) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            return NoRoute();
        }

        var account = _users.GetValueOrDefault(uid);
        if (parts.Length == 2)
        {
            if (method != "GET")
            {
                return MethodNotAllowed();
            }

            return account is null ? NotFound() : Ok(200, UserJson(account, loaded: true));
        }

        Func<BackdropUserRow, JsonObject, Answer>? handler = parts[2] switch
        {
            "roles" => AddRoles,
            "mail" => SendMail,
            "block" => Block,
            "remove-roles" when LifecycleRoutes => RemoveRoles,
            "unblock" when LifecycleRoutes => Unblock,
            "login-link" => LoginLink,
            _ => null,
        };
        if (handler is null)
        {
            return NoRoute();
        }

        if (method != "POST")
        {
            return MethodNotAllowed();
        }

        return account is null ? NotFound() : WithBody(request, body => handler(account, body));
    }

    private static Answer WithBody(IRequestMessage request, Func<JsonObject, Answer> handler)
    {
        var raw = request.Body;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return handler([]);
        }

        var type = Header(request, "Content-Type") ?? string.Empty;
        if (!type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Error(415, "unsupported_media_type", "Send the body as application/json.");
        }

        try
        {
            // PHP decodes [] to an empty array, which the module accepts like {}.
            var node = FakeJson.Parse(raw);
            if (node is JsonObject body)
            {
                return handler(body);
            }

            if (node is JsonArray { Count: 0 })
            {
                return handler([]);
            }
        }
        catch (JsonException)
        {
        }

        return Error(400, "invalid_json", "The body must be a JSON object.");
    }

    private Answer Status() => Ok(200, new JsonObject
    {
        ["module"] = "cmsuser_provision",
        ["version"] = ModuleVersion,
        ["backdrop"] = BackdropVersion,
        ["acting_uid"] = ActingUid,
    });

    private Answer Find(IRequestMessage request)
    {
        var mail = QueryValue(request, "mail");
        var name = QueryValue(request, "name");
        if ((mail is null) == (name is null) || (mail ?? name) == string.Empty)
        {
            return Error(400, "invalid_query", "Give exactly one of the query parameters mail or name.");
        }

        // As the database compares: case, accents and trailing spaces ignored (MariaDB's utf8mb4_general_ci).
        var users = new JsonArray();
        var matches = mail is not null ? _byMailKey.All(MariaDbCollation.Key(mail)) : _byNameKey.All(MariaDbCollation.Key(name!));
        foreach (var user in matches.Select(uid => _users[uid]))
        {
            users.Add(UserJson(user, loaded: true));
        }

        return Ok(200, new JsonObject { ["users"] = users });
    }

    /// <summary>Module 1.2.1's answer when another request held a create lock past the wait: nothing was created.</summary>
    internal static Answer BusyError(string field) =>
        Error(503, "busy", "Another request is creating an account with this " + (field == "mail" ? "email address" : "username") + "; nothing was created. Retry later.", field);

    private Answer Create(JsonObject body)
    {
        var name = body["name"] is JsonValue n && n.TryGetValue<string>(out var nameValue) ? nameValue : string.Empty;
        var mail = body["mail"] is JsonValue m && m.TryGetValue<string>(out var mailValue) ? mailValue.Trim() : string.Empty;

        if (DrupalNameRules.Validate(name, allowPlus: true, zeroIsEmpty: true) is { } nameError)
        {
            return Error(422, "invalid_name", nameError, "name");
        }

        if (mail.Length == 0 || !PhpEmailFilter.IsValid(mail))
        {
            return Error(422, "invalid_mail", "The email address is not valid.", "mail");
        }

        if (UserEmailMatch && PhpEmailFilter.IsValid(name) && !string.Equals(name, mail, StringComparison.Ordinal))
        {
            return Error(422, "invalid_name", "An email address was provided as a username, but does not match the account email address.", "name");
        }

        // Module 1.2.1: the duplicate checks and the save run under the email's, then the username's create lock.
        if (_createLocks.Busy(mail, name) is { } busy)
        {
            return BusyError(busy);
        }

        if (_byMailKey.First(MariaDbCollation.Key(mail)) is not null)
        {
            return Error(409, "duplicate_mail", "The email address is already taken.", "mail");
        }

        if (_byNameKey.First(MariaDbCollation.Key(name)) is not null)
        {
            return Error(409, "duplicate_name", "The name is already taken.", "name");
        }

        var roles = new List<string>();
        if (body["roles"] is { } rolesNode)
        {
            if (rolesNode is not JsonArray rolesArray)
            {
                return Error(422, "invalid_field", "roles must be a list of role machine names.", "roles");
            }

            if (CheckRoles(rolesArray, "roles", roles) is { } roleError)
            {
                return roleError;
            }
        }

        string? pass = null;
        if (body.TryGetPropertyValue("pass", out var passNode) && passNode is not null)
        {
            if (passNode is not JsonValue pv || !pv.TryGetValue<string>(out pass) || pass.Trim().Length == 0)
            {
                return Error(422, "invalid_field", "pass must be a non-empty string or null.", "pass");
            }

            if (PasswordProblem(pass.Trim(), name, mail) is { } passwordError)
            {
                return Error(422, "invalid_field", passwordError, "pass");
            }
        }

        var status = 1;
        if (body.TryGetPropertyValue("status", out var statusNode))
        {
            if (statusNode is not JsonValue sv || sv.GetValueKind() != JsonValueKind.Number || !sv.TryGetValue<int>(out status) || status is not (0 or 1))
            {
                return Error(422, "invalid_field", "status must be 0 or 1.", "status");
            }
        }

        var notify = "none";
        if (body["notify"] is { } notifyNode && (notifyNode is not JsonValue nv || !nv.TryGetValue<string>(out notify!) || !NotifyModes.Contains(notify)))
        {
            return Error(422, "invalid_field", "notify must be none, register_admin_created or password_reset.", "notify");
        }

        string? timezone = null;
        if (body["timezone"] is { } tzNode && (tzNode is not JsonValue tv || !tv.TryGetValue<string>(out timezone) || !PhpTimezones.Identifiers.Contains(timezone)))
        {
            return Error(422, "invalid_field", "Unknown timezone.", "timezone");
        }

        string? language = null;
        if (body["language"] is { } langNode && (langNode is not JsonValue lv || !lv.TryGetValue<string>(out language) || !_languages.GetValueOrDefault(language)))
        {
            return Error(422, "invalid_field", "Unknown or disabled language.", "language");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body["fields"] is { } fieldsNode)
        {
            if (fieldsNode is JsonArray { Count: > 0 } or JsonValue)
            {
                return Error(422, "invalid_field", "fields must be an object.", "fields");
            }

            foreach (var (fieldName, value) in fieldsNode as JsonObject ?? [])
            {
                if (!_fields.Contains(fieldName) || value is not JsonValue fv || fv.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    return Error(422, "invalid_field", $"Unknown user field or value that is not a scalar: {fieldName}.", fieldName);
                }

                fields[fieldName] = fv.GetValueKind() == JsonValueKind.String ? fv.GetValue<string>() : fv.ToJsonString();
            }
        }

        var user = new BackdropUserRow(_nextUid++, name, mail)
        {
            Status = status,
            Roles = roles,
            Language = language,
            Timezone = timezone,
            Fields = fields,
            PasswordChosenByClient = pass is not null,
            PasswordHash = Sha256(pass ?? Guid.NewGuid().ToString("N")),
        };
        Store(user);
        // The module answers with the account it just saved: roles in the order given.
        var response = UserJson(user, loaded: false);
        if (notify != "none")
        {
            response["mail_sent"] = Notify(user, notify);
        }

        return Ok(201, response);
    }

    private Answer AddRoles(BackdropUserRow account, JsonObject body)
    {
        var add = new List<string>();
        if (body["add"] is not JsonArray addArray)
        {
            return Error(422, "invalid_field", "add must be a list of role machine names.", "add");
        }

        if (CheckRoles(addArray, "add", add) is { } roleError)
        {
            return roleError;
        }

        // The module loads the account (roles in database order) and appends the new ones.
        var current = DatabaseOrder(account.Roles);
        var merged = current.Concat(add).Distinct(StringComparer.Ordinal).ToList();
        if (merged.Count != current.Count)
        {
            _users[account.Uid] = account with { Roles = merged };
        }

        return Ok(200, UserJson(account with { Roles = merged }, loaded: false));
    }

    private Answer SendMail(BackdropUserRow account, JsonObject body)
    {
        var op = body["op"] is JsonValue ov && ov.TryGetValue<string>(out var opValue) ? opValue : null;
        if (op is null || !MailOperations.Contains(op))
        {
            return Error(422, "invalid_field", "op must be password_reset or register_admin_created.", "op");
        }

        return Notify(account, op)
            ? Ok(200, new JsonObject { ["sent"] = true })
            : Error(503, "mail_failed", "The site could not send the email; check its mail system.");
    }

    private Answer Block(BackdropUserRow account, JsonObject body)
    {
        if (account.Status != 0)
        {
            account = account with { Status = 0 };
            _users[account.Uid] = account;
        }

        return Ok(200, UserJson(account, loaded: true));
    }

    // POST users/{uid}/remove-roles {"remove": [...]}: the module validates like the roles route, then keeps the
    // loaded roles (database order) without the removed ones and saves only when something changed.
    private Answer RemoveRoles(BackdropUserRow account, JsonObject body)
    {
        var remove = new List<string>();
        if (body["remove"] is not JsonArray removeArray)
        {
            return Error(422, "invalid_field", "remove must be a list of role machine names.", "remove");
        }

        if (CheckRoles(removeArray, "remove", remove) is { } roleError)
        {
            return roleError;
        }

        var current = DatabaseOrder(account.Roles);
        var remaining = current.Where(r => !remove.Contains(r, StringComparer.Ordinal)).ToList();
        if (remaining.Count != current.Count)
        {
            account = account with { Roles = remaining };
            _users[account.Uid] = account;
        }

        return Ok(200, UserJson(account with { Roles = remaining }, loaded: false));
    }

    // POST users/{uid}/unblock: status 1, idempotent; the answer is the loaded account.
    private Answer Unblock(BackdropUserRow account, JsonObject body)
    {
        if (account.Status != 1)
        {
            account = account with { Status = 1 };
            _users[account.Uid] = account;
        }

        return Ok(200, UserJson(account, loaded: true));
    }

    private Answer LoginLink(BackdropUserRow account, JsonObject body)
    {
        if (account.Status == 0)
        {
            return Error(409, "account_blocked", "Blocked accounts cannot use a one-time login link.");
        }

        // Core's user_pass_rehash(): an HMAC-SHA256 keyed with the site's hash salt and the password hash,
        // in base64url without padding (43 characters).
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var key = _hashSalt.Concat(System.Text.Encoding.UTF8.GetBytes(account.PasswordHash)).ToArray();
        var mac = System.Security.Cryptography.HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes($"{timestamp}0{account.Uid}"));
        var hash = Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Ok(200, new JsonObject { ["url"] = $"{BaseUrl}user/reset/{account.Uid}/{timestamp}/{hash}" });
    }

    private bool Notify(BackdropUserRow account, string op)
    {
        if (MailFails)
        {
            return false;
        }

        _mails.Add(new FakeBackdropMail(account.Uid, account.Mail, op));
        return true;
    }

    private Answer? CheckRoles(JsonArray requested, string field, List<string> into)
    {
        foreach (var node in requested)
        {
            var role = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (role is null || (role != "authenticated" && !_roles.Contains(role)))
            {
                return Error(422, "unknown_role", $"Unknown role: {role ?? PhpTypeName(node)}. Use role machine names.", field);
            }

            if (role != "authenticated" && !into.Contains(role))
            {
                into.Add(role);
            }
        }

        return null;
    }

    private static string? QueryValue(IRequestMessage request, string key)
    {
        if (request.Query is null || !request.Query.TryGetValue(key, out var values) || values.Count == 0)
        {
            return null;
        }

        return values[0];
    }

    // A loaded account lists its roles as the database returns them (users_roles' key order); an account
    // the module has just changed lists them in the order it holds them in memory.
    private static JsonObject UserJson(BackdropUserRow user, bool loaded) => new()
    {
        ["uid"] = user.Uid,
        ["name"] = user.Name,
        ["mail"] = user.Mail,
        ["status"] = user.Status,
        ["roles"] = new JsonArray([.. (loaded ? DatabaseOrder(user.Roles) : user.Roles).Select(r => (JsonNode?)JsonValue.Create(r))]),
    };

    private static List<string> DatabaseOrder(IEnumerable<string> roles) =>
        [.. roles.OrderBy(MariaDbCollation.Key, StringComparer.Ordinal).ThenBy(r => r, StringComparer.Ordinal)];

    // PHP's gettype() of a decoded JSON value, as the module names a role that is not a string.
    private static string PhpTypeName(JsonNode? node) => node switch
    {
        null => "NULL",
        JsonObject or JsonArray => "array",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.TryGetValue<long>(out _) ? "integer" : "double",
        _ => "string",
    };

    // Backdrop's account-form password policy (user_password_policy_validate), applied only when
    // "Reject weak passwords" is on.
    private string? PasswordProblem(string password, string name, string mail)
    {
        if (!RejectWeakPasswords)
        {
            return null;
        }

        if (string.Equals(password.ToLowerInvariant(), name.ToLowerInvariant(), StringComparison.Ordinal))
        {
            return "The password cannot be the same as the username.";
        }

        if (string.Equals(password.ToLowerInvariant(), mail.ToLowerInvariant(), StringComparison.Ordinal))
        {
            return "The password cannot be the same as the email address.";
        }

        return PasswordStrength(password) < PasswordStrengthThreshold
            ? "The password is too weak for the site policy: use a longer password with lower- and uppercase letters, digits and punctuation."
            : null;
    }

    /// <summary>
    /// A password's strength on Backdrop's 0–100 scale: the bits per character of the character classes it
    /// uses (lowercase 26, uppercase 26, digits 10, anything else 33) times its length in characters, plus
    /// one, scaled by 0.7. "a" is about 4 and "password" 27, below the default threshold of 50.
    /// </summary>
    internal static double PasswordStrength(string password)
    {
        var pool = (password.Any(char.IsAsciiLetterLower) ? 26 : 0) + (password.Any(char.IsAsciiLetterUpper) ? 26 : 0)
            + (password.Any(char.IsAsciiDigit) ? 10 : 0) + (password.Any(c => !char.IsAsciiLetterOrDigit(c)) ? 33 : 0);
        if (pool == 0)
        {
            return 0;
        }

        var length = password.EnumerateRunes().Count();
        return (Math.Log2(pool) * length + 1) * 0.7;
    }

    private static Answer Ok(int status, JsonObject body) => new(status, body.ToJsonString(), "application/json");

    private static Answer Error(int status, string code, string message, string? field = null)
    {
        var body = new JsonObject { ["code"] = code, ["message"] = message };
        if (field is not null)
        {
            body["field"] = field;
        }

        return Ok(status, body);
    }

    private static Answer NoRoute() => Error(404, "no_route", "No such provisioning route.");

    private static Answer NotFound() => Error(404, "not_found", "There is no user with that id.");

    private static Answer MethodNotAllowed() => Error(405, "method_not_allowed", "This route does not accept that HTTP method.");

    // Adds a new account and files its name and mail.
    private void Store(BackdropUserRow user)
    {
        _users[user.Uid] = user;
        _byNameKey.Add(MariaDbCollation.Key(user.Name), user.Uid);
        _byMailKey.Add(MariaDbCollation.Key(user.Mail), user.Uid);
        _byMail.Add(user.Mail, user.Uid);
    }
}
