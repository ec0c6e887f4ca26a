using System.Text.Json;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary><c>Setting.get</c> and <c>Extension.get</c>, as CiviCRM 6.17.2 answers them (tests/recordings/civicrm-6.17.2-import-wordpress-6.1.9).</summary>
internal sealed partial class FakeApi4Engine
{
    /// <summary>Core settings with metadata, and their defaults (a few of CiviCRM's; each answers in a full read too).</summary>
    private static readonly (string Name, object? Value)[] CoreSettings =
    [
        ("smartGroupCacheTimeout", 5L),
        ("contact_undelete", true),
        ("defaultCurrency", "USD"),
        ("lcMessages", "en_US"),
        ("dateformatDatetime", "%B %E%f, %Y %l:%M %P"),
        ("dateformatFull", "%B %E%f, %Y"),
        ("dateformatPartial", "%B %Y"),
        ("dateformatTime", "%l:%M %P"),
        ("dateformatYear", "%Y"),
        ("dateformatFinancialBatch", "%m/%d/%Y"),
        ("dateformatshortdate", "%m/%d/%Y"),
        ("monetaryThousandSeparator", ","),
        ("monetaryDecimalPoint", "."),
    ];

    private (List<Dictionary<string, object?>> Values, int Count, int? CountMatched)? ExecuteSettings(string entity, string action, JsonElement p)
    {
        if (entity is not ("Setting" or "Extension"))
        {
            return null;
        }

        if (action != "get")
        {
            throw new FakeApi4Error(500, $"Api {entity} {action} version 4 does not exist.");
        }

        if (!_server.AdministerCiviCrm)
        {
            throw new FakeApi4Error(403, $"Authorization failed: CiviCRM APIv4 ({entity}::{action})");
        }

        if (_server.RefuseWhere?.Invoke(new FakeApi4Call(entity, action, _chainDepth > 0, p.GetRawText())) is { } refusal)
        {
            throw new FakeApi4Error(500, refusal);
        }

        return entity == "Setting" ? GetSettings(p) : GetExtensions(p);
    }

    private (List<Dictionary<string, object?>>, int, int?) GetSettings(JsonElement p)
    {
        foreach (var property in p.EnumerateObject())
        {
            if (property.Name is not ("select" or "domainId" or "contactId" or "checkPermissions" or "debug"))
            {
                throw new FakeApi4Error(500, $"Unknown api parameter: set{char.ToUpperInvariant(property.Name[0])}{property.Name[1..]}");
            }
        }

        var select = p.TryGetProperty("select", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(n => n.GetString() ?? "").ToList()
            : [];
        var values = new List<Dictionary<string, object?>>();
        if (select.Count > 0)
        {
            // AbstractSettingAction::validateSettings: every name needs metadata, the stored ones of an extension without it too.
            var invalid = select.Select(n => n.Split(':')[0]).Where(n => !CoreSettings.Any(c => c.Name == n)).ToList();
            if (invalid.Count > 0)
            {
                throw new FakeApi4Error(500, $"Unknown settings for domain 1: {string.Join(", ", invalid)}");
            }

            foreach (var name in select)
            {
                var value = _server.StoredSettings.TryGetValue(name, out var stored) ? stored : CoreSettings.First(c => c.Name == name).Value;
                values.Add(new() { ["name"] = name, ["value"] = value, ["domain_id"] = 1L });
            }
        }
        else
        {
            // SettingsBag::all(): the defaults, then every value stored for the domain, metadata or not.
            foreach (var (name, value) in CoreSettings.Where(c => !_server.StoredSettings.ContainsKey(c.Name)))
            {
                values.Add(new() { ["name"] = name, ["value"] = value, ["domain_id"] = 1L });
            }

            foreach (var (name, value) in _server.StoredSettings)
            {
                values.Add(new() { ["name"] = name, ["value"] = value, ["domain_id"] = 1L });
            }
        }

        return (values, values.Count, null);
    }

    private (List<Dictionary<string, object?>>, int, int?) GetExtensions(JsonElement p)
    {
        // Extension.get is a basic get over the extension system's list: a where on key, a select of key and status.
        var key = p.TryGetProperty("where", out var where) && where.ValueKind == JsonValueKind.Array
            ? where.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Array && c.GetArrayLength() == 3 && c[0].GetString() == "key" && c[1].GetString() == "=")
                .Select(c => c[2].GetString()).FirstOrDefault()
            : null;
        var select = p.TryGetProperty("select", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().Select(n => n.GetString()).ToList() : ["key", "status"];
        var values = _server.Extensions
            .Where(e => key is null || e.Key == key)
            .Select(e => select.Where(f => f is "key" or "status").ToDictionary(f => f!, f => (object?)(f == "key" ? e.Key : e.Value)))
            .ToList();
        return (values, values.Count, null);
    }

}
