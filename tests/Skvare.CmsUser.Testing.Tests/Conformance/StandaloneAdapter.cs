using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// CiviCRM Standalone (<c>civicrm-standalone-*</c>): <see cref="FakeStandaloneServer"/>. The recording starts on a
/// site that already held data, and the recording harness changed the site between steps without the SDK (it added
/// contacts, groups and users, and re-added contacts to groups); before each exchange the adapter therefore puts into
/// the fake what the recorded answer shows existed and recorded traffic did not create: users (at their recorded
/// ids), groups and their trigger members. Users the recorded traffic creates get the recorded ids too, so later
/// requests that name them replay verbatim. The steps named "wrong API key" send a wrong key, the step named "wrong
/// ActorPassword" a wrong actor password. Besides the generic comparison, a plain-text answer must be the same text.
/// </summary>
public sealed class StandaloneAdapter : RecordingAdapter
{
    private readonly FakeStandaloneServer _site = new();
    private readonly HashSet<long> _seededGroups = [];
    private HashSet<long> _createdByTraffic = [];

    /// <inheritdoc />
    public override void Seed(Recording recording) =>
        _createdByTraffic = recording.Exchanges.Where(e => Entity(e) == "User" && Action(e) == "create" && e.Status == 200)
            .Select(e => e.ResponseJson!.Value.GetProperty("values")[0].GetProperty("id").GetInt64()).ToHashSet();

    /// <inheritdoc />
    public override void BeforeExchange(RecordedExchange exchange)
    {
        _site.ActorPassword = exchange.Step?.Contains("wrong ActorPassword", StringComparison.Ordinal) == true ? "the-real-one" : "<redacted>";
        var rows = Rows(exchange).Where(r => r.ValueKind == JsonValueKind.Object).ToArray();
        lock (_site.Store)
        {
            switch (Entity(exchange), Action(exchange))
            {
                case ("User", "get") or ("UFMatch", "get"):
                    foreach (var row in rows)
                    {
                        SeedUser(row);
                    }

                    break;
                case ("User", "create") when exchange.Status == 200:
                    _site.Store.SetNextId("User", rows[0].GetProperty("id").GetInt64());
                    break;
                case ("Group", "get"):
                    foreach (var row in rows)
                    {
                        SeedGroup(row);
                    }

                    break;
                case ("Contact", "get") when TriggerGroup(exchange) is long group:
                    foreach (var row in rows)
                    {
                        SeedMember(row, group);
                    }

                    break;
            }
        }
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body) =>
        expected.ResponseText is { } text && !string.Equals(body.Trim(), text.Trim(), StringComparison.Ordinal)
            ? [$"body '{(body.Length > 200 ? body[..200] + "…" : body)}', real '{(text.Length > 200 ? text[..200] + "…" : text)}'"]
            : [];

    /// <inheritdoc />
    protected override Uri BaseUrlFor(RecordedExchange exchange) => _site.Url;

    /// <inheritdoc />
    protected override string? Credential(RecordedExchange exchange, string header) =>
        header.Equals("X-Civi-Auth", StringComparison.OrdinalIgnoreCase)
            ? "Bearer " + (exchange.Step?.Contains("wrong API key", StringComparison.Ordinal) == true ? "not-the-key" : _site.ApiKey)
            : null;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _site.Dispose();
        }
    }

    private static string Entity(RecordedExchange e) => e.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[^2];

    private static string Action(RecordedExchange e) => e.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];

    private static long? TriggerGroup(RecordedExchange exchange)
    {
        var json = exchange.Form?.FirstOrDefault(p => p.Key == "params").Value;
        if (json is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("where", out var where)
            ? where.EnumerateArray().Where(w => w.ValueKind == JsonValueKind.Array && w.GetArrayLength() == 3 && w[0].GetString() == "groups")
                .Select(w => (long?)w[2][0].GetInt64()).FirstOrDefault()
            : null;
    }

    private void SeedUser(JsonElement row)
    {
        var id = row.TryGetProperty("uf_id", out var uf) && uf.ValueKind == JsonValueKind.Number ? uf.GetInt64() : row.GetProperty("id").GetInt64();
        if (_createdByTraffic.Contains(id) || _site.Store.Find("User", id) is not null)
        {
            return;
        }

        var roles = row.TryGetProperty("roles:name", out var names) && names.ValueKind == JsonValueKind.Array
            ? names.EnumerateArray().Select(n => _site.Store.Table("Role").First(r => (string?)r["name"] == n.GetString())["id"]).ToList()
            : [];
        // Added at its recorded id without taking a number from the User sequence: users created by the recorded
        // traffic get their recorded ids from that sequence (SetNextId before each create).
        _site.Store.Table("User").Add(new()
        {
            ["id"] = id, ["uf_id"] = id,
            ["domain_id"] = 1L, ["uf_name"] = Text(row, "uf_name"), ["contact_id"] = Number(row, "contact_id"), ["is_active"] = !row.TryGetProperty("is_active", out var active) || active.ValueKind != JsonValueKind.False,
            ["username"] = Text(row, "username") ?? "seeded" + id.ToString(CultureInfo.InvariantCulture), ["hashed_password"] = "", ["roles"] = roles, ["language"] = null, ["timezone"] = null,
        });
    }

    private void SeedGroup(JsonElement row)
    {
        var id = row.GetProperty("id").GetInt64();
        if (!_seededGroups.Add(id) || _site.Store.Find("Group", id) is not null)
        {
            return;
        }

        var group = _site.Store.Insert("Group", new() { ["name"] = Text(row, "name"), ["title"] = Text(row, "title"), ["saved_search_id"] = null, ["is_active"] = true, ["is_hidden"] = false });
        group["id"] = id;
    }

    private void SeedMember(JsonElement row, long group)
    {
        var id = row.GetProperty("id").GetInt64();
        if (_site.Store.Find("Contact", id) is null)
        {
            var contact = _site.Store.Insert("Contact", new()
            {
                ["contact_type"] = "Individual", ["first_name"] = Text(row, "first_name"), ["middle_name"] = Text(row, "middle_name"), ["last_name"] = Text(row, "last_name"),
                ["nick_name"] = Text(row, "nick_name"), ["display_name"] = Text(row, "display_name"), ["sort_name"] = Text(row, "display_name"),
                ["external_identifier"] = Text(row, "external_identifier"), ["preferred_language"] = Text(row, "preferred_language"), ["is_deleted"] = false, ["is_deceased"] = false,
            });
            contact["id"] = id;
            if (Text(row, "email_primary.email") is { } email)
            {
                _site.Store.Insert("Email", new() { ["contact_id"] = id, ["email"] = email, ["is_primary"] = true, ["on_hold"] = Number(row, "email_primary.on_hold") ?? 0L, ["location_type_id"] = 1L });
            }
        }

        // The harness (re-)added the contact to the trigger group between runs.
        var membership = _site.Store.Table("GroupContact").FirstOrDefault(r => Equals(r["group_id"], group) && Equals(r["contact_id"], id));
        if (membership is null)
        {
            _site.Store.Insert("GroupContact", new() { ["group_id"] = group, ["contact_id"] = id, ["status"] = "Added" });
        }
        else
        {
            membership["status"] = "Added";
        }
    }

    private static string? Text(JsonElement row, string field) =>
        row.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement row, string field) =>
        row.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
