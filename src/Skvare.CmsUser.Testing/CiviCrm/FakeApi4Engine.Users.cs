using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>
/// CiviCRM Standalone's <c>User</c> entity as observed on 6.17.2 (recording
/// <c>civicrm-standalone-6.17.2/sdk-traffic.jsonl</c> and the protocol notes): the row is the UFMatch row;
/// duplicate usernames are accepted; over-long usernames are cut to 57 characters plus "..."; a password needs
/// <c>actorPassword</c>; write responses echo what was sent (<c>roles</c> as null) plus <c>custom</c> and
/// <c>check_permissions</c>; a roles update that fails half-way keeps what it had added; an update of a missing id
/// answers a phantom row; <c>select *</c> lists the stored fields (with the token, without roles);
/// <c>sendPasswordResetEmail</c> skips users without a contact, mails blocked users and refuses addresses its
/// mailer's check fails; <c>checkAccess</c> answers from the API user's permissions; <c>chain</c> runs per row.
/// </summary>
internal sealed partial class FakeApi4Engine
{
    /// <summary>What <c>select *</c> returns for a User on 6.17.2 (no <c>roles</c>: it is virtual).</summary>
    private static readonly string[] UserStarFields =
        ["id", "domain_id", "uf_id", "uf_name", "contact_id", "username", "hashed_password", "when_created", "when_last_accessed", "when_updated", "is_active", "timezone", "language", "password_reset_token"];

    private (List<Dictionary<string, object?>>, int, int?) ExecuteUser(string action, JsonElement p)
    {
        if (action == "checkAccess")
        {
            // Always allowed; answers whether the API user could run the named action.
            var wanted = p.TryGetProperty("action", out var a) ? a.GetString() : null;
            var granted = wanted is "get" or "checkAccess" || _server.AdministerUsers;
            return ([new() { ["access"] = granted }], 1, null);
        }

        if (!_server.AdministerUsers && action is "create" or "delete" or "sendPasswordResetEmail" or "update" or "save")
        {
            throw new FakeApi4Error(403, "Sorry an error occurred and your request was not completed.");
        }

        var (rows, count, matched) = action switch
        {
            "get" => GetUsers(p),
            "create" => ([CreateUser(Values("User", p, "values"), p)], 1, null),
            "update" => UpdateUsers(p),
            "sendPasswordResetEmail" => SendResets(p),
            "delete" => DeleteUsers(p),
            _ => throw new FakeApi4Error(500, $"Api User {action} version 4 does not exist."),
        };
        RunChains(rows, p);
        return (rows, count, matched);
    }

    private (List<Dictionary<string, object?>>, int, int?) GetUsers(JsonElement p)
    {
        var node = JsonNode.Parse(p.GetRawText())!.AsObject();
        if (node["select"] is JsonArray select && select.Any(s => s?.GetValue<string>() == "*"))
        {
            node["select"] = new JsonArray(UserStarFields.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }

        if (!_server.AdministerUsers)
        {
            // Without "administer users" a user sees only its own record, silently.
            var where = node["where"] as JsonArray ?? [];
            where.Add(new JsonArray("contact_id", "=", _server.ApiContactId));
            node["where"] = where;
        }

        using var document = JsonDocument.Parse(node.ToJsonString());
        return Get("User", document.RootElement.Clone());
    }

    private Dictionary<string, object?> CreateUser(Dictionary<string, object?> values, JsonElement p)
    {
        CheckPassword(values, p);
        if (values.GetValueOrDefault("username") is not string username || username.Length == 0)
        {
            throw new FakeApi4Error(500, "DB Error: unknown error");
        }

        var sent = values.Keys.ToList();
        if (username.Length > 60)
        {
            values["username"] = username[..57] + "...";
        }

        values.TryAdd("domain_id", _server.DomainId);
        values.TryAdd("is_active", true);
        if (values.GetValueOrDefault("uf_name") is null && values.GetValueOrDefault("contact_id") is long contactId)
        {
            values["uf_name"] = Store.Table("Email").FirstOrDefault(e => Equals(e["contact_id"], contactId) && e.GetValueOrDefault("is_primary") is true)?["email"];
        }

        var roles = values.GetValueOrDefault("roles") as List<object?>;
        var password = values.Remove("password");
        values.Remove("roles");
        CheckUnique("UFMatch", values, except: null);
        // MySQL timestamps, shown as CiviCRM's session shows them: the site's wall-clock time at the zone's offset now.
        var now = TimeZoneInfo.ConvertTime(_server.Clock.GetUtcNow(), _server.SiteTimeZone);
        values["when_created"] = now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        values["when_updated"] = values["when_created"];
        values["when_last_accessed"] = null;
        values["hashed_password"] = password ? "$S$Gfake" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) : "";
        values["password_reset_token"] = null;
        values.TryAdd("timezone", null);
        values.TryAdd("language", null);
        var row = Store.Insert("User", values);
        row["uf_id"] = row["id"];
        if (roles is not null)
        {
            WriteRoles(row, roles);
        }

        // Observed echo: id, domain_id, uf_id, what was sent (roles as null, no password), the timestamps, the hash
        // when a password was set, and the two API bookkeeping keys.
        var stamp = now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var echo = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = row["id"], ["domain_id"] = row["domain_id"], ["uf_id"] = row["id"] };
        foreach (var key in sent.Where(k => k is not ("password" or "roles")))
        {
            echo[key] = row.GetValueOrDefault(key);
        }

        echo["uf_name"] = row.GetValueOrDefault("uf_name");
        echo["when_created"] = stamp;
        echo["when_updated"] = stamp;
        if (password)
        {
            echo["hashed_password"] = row["hashed_password"];
        }

        if (sent.Contains("roles"))
        {
            echo["roles"] = null;
        }

        echo["custom"] = null;
        echo["check_permissions"] = null;
        return echo;
    }

    private (List<Dictionary<string, object?>>, int, int?) UpdateUsers(JsonElement p)
    {
        var values = Values("User", p, "values");
        CheckPassword(values, p);
        var where = Array(p, "where");
        long? byValueId = values.GetValueOrDefault("id") is long vid ? vid : null;
        if (where.Length == 0 && byValueId is null)
        {
            throw new FakeApi4Error(500, "Parameter \"where\" is required unless primary keys are supplied in values.");
        }

        var whereTest = CompileAll(where, inJoin: false);
        var targets = where.Length == 0
            ? Store.Table("User").Where(r => Equals(r["id"], byValueId)).ToList()
            : Store.Table("User").Where(r => whereTest(new Ctx("User", r))).ToList();
        var now = TimeZoneInfo.ConvertTime(_server.Clock.GetUtcNow(), _server.SiteTimeZone).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        long? missing = byValueId;
        if (missing is null && where.Length == 1 && where[0][0].GetString() == "id" && where[0][1].GetString() == "=" && where[0][2].TryGetInt64(out var whereId))
        {
            missing = whereId;
        }

        if (targets.Count == 0 && missing is long phantom)
        {
            // Observed: an update of a user that does not exist answers a phantom row and writes nothing.
            return ([Echo(phantom, values, now)], 1, null);
        }

        var rows = new List<Dictionary<string, object?>>();
        foreach (var row in targets)
        {
            if (values.TryGetValue("roles", out var roles))
            {
                ReplaceRoles(row, roles as List<object?> ?? []);
            }

            foreach (var (k, v) in values.Where(kv => kv.Key is not ("roles" or "password" or "id")))
            {
                row[k] = v;
            }

            row["when_updated"] = _server.Clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            rows.Add(Echo((long)row["id"]!, values, now));
        }

        return (rows, rows.Count, null);
    }

    private static Dictionary<string, object?> Echo(long id, Dictionary<string, object?> values, string now)
    {
        var echo = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = id, ["uf_id"] = id, ["when_updated"] = now };
        foreach (var (k, v) in values.Where(kv => kv.Key is not ("password" or "id")))
        {
            echo[k] = k == "roles" ? null : v;
        }

        echo["custom"] = null;
        echo["check_permissions"] = null;
        return echo;
    }

    private (List<Dictionary<string, object?>>, int, int?) DeleteUsers(JsonElement p)
    {
        var where = Array(p, "where");
        var whereTest = CompileAll(where, inJoin: false);
        if (where.Length > 0 && Store.Table("User").Any(r => Equals(r.GetValueOrDefault("contact_id"), _server.ApiContactId) && whereTest(new Ctx("User", r))))
        {
            throw new FakeApi4Error(403, "ACL check failed");
        }

        return Delete("User", p);
    }

    private void WriteRoles(Dictionary<string, object?> row, List<object?> roles)
    {
        // Rows are written one by one: an unknown id fails half-way, leaving what was written (not atomic).
        var current = row.GetValueOrDefault("roles") as List<object?> ?? [];
        row["roles"] = current;
        foreach (var role in roles)
        {
            var id = Convert.ToInt64(role, CultureInfo.InvariantCulture);
            if (Store.Find("Role", id) is null)
            {
                throw new FakeApi4Error(500, "DB Error: constraint violation");
            }

            current.Add(id);
        }
    }

    private void ReplaceRoles(Dictionary<string, object?> row, List<object?> roles)
    {
        // Observed (UserRole.replace): the new rows are inserted after the old ones, then the old ones deleted.
        // Starting from [2,3], [3,99] failed on 99 and left [2,3,3]: what was added stays, nothing was removed.
        WriteRoles(row, roles);
        row["roles"] = roles.Select(r => (object?)Convert.ToInt64(r, CultureInfo.InvariantCulture)).ToList();
    }

    private void CheckPassword(Dictionary<string, object?> values, JsonElement p)
    {
        if (!values.TryGetValue("password", out var password))
        {
            return;
        }

        if (!p.TryGetProperty("actorPassword", out var actor))
        {
            throw new FakeApi4Error(403, "Unauthorized");
        }

        if (actor.GetString() != _server.ActorPassword)
        {
            throw new FakeApi4Error(403, "Incorrect password");
        }

        if (password is not string { Length: > 0 })
        {
            throw new FakeApi4Error(500, "Disallowing empty password.");
        }
    }

    private (List<Dictionary<string, object?>>, int, int?) SendResets(JsonElement p)
    {
        var where = Array(p, "where");
        if (where.Length == 0)
        {
            throw new FakeApi4Error(500, "Parameter \"where\" is required.");
        }

        var timeout = p.TryGetProperty("timeout", out var t) && t.TryGetInt32(out var minutes) ? minutes : 60;
        var results = new List<Dictionary<string, object?>>();
        var whereTest = CompileAll(where, inJoin: false);
        foreach (var user in Store.Table("User").Where(r => r.ContainsKey("username") && whereTest(new Ctx("User", r))).ToList())
        {
            if (user.GetValueOrDefault("contact_id") is null)
            {
                continue;
            }

            // As SendPasswordResetEmail::doTask: the token is renewed first, whether or not a mail can then be sent.
            user["password_reset_token"] = "token-" + user["id"];
            var email = user.GetValueOrDefault("uf_name") as string;
            if (_server is Standalone.FakeStandaloneServer { PasswordResetTemplateActive: false } || !Mailable(email))
            {
                results.Add(new() { ["is_error"] = true, ["message"] = "No password reset message template available" });
                continue;
            }

            _server.RecordMail(email!, $"Password reset link (expires in {timeout} minutes)");
            results.Add(new() { ["is_error"] = false });
        }

        return (results, results.Count, null);
    }

    /// <summary>
    /// The reset mailer's address check (PHP's <c>FILTER_VALIDATE_EMAIL</c>), approximated: a parseable address
    /// whose domain has a dot and whose text is ASCII. Observed refusals: <c>a@b</c>, <c>not-an-email-…</c>.
    /// </summary>
    private static bool Mailable(string? email) =>
        email is not null && Ascii.IsValid(email) && MailAddress.TryCreate(email, out var parsed) && parsed.Address == email
        && parsed.Host.Contains('.', StringComparison.Ordinal) && !parsed.Host.EndsWith('.') && parsed.User.Length <= 64;

    /// <summary>Runs <c>chain</c> once per result row, <c>$field</c> strings replaced by the row's values.</summary>
    private void RunChains(List<Dictionary<string, object?>> rows, JsonElement p)
    {
        if (!p.TryGetProperty("chain", out var chain) || chain.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var link in chain.EnumerateObject())
        {
            foreach (var row in rows)
            {
                var request = JsonNode.Parse(link.Value.GetRawText())!.AsArray();
                var entity = request[0]!.GetValue<string>();
                var action = request[1]!.GetValue<string>();
                var parameters = Substitute(request.Count > 2 ? request[2] : new JsonObject(), row) ?? new JsonObject();
                using var document = JsonDocument.Parse(parameters.ToJsonString());
                var (values, _, _) = Execute(entity, action, document.RootElement.Clone());

                // Nested rows are written as JSON objects by the server's writer.
                row[link.Name] = values.Select(v => (object?)ToJson(v)).ToList();
            }
        }
    }

    private static JsonNode? Substitute(JsonNode? node, Dictionary<string, object?> row)
    {
        switch (node)
        {
            case JsonArray array:
                var items = array.Select(item => Substitute(item?.DeepClone(), row)).ToArray();
                return new JsonArray(items);
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = Substitute(value?.DeepClone(), row);
                }

                return copy;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Length > 1 && text[0] == '$' && row.TryGetValue(text[1..], out var replacement):
                return replacement switch
                {
                    null => null,
                    long l => JsonValue.Create(l),
                    bool b => JsonValue.Create(b),
                    _ => JsonValue.Create(Convert.ToString(replacement, CultureInfo.InvariantCulture)),
                };
            default:
                return node?.DeepClone();
        }
    }

    private static string ToJson(Dictionary<string, object?> row)
    {
        var node = new JsonObject();
        foreach (var (key, value) in row)
        {
            node[key] = value switch
            {
                null => null,
                long l => JsonValue.Create(l),
                bool b => JsonValue.Create(b),
                List<object?> list => new JsonArray(list.Select(i => (JsonNode?)JsonValue.Create(Convert.ToString(i, CultureInfo.InvariantCulture))).ToArray()),
                _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
            };
        }

        return node.ToJsonString();
    }
}
