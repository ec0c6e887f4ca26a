using System.Globalization;
using System.Text.Json;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>create, update, save and delete, with CiviCRM's defaults, required fields and unique keys.</summary>
internal sealed partial class FakeApi4Engine
{
    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["Activity"] = ["activity_type_id", "source_contact_id"],
        ["GroupContact"] = ["group_id", "contact_id"],
        ["EntityTag"] = ["entity_id", "tag_id"],
        ["UFMatch"] = ["uf_id", "contact_id"],
        ["OptionValue"] = ["option_group_id", "label"],
        ["Group"] = ["title"],
        ["Tag"] = ["name"],
    };

    private Dictionary<string, object?> Values(string entity, JsonElement p, string name)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (p.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Object)
        {
            Normalize(entity, element, values);
        }

        return values;
    }

    private void Normalize(string entity, JsonElement element, Dictionary<string, object?> into)
    {
        foreach (var property in element.EnumerateObject())
        {
            var key = property.Name;
            var value = FakeApi4Store.FromJson(property.Value);
            if (key.EndsWith(":name", StringComparison.Ordinal))
            {
                key = key[..^5];
                value = value is string s ? Store.OptionValueFor(entity, key, s) : null;
            }
            else if (value is string text)
            {
                value = Magic(key, text);
            }

            into[key] = value;
        }
    }

    private Dictionary<string, object?> Create(string entity, Dictionary<string, object?> values)
    {
        if (values.ContainsKey("id"))
        {
            throw new FakeApi4Error(500, "Cannot pass id to Create action. Use Update action instead.");
        }

        ApplyDefaults(entity, values);
        if (Required.TryGetValue(entity, out var required))
        {
            var missing = required.Where(f => values.GetValueOrDefault(f) is null).ToArray();
            if (missing.Length > 0)
            {
                throw new FakeApi4Error(500, $"Mandatory values missing from Api4 {entity}::create: {string.Join(", ", missing)}");
            }
        }

        if (entity == "UFMatch" && Store.Table("UFMatch").FirstOrDefault(r => SameLink(r, values)) is { } identical)
        {
            // CRM_Core_BAO_UFMatch::create returns an identical existing row unchanged.
            return Copy(identical);
        }

        CheckUnique(entity, values, except: null);
        var stored = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in values.Where(kv => kv.Key is not ("source_contact_id" or "target_contact_id" or "assignee_contact_id")))
        {
            stored[k] = v;
        }

        var row = Store.Insert(entity, stored);
        if (entity == "GroupContact")
        {
            _server.RecordSubscription(row, "API");
        }

        if (entity == "Activity")
        {
            AddActivityContacts((long)row["id"]!, values);
            var echo = Copy(row);
            echo["source_contact_id"] = null;
            echo["target_contact_id"] = null;
            return echo;
        }

        return Copy(row);
    }

    private void ApplyDefaults(string entity, Dictionary<string, object?> values)
    {
        switch (entity)
        {
            case "UFMatch":
                values.TryAdd("domain_id", _server.DomainId);
                break;
            case "GroupContact":
                values.TryAdd("status", "Added");
                break;
            case "EntityTag":
                values.TryAdd("entity_table", "civicrm_contact");
                break;
            case "Activity":
                values.TryAdd("activity_date_time", _server.SiteNow());
                values.TryAdd("is_deleted", false);
                values.TryAdd("is_test", false);
                values.TryAdd("status_id", 1L);
                break;
            case "Contact":
                values.TryAdd("contact_type", "Individual");
                values.TryAdd("is_deleted", false);
                values.TryAdd("is_deceased", false);
                break;
            case "OptionValue":
                if (values.GetValueOrDefault("label") is null && values.GetValueOrDefault("name") is { } name)
                {
                    values["label"] = name;
                }

                if (values.GetValueOrDefault("value") is null && values.GetValueOrDefault("option_group_id") is { } group)
                {
                    var max = Store.Table("OptionValue").Where(r => Equals(r["option_group_id"], group))
                        .Select(r => long.TryParse(Convert.ToString(r["value"], CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max();
                    values["value"] = (max + 1).ToString(CultureInfo.InvariantCulture);
                }

                values.TryAdd("is_active", true);
                break;
        }
    }

    private static bool SameLink(Dictionary<string, object?> row, Dictionary<string, object?> values) =>
        Equals(row["uf_id"], values.GetValueOrDefault("uf_id")) && Equals(row["contact_id"], values.GetValueOrDefault("contact_id"))
        && Equals(row["domain_id"], values.GetValueOrDefault("domain_id")) && FakeApi4Store.Same(row.GetValueOrDefault("uf_name"), values.GetValueOrDefault("uf_name"));

    private void CheckUnique(string entity, Dictionary<string, object?> values, Dictionary<string, object?>? except)
    {
        string[][] keys = entity switch
        {
            "GroupContact" => [["group_id", "contact_id"]],
            "EntityTag" => [["entity_table", "entity_id", "tag_id"]],
            "UFMatch" => [["contact_id", "domain_id"], ["uf_name", "domain_id"], ["uf_id", "domain_id"]],
            "OptionValue" => [["option_group_id", "name"]],
            "Group" => [["name"]],
            "Tag" => [["name"]],
            _ => [],
        };
        foreach (var key in keys)
        {
            if (key.Any(k => values.GetValueOrDefault(k) is null))
            {
                continue;
            }

            if (Store.Table(entity).Any(r => !ReferenceEquals(r, except) && key.All(k => FakeApi4Store.Same(r.GetValueOrDefault(k), values[k]))))
            {
                throw new FakeApi4Error(500, "DB Error: already exists");
            }
        }
    }

    private void AddActivityContacts(long activityId, Dictionary<string, object?> values)
    {
        if (values.GetValueOrDefault("source_contact_id") is { } source)
        {
            Store.Insert("ActivityContact", new() { ["activity_id"] = activityId, ["contact_id"] = Convert.ToInt64(source, CultureInfo.InvariantCulture), ["record_type_id"] = 2L });
        }

        var targets = values.GetValueOrDefault("target_contact_id") switch
        {
            List<object?> list => list,
            null => [],
            var single => [single],
        };
        foreach (var target in targets)
        {
            Store.Insert("ActivityContact", new() { ["activity_id"] = activityId, ["contact_id"] = Convert.ToInt64(target, CultureInfo.InvariantCulture), ["record_type_id"] = 3L });
        }
    }

    private Dictionary<string, object?> UpdateRow(string entity, Dictionary<string, object?> row, Dictionary<string, object?> values)
    {
        var merged = new Dictionary<string, object?>(row, StringComparer.Ordinal);
        foreach (var (k, v) in values)
        {
            merged[k] = v;
        }

        CheckUnique(entity, merged, except: row);
        var statusBefore = row.GetValueOrDefault("status");
        foreach (var (k, v) in values.Where(kv => kv.Key is not ("id" or "source_contact_id" or "target_contact_id")))
        {
            row[k] = v;
        }

        if (entity == "GroupContact" && !Equals(statusBefore, row.GetValueOrDefault("status")))
        {
            _server.RecordSubscription(row, "API");
        }

        return Copy(row);
    }

    private (List<Dictionary<string, object?>>, int, int?) Update(string entity, JsonElement p)
    {
        var values = Values(entity, p, "values");
        var where = Array(p, "where");
        IEnumerable<Dictionary<string, object?>> targets;
        if (where.Length == 0)
        {
            if (values.GetValueOrDefault("id") is not long id)
            {
                throw new FakeApi4Error(500, "Parameter \"where\" is required unless primary keys are supplied in values.");
            }

            targets = Store.Table(entity).Where(r => Equals(r["id"], id)).ToList();
        }
        else
        {
            targets = Store.Table(entity).Where(r => where.All(w => Evaluate(new Ctx(entity, r), w, inJoin: false))).ToList();
        }

        var updated = targets.Select(r => UpdateRow(entity, r, values)).ToList();
        return (updated, updated.Count, null);
    }

    private (List<Dictionary<string, object?>>, int, int?) Save(string entity, JsonElement p)
    {
        var defaults = Values(entity, p, "defaults");
        var match = Array(p, "match").Select(m => m.GetString()!).ToArray();
        var rows = new List<Dictionary<string, object?>>();
        var matched = 0;
        foreach (var record in Array(p, "records"))
        {
            var values = new Dictionary<string, object?>(defaults, StringComparer.Ordinal);
            Normalize(entity, record, values);
            if (values.GetValueOrDefault("id") is long id && Store.Find(entity, id) is { } byId)
            {
                rows.Add(UpdateRow(entity, byId, values));
                matched++;
                continue;
            }

            if (match.Length > 0)
            {
                ApplyDefaults(entity, values);
                var hits = Store.Table(entity).Where(r => match.All(m => FakeApi4Store.Same(r.GetValueOrDefault(m), values.GetValueOrDefault(m)))).ToList();
                if (hits.Count == 1)
                {
                    rows.Add(UpdateRow(entity, hits[0], values));
                    matched++;
                    continue;
                }
            }

            rows.Add(Create(entity, values));
        }

        return (rows, rows.Count, matched);
    }

    private (List<Dictionary<string, object?>>, int, int?) Delete(string entity, JsonElement p)
    {
        var where = Array(p, "where");
        if (where.Length == 0)
        {
            throw new FakeApi4Error(500, $"Cannot delete {entity} with no \"where\" parameter specified");
        }

        var doomed = Store.Table(entity).Where(r => where.All(w => Evaluate(new Ctx(entity, r), w, inJoin: false))).ToList();
        foreach (var row in doomed)
        {
            Store.Table(entity).Remove(row);
            if (entity == "Activity")
            {
                Store.Table("ActivityContact").RemoveAll(ac => Equals(ac["activity_id"], row["id"]));
            }
        }

        var values = doomed.Select(r => new Dictionary<string, object?> { ["id"] = Convert.ToString(r["id"], CultureInfo.InvariantCulture) }).ToList();
        return (values, values.Count, null);
    }

    private static Dictionary<string, object?> Copy(Dictionary<string, object?> row) => new(row, StringComparer.Ordinal);
}
