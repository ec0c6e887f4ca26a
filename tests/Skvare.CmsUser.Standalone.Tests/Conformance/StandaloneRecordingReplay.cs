using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests.Conformance;

/// <summary>
/// Replays a Standalone recording against <see cref="FakeStandaloneServer"/>, request by request, over HTTP.
/// The recording starts on a site that already held data and the recording harness changed the site between
/// steps without going through the SDK (it added contacts, groups and users, and re-added contacts to groups);
/// before each exchange the replay therefore puts into the fake what the recorded answer shows existed and
/// recorded traffic did not create: users (at their recorded ids), groups and their trigger members. Users the
/// recorded traffic creates get the recorded ids too, so later requests that name them replay verbatim.
/// Secrets are redacted in recordings: the steps named "wrong API key" send a wrong key, the step named
/// "wrong ActorPassword" a wrong actor password; every other request authenticates as the fake's API user.
/// </summary>
internal sealed class StandaloneRecordingReplay
{
    private readonly FakeStandaloneServer _site;
    private readonly HashSet<long> _createdByTraffic;
    private readonly HashSet<long> _seededGroups = [];

    public StandaloneRecordingReplay(FakeStandaloneServer site, IReadOnlyList<RecordedExchange> exchanges)
    {
        _site = site;
        _createdByTraffic = exchanges.Where(e => e.Entity == "User" && e.Action == "create" && e.Status == 200)
            .Select(e => e.Json!.Value.GetProperty("values")[0].GetProperty("id").GetInt64()).ToHashSet();
    }

    /// <summary>Sends one recorded request to the fake and compares the answers.</summary>
    public async Task<IReadOnlyList<string>> ReplayAsync(HttpClient http, RecordedExchange exchange, CancellationToken cancellationToken)
    {
        Prepare(exchange);
        using var request = new HttpRequestMessage(new HttpMethod(exchange.Method), new Uri(_site.Url, exchange.Path.TrimStart('/')))
        {
            Content = new FormUrlEncodedContent([new("params", exchange.ParamsJson ?? "{}")]),
        };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        request.Headers.Add("X-Civi-Auth", "Bearer " + (exchange.Step.Contains("wrong API key", StringComparison.Ordinal) ? "not-the-key" : _site.ApiKey));
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var contentType = response.Content.Headers.ContentType?.ToString() ?? "";
        return ResponseComparer.Differences(exchange, (int)response.StatusCode, contentType, body);
    }

    private void Prepare(RecordedExchange exchange)
    {
        _site.ActorPassword = exchange.Step.Contains("wrong ActorPassword", StringComparison.Ordinal) ? "the-real-one" : "<redacted>";
        var rows = exchange.Json is { } json && json.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array
            ? values.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object).ToArray()
            : [];
        lock (_site.Store)
        {
            switch (exchange.Entity, exchange.Action)
            {
                case ("User", "get") or ("UFMatch", "get"):
                    foreach (var row in rows)
                    {
                        SeedUser(row);
                    }

                    break;
                case ("User", "create") when exchange.Status == 200:
                    _site.Store.ForceNextId("User", rows[0].GetProperty("id").GetInt64());
                    break;
                case ("Group", "get"):
                    foreach (var row in rows)
                    {
                        SeedGroup(row);
                    }

                    break;
                case ("Contact", "get") when TriggerGroup(exchange.Params) is long group:
                    foreach (var row in rows)
                    {
                        SeedMember(row, group);
                    }

                    break;
            }
        }
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
        var user = _site.Store.Insert("User", new()
        {
            ["domain_id"] = 1L, ["uf_name"] = Text(row, "uf_name"), ["contact_id"] = Number(row, "contact_id"), ["is_active"] = !row.TryGetProperty("is_active", out var active) || active.ValueKind != JsonValueKind.False,
            ["username"] = Text(row, "username") ?? "seeded" + id.ToString(CultureInfo.InvariantCulture), ["hashed_password"] = "", ["roles"] = roles, ["language"] = null, ["timezone"] = null,
        });
        user["id"] = id;
        user["uf_id"] = id;
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

    private static long? TriggerGroup(JsonElement parameters) =>
        parameters.TryGetProperty("where", out var where)
            ? where.EnumerateArray().Where(w => w.ValueKind == JsonValueKind.Array && w.GetArrayLength() == 3 && w[0].GetString() == "groups")
                .Select(w => (long?)w[2][0].GetInt64()).FirstOrDefault()
            : null;

    private static string? Text(JsonElement row, string field) =>
        row.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement row, string field) =>
        row.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
