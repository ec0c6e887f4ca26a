using System.Globalization;
using System.Net.Mail;
using System.Text.Json;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>
/// CiviCRM Standalone's <c>User</c> entity as observed on 6.17.2: the row is the UFMatch row; duplicate
/// usernames are accepted; over-long usernames are cut to 57 characters plus "..."; a password needs
/// <c>actorPassword</c>; write responses say <c>roles: null</c>; an update of a missing id answers a
/// phantom row; <c>sendPasswordResetEmail</c> skips users without a contact and mails blocked users.
/// </summary>
internal sealed partial class FakeApi4Engine
{
    private (List<Dictionary<string, object?>>, int, int?) ExecuteUser(string action, JsonElement p)
    {
        if (!_server.AdministerUsers && action is "create" or "delete" or "sendPasswordResetEmail" or "update" or "save")
        {
            throw new FakeApi4Error(403, "Sorry an error occurred and your request was not completed.");
        }

        switch (action)
        {
            case "create":
                return ([CreateUser(Values("User", p, "values"), p)], 1, null);
            case "update":
                return UpdateUsers(p);
            case "sendPasswordResetEmail":
                return SendResets(p);
            case "delete":
                return Delete("User", p);
            default:
                throw new FakeApi4Error(500, $"Api User {action} version 4 does not exist.");
        }
    }

    private Dictionary<string, object?> CreateUser(Dictionary<string, object?> values, JsonElement p)
    {
        CheckPassword(values, p);
        if (values.GetValueOrDefault("username") is not string username || username.Length == 0)
        {
            throw new FakeApi4Error(500, "DB Error: unknown error");
        }

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
        values.Remove("roles");
        values.Remove("password");
        CheckUnique("UFMatch", values, except: null);
        var now = _server.Clock.GetUtcNow();
        values["when_created"] = now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        values["when_updated"] = values["when_created"];
        values["hashed_password"] = p.TryGetProperty("actorPassword", out _) ? "$S$Gfake" : "";
        var row = Store.Insert("User", values);
        row["uf_id"] = row["id"];
        if (roles is not null)
        {
            WriteRoles(row, roles);
        }

        var echo = Copy(row);
        echo["roles"] = null;
        echo["when_created"] = now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        echo["when_updated"] = echo["when_created"];
        echo.Remove("hashed_password");
        return echo;
    }

    private (List<Dictionary<string, object?>>, int, int?) UpdateUsers(JsonElement p)
    {
        var values = Values("User", p, "values");
        CheckPassword(values, p);
        var where = Array(p, "where");
        if (where.Length == 0)
        {
            throw new FakeApi4Error(500, "Parameter \"where\" is required unless primary keys are supplied in values.");
        }

        var targets = Store.Table("User").Where(r => where.All(w => Evaluate(new Ctx("User", r), w, inJoin: false))).ToList();
        var now = _server.Clock.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        if (targets.Count == 0 && where.Length == 1 && where[0][0].GetString() == "id" && where[0][1].GetString() == "=" && where[0][2].TryGetInt64(out var missing))
        {
            // Observed: an update of a user that does not exist answers a phantom row and writes nothing.
            return ([new() { ["id"] = missing, ["uf_id"] = missing, ["when_updated"] = now, ["is_active"] = true, ["roles"] = null }], 1, null);
        }

        var rows = new List<Dictionary<string, object?>>();
        foreach (var row in targets)
        {
            if (values.TryGetValue("roles", out var roles))
            {
                row["roles"] = new List<object?>();
                WriteRoles(row, roles as List<object?> ?? []);
            }

            foreach (var (k, v) in values.Where(kv => kv.Key is not ("roles" or "password" or "id")))
            {
                row[k] = v;
            }

            var echo = new Dictionary<string, object?> { ["id"] = row["id"], ["uf_id"] = row["id"], ["when_updated"] = now, ["roles"] = null };
            foreach (var (k, v) in values.Where(kv => kv.Key is not ("roles" or "password")))
            {
                echo[k] = v;
            }

            rows.Add(echo);
        }

        return (rows, rows.Count, null);
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
        foreach (var user in Store.Table("User").Where(r => r.ContainsKey("username") && where.All(w => Evaluate(new Ctx("User", r), w, inJoin: false))).ToList())
        {
            if (user.GetValueOrDefault("contact_id") is null)
            {
                continue;
            }

            var email = user.GetValueOrDefault("uf_name") as string;
            if (email is null || !MailAddress.TryCreate(email, out _))
            {
                results.Add(new() { ["is_error"] = true, ["message"] = "No password reset message template available" });
                continue;
            }

            user["password_reset_token"] = "token-" + user["id"];
            _server.RecordMail(email, $"Password reset link (expires in {timeout} minutes)");
            results.Add(new() { ["is_error"] = false });
        }

        return (results, results.Count, null);
    }
}
