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

        var sent = values.Keys.ToList();
        ApplyDefaults(entity, values);
        if (Required.TryGetValue(entity, out var required))
        {
            var missing = required.Where(f => values.GetValueOrDefault(f) is null).ToArray();
            if (missing.Length > 0)
            {
                throw new FakeApi4Error(500, $"Mandatory values missing from Api4 {entity}::create: {string.Join(", ", missing)}");
            }
        }

        if (entity == "UFMatch" && SameRows("UFMatch", ["contact_id", "domain_id"], values).FirstOrDefault(r => SameLink(r, values)) is { } identical)
        {
            // CRM_Core_BAO_UFMatch::create returns an identical existing row unchanged.
            return WithWriteKeys(Copy(identical));
        }

        CheckUnique(entity, values, except: null);
        CheckReferences(entity, values);
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
        }

        return CreateEcho(entity, row, sent);
    }

    /// <summary>
    /// What CiviCRM answers for a created row (DAOActionTrait::baoToArray over the BAO after its create): a Contact
    /// comes back whole, with the names CiviCRM computed; an Activity with the fields its BAO set (the date as
    /// YmdHis, <c>created_date</c> and <c>modified_date</c> null, the contact fields null); other entities with the
    /// fields sent plus the defaults applied (a Group also with <c>created_id</c>, <c>modified_id</c> (the API user) and
    /// <c>frontend_title</c>, as CiviCRM 6.17 answers). Every row carries <c>custom</c> and <c>check_permissions</c>.
    /// </summary>
    private Dictionary<string, object?> CreateEcho(string entity, Dictionary<string, object?> row, List<string> sent)
    {
        Dictionary<string, object?> echo;
        switch (entity)
        {
            case "Activity":
                echo = new(StringComparer.Ordinal) { ["id"] = row["id"] };
                foreach (var key in sent.Where(k => k is not ("source_contact_id" or "target_contact_id" or "assignee_contact_id")))
                {
                    echo[key] = key == "details" && row.GetValueOrDefault(key) is "" ? null : row.GetValueOrDefault(key);
                }

                echo["activity_date_time"] = sent.Contains("activity_date_time") ? row["activity_date_time"]
                    : Convert.ToString(row["activity_date_time"], CultureInfo.InvariantCulture)!.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal);
                echo["status_id"] = row.GetValueOrDefault("status_id");
                echo["priority_id"] = row.GetValueOrDefault("priority_id");
                echo["created_date"] = null;
                echo["modified_date"] = null;
                // The contact fields come back null, and only those sent (CiviCRM 6.17.2 left target_contact_id out of
                // the answer to a create that sent none).
                foreach (var contacts in ActivityContactFields.Where(sent.Contains))
                {
                    echo[contacts] = null;
                }

                break;
            case "Contact":
                echo = Copy(row);
                break;
            case "Group":
                echo = Copy(row);
                echo["created_id"] = _server.ApiContactId;
                echo["modified_id"] = _server.ApiContactId;
                echo["frontend_title"] = row.GetValueOrDefault("title");
                break;
            default:
                echo = Copy(row);
                break;
        }

        return WithWriteKeys(echo);
    }

    private static readonly string[] ActivityContactFields = ["target_contact_id", "source_contact_id", "assignee_contact_id"];

    private static Dictionary<string, object?> WithWriteKeys(Dictionary<string, object?> echo)
    {
        echo["custom"] = null;
        echo["check_permissions"] = null;
        return echo;
    }

    /// <summary>CiviCRM's default display name ("First Last") and sort name ("Last, First") of an individual.</summary>
    private static void ComputeNames(Dictionary<string, object?> contact, bool keepGiven)
    {
        if (!Equals(contact.GetValueOrDefault("contact_type"), "Individual"))
        {
            return;
        }

        var first = contact.GetValueOrDefault("first_name") as string;
        var last = contact.GetValueOrDefault("last_name") as string;
        var display = string.Join(' ', new[] { first, last }.Where(n => !string.IsNullOrEmpty(n)));
        var sort = string.Join(", ", new[] { last, first }.Where(n => !string.IsNullOrEmpty(n)));
        if (display.Length == 0)
        {
            return;
        }

        if (!keepGiven || contact.GetValueOrDefault("display_name") is null)
        {
            contact["display_name"] = display;
        }

        if (!keepGiven || contact.GetValueOrDefault("sort_name") is null)
        {
            contact["sort_name"] = sort;
        }
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
                values.TryAdd("activity_date_time", Now());
                values.TryAdd("is_deleted", false);
                values.TryAdd("is_test", false);
                // CRM_Activity_BAO_Activity::create: a new activity without a status (none sent, null, or a status_id:name
                // that names no status, which API v4 turns into null without a word) is Completed when it has a date,
                // which API v4 always gives it (else Scheduled). CiviCRM 6.17.2 answered 200 and status_id 2 to
                // "status_id:name": "NoSuchStatus" (probed against the real site; FakeCiviCrmFidelityTests).
                if (values.GetValueOrDefault("status_id") is null)
                {
                    values["status_id"] = Store.OptionValueFor("Activity", "status_id", values.GetValueOrDefault("activity_date_time") is null ? "Scheduled" : "Completed");
                }

                values.TryAdd("priority_id", 2L);
                values.TryAdd("created_date", Now());
                values.TryAdd("modified_date", Now());
                break;
            case "Contact":
                values.TryAdd("contact_type", "Individual");
                values.TryAdd("is_deleted", false);
                values.TryAdd("is_deceased", false);
                values.TryAdd("preferred_language", "en_US");
                foreach (var field in FakeApi4Store.Schema["Contact"].Where(f => f is not ("email_primary" or "groups" or "tags")))
                {
                    values.TryAdd(field, null);
                }

                values.Remove("id");
                ComputeNames(values, keepGiven: true);
                values["created_date"] = Now();
                values["modified_date"] = Now();
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

                // CRM_Core_BAO_OptionValue::create: without a weight, the next weight of the group (its highest plus
                // one; a seeded row without a weight counts with its numeric value, as weights follow values on a
                // fresh site).
                if (values.GetValueOrDefault("weight") is null && values.GetValueOrDefault("option_group_id") is { } weightGroup)
                {
                    var max = Store.Table("OptionValue").Where(r => Equals(r["option_group_id"], weightGroup))
                        .Select(r => Number(r.GetValueOrDefault("weight")) ?? Number(r.GetValueOrDefault("value")) ?? 0).DefaultIfEmpty(0).Max();
                    values["weight"] = max + 1;
                }

                values.TryAdd("is_active", true);
                break;
        }
    }

    private static long? Number(object? value) =>
        long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static bool SameLink(Dictionary<string, object?> row, Dictionary<string, object?> values) =>
        Equals(row["uf_id"], values.GetValueOrDefault("uf_id")) && Equals(row["contact_id"], values.GetValueOrDefault("contact_id"))
        && Equals(row["domain_id"], values.GetValueOrDefault("domain_id")) && FakeApi4Store.Same(row.GetValueOrDefault("uf_name"), values.GetValueOrDefault("uf_name"));

    private void CheckUnique(string entity, Dictionary<string, object?> values, Dictionary<string, object?>? except, Dictionary<string, object?>? self = null)
    {
        except ??= self;
        string[][] keys = entity switch
        {
            "GroupContact" => [["group_id", "contact_id"]],
            "EntityTag" => [["entity_table", "entity_id", "tag_id"]],
            "UFMatch" when _server.UniqueUfIdPerDomain => [["contact_id", "domain_id"], ["uf_name", "domain_id"], ["uf_id", "domain_id"]],
            "UFMatch" => [["contact_id", "domain_id"], ["uf_name", "domain_id"]],
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

            if (SameRows(entity, key, values).Any(r => !ReferenceEquals(r, except)))
            {
                throw new FakeApi4Error(500, "DB Error: already exists");
            }
        }
    }

    /// <summary>
    /// The foreign keys of a membership row: a group or tag that does not exist (deleted while a run went on)
    /// fails as on CiviCRM 6.17, "DB Error: constraint violation", and nothing is written. (Contacts are not checked: the fake keeps them unindexed.)
    /// </summary>
    private void CheckReferences(string entity, Dictionary<string, object?> values)
    {
        (string Field, string Table)[] keys = entity switch
        {
            "GroupContact" => [("group_id", "Group")],
            "EntityTag" => [("tag_id", "Tag")],
            _ => [],
        };
        foreach (var (field, table) in keys)
        {
            if (Number(values.GetValueOrDefault(field)) is long id && Store.Find(table, id) is null)
            {
                throw new FakeApi4Error(500, "DB Error: constraint violation");
            }
        }
    }

    private void AddActivityContacts(long activityId, Dictionary<string, object?> values)
    {
        if (values.GetValueOrDefault("source_contact_id") is { } source)
        {
            Store.Insert("ActivityContact", new() { ["activity_id"] = activityId, ["contact_id"] = Convert.ToInt64(source, CultureInfo.InvariantCulture), ["record_type_id"] = 2L });
        }

        foreach (var (field, recordType) in new[] { ("target_contact_id", 3L), ("assignee_contact_id", 1L) })
        {
            var contacts = values.GetValueOrDefault(field) switch
            {
                List<object?> list => list,
                null => [],
                var single => [single],
            };
            foreach (var contact in contacts)
            {
                Store.Insert("ActivityContact", new() { ["activity_id"] = activityId, ["contact_id"] = Convert.ToInt64(contact, CultureInfo.InvariantCulture), ["record_type_id"] = recordType });
            }
        }
    }

    /// <summary>Writes <paramref name="values"/> over a row; answers, as CiviCRM does, only the fields sent plus the id.</summary>
    private Dictionary<string, object?> UpdateRow(string entity, Dictionary<string, object?> row, Dictionary<string, object?> values)
    {
        var merged = new Dictionary<string, object?>(row, StringComparer.Ordinal);
        foreach (var (k, v) in values)
        {
            merged[k] = v;
        }

        CheckUnique(entity, merged, except: null, self: row);
        var changed = values.Where(kv => !row.TryGetValue(kv.Key, out var old) || !Equals(old, kv.Value)).Select(kv => kv.Key).ToList();
        foreach (var (k, v) in values.Where(kv => kv.Key is not ("id" or "source_contact_id" or "target_contact_id" or "assignee_contact_id")))
        {
            row[k] = v;
        }

        Touched(entity, changed);

        if (entity == "GroupContact")
        {
            // CiviCRM 6.17's GroupContact post hook writes a history row on every create and edit, the status unchanged
            // included (CRM_Contact_BAO_GroupContact::self_hook_civicrm_post): a save sent again writes it again.
            _server.RecordSubscription(row, "API");
        }

        if (entity == "Contact")
        {
            if (values.ContainsKey("first_name") || values.ContainsKey("last_name"))
            {
                ComputeNames(row, keepGiven: false);
            }

            row["modified_date"] = Now();
        }

        if (entity == "Activity" && (values.ContainsKey("target_contact_id") || values.ContainsKey("source_contact_id")))
        {
            var id = (long)row["id"]!;
            Store.Table("ActivityContact").RemoveAll(ac => Equals(ac["activity_id"], id)
                && ((values.ContainsKey("source_contact_id") && Equals(ac["record_type_id"], 2L)) || (values.ContainsKey("target_contact_id") && Equals(ac["record_type_id"], 3L))));
            AddActivityContacts(id, values);
        }

        var echo = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = row["id"] };
        foreach (var (k, v) in values)
        {
            echo[k] = v;
        }

        return WithWriteKeys(echo);
    }

    /// <summary>The site's wall-clock now, as CiviCRM stamps dates (the MySQL session runs in the site's time zone).</summary>
    private string Now() => _server.SiteNow();

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
            var whereTest = CompileAll(where, inJoin: false);
            targets = Store.Table(entity).Where(r => whereTest(new Ctx(entity, r))).ToList();
        }

        var updated = targets.Select(r => UpdateRow(entity, r, values)).ToList();
        return (updated, updated.Count, null);
    }

    private (List<Dictionary<string, object?>>, int, int?) Save(string entity, JsonElement p)
    {
        var defaults = Values(entity, p, "defaults");
        var match = Array(p, "match").Select(m => m.GetString()!).ToArray();

        // As AbstractSaveAction (checked on CiviCRM 6.17): every record is matched first, then the records to create are
        // checked for mandatory fields (one error for the call, nothing written), then each is written in turn; no
        // transaction, so a record refused by the database leaves the records before it written.
        var records = new List<(Dictionary<string, object?> Values, Dictionary<string, object?>? Existing)>();
        var sent = new List<JsonElement>();
        foreach (var record in Array(p, "records"))
        {
            sent.Add(record);
            var values = new Dictionary<string, object?>(defaults, StringComparer.Ordinal);
            Normalize(entity, record, values);
            if (values.GetValueOrDefault("id") is long id)
            {
                // A record with an id is an update; on CiviCRM 6.17 an id that no longer exists (a record deleted meanwhile)
                // is "updated" without error: 200, the record echoed, counted as matched, nothing written.
                records.Add((values, SameRows(entity, ["id"], values).FirstOrDefault(r => r["id"] is long v && v == id) ?? Phantom));
                continue;
            }

            // MatchParamTrait: the record must carry every match field (as sent, before any default is filled in);
            // exactly one existing row matching them all is updated, otherwise a row is created.
            if (match.Length > 0 && match.All(m => values.GetValueOrDefault(m) is not null))
            {
                var hits = SameRows(entity, match, values).Take(2).ToList();
                if (hits.Count == 1)
                {
                    values["id"] = hits[0]["id"];
                    records.Add((values, hits[0]));
                    continue;
                }
            }

            records.Add((values, null));
        }

        if (Required.TryGetValue(entity, out var required))
        {
            var missing = records.Where(r => r.Existing is null && !r.Values.ContainsKey("id"))
                .SelectMany(r =>
                {
                    var filled = new Dictionary<string, object?>(r.Values, StringComparer.Ordinal);
                    ApplyDefaults(entity, filled);
                    return required.Where(f => filled.GetValueOrDefault(f) is null);
                })
                .Distinct(StringComparer.Ordinal).ToArray();
            if (missing.Length > 0)
            {
                throw new FakeApi4Error(500, $"Mandatory values missing from Api4 {entity}::save: {string.Join(", ", missing)}");
            }
        }

        var rows = new List<Dictionary<string, object?>>();
        var matched = 0;
        for (var n = 0; n < records.Count; n++)
        {
            var (values, existing) = records[n];
            RefuseRecord(entity, "save", sent[n]);
            if (ReferenceEquals(existing, Phantom))
            {
                var echo = new Dictionary<string, object?>(values, StringComparer.Ordinal);
                rows.Add(WithWriteKeys(echo));
                matched++;
            }
            else if (existing is not null)
            {
                rows.Add(UpdateRow(entity, existing, values));
                matched++;
            }
            else
            {
                rows.Add(Create(entity, values));
            }
        }

        MarkLastGroupContact(entity, rows);
        return (rows, rows.Count, matched);
    }

    /// <summary>
    /// <see cref="FakeCiviCrmServer.RefuseRecordWhere"/>: a record it refuses fails the call as the database's refusal does
    /// (HTTP 500, its message); the records written before it stay written (CiviCRM 6.17 runs no transaction).
    /// </summary>
    private void RefuseRecord(string entity, string action, JsonElement record)
    {
        if (_server.RefuseRecordWhere?.Invoke(new FakeApi4Record(entity, action, _chainDepth > 0, record.GetRawText())) is { } refusal)
        {
            throw new FakeApi4Error(500, refusal);
        }
    }

    /// <summary>Stands for the missing row of an update by an id that does not exist.</summary>
    private static readonly Dictionary<string, object?> Phantom = [];

    /// <summary>Observed on CiviCRM 6.17: the last row a GroupContact write answers also carries <c>method</c> and <c>tracking</c> (null).</summary>
    private static void MarkLastGroupContact(string entity, List<Dictionary<string, object?>> rows)
    {
        if (entity == "GroupContact" && rows.Count > 0)
        {
            rows[^1]["method"] = null;
            rows[^1]["tracking"] = null;
        }
    }

    private (List<Dictionary<string, object?>>, int, int?) Delete(string entity, JsonElement p)
    {
        var where = Array(p, "where");
        if (where.Length == 0)
        {
            throw new FakeApi4Error(500, $"Cannot delete {entity} with no \"where\" parameter specified");
        }

        var whereTest = CompileAll(where, inJoin: false);
        var doomed = Store.Table(entity).Where(r => whereTest(new Ctx(entity, r))).ToList();
        if (entity == "Contact" && !(p.TryGetProperty("useTrash", out var useTrash) && useTrash.ValueKind == JsonValueKind.False))
        {
            // Contacts go to the trash unless useTrash is false.
            foreach (var row in doomed)
            {
                row["is_deleted"] = true;
            }

            var trashed = doomed.Select(r => new Dictionary<string, object?> { ["id"] = Convert.ToString(r["id"], CultureInfo.InvariantCulture) }).ToList();
            return (trashed, trashed.Count, null);
        }

        foreach (var row in doomed)
        {
            Store.Table(entity).Remove(row);
            if (entity == "Activity")
            {
                Store.Table("ActivityContact").RemoveAll(ac => Equals(ac["activity_id"], row["id"]));
            }

            if (entity == "Contact")
            {
                DeleteContactActivities(row["id"]);
            }
        }

        var values = doomed.Select(r => new Dictionary<string, object?> { ["id"] = Convert.ToString(r["id"], CultureInfo.InvariantCulture) }).ToList();
        return (values, values.Count, null);
    }

    /// <summary>
    /// A contact deleted for good, as CiviCRM 6.17 does it (checked on 6.17.2): the activities it is the source of and that
    /// name no other contact go (<c>CRM_Activity_BAO_Activity::cleanupActivity</c>), and its activity contacts go (the
    /// foreign key cascades), so an activity it was the only target of stays without a target.
    /// </summary>
    private void DeleteContactActivities(object? contactId)
    {
        var links = Store.Table("ActivityContact");
        foreach (var activityId in links.Where(ac => Equals(ac["contact_id"], contactId) && Equals(ac["record_type_id"], 2L)).Select(ac => ac["activity_id"]).Distinct().ToList())
        {
            if (!links.Any(ac => Equals(ac["activity_id"], activityId) && !Equals(ac["contact_id"], contactId)))
            {
                Store.Table("Activity").RemoveAll(a => Equals(a["id"], activityId));
            }
        }

        links.RemoveAll(ac => Equals(ac["contact_id"], contactId));
    }

    private static Dictionary<string, object?> Copy(Dictionary<string, object?> row) => new(row, StringComparer.Ordinal);
}
