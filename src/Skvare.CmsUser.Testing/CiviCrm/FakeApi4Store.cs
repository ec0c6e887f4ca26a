using System.Globalization;
using System.Text.Json;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>The tables of the fake CiviCRM: rows are field → value (long, string, bool, or null).</summary>
public sealed class FakeApi4Store
{
    private readonly Dictionary<string, List<Dictionary<string, object?>>> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _nextIds = new(StringComparer.Ordinal);

    /// <summary>Entities known to the fake, with the fields a <c>where</c> may name.</summary>
    public static IReadOnlyDictionary<string, string[]> Schema { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Contact"] = ["id", "contact_type", "first_name", "middle_name", "last_name", "nick_name", "display_name", "sort_name", "external_identifier", "preferred_language", "is_deleted", "is_deceased", "api_key", "created_date", "modified_date", "email_primary", "groups", "tags"],
        ["Email"] = ["id", "contact_id", "email", "is_primary", "on_hold", "location_type_id"],
        ["Website"] = ["id", "contact_id", "url", "website_type_id"],
        ["Group"] = ["id", "name", "title", "saved_search_id", "is_active", "is_hidden"],
        ["GroupContact"] = ["id", "group_id", "contact_id", "status"],
        ["SubscriptionHistory"] = ["id", "contact_id", "group_id", "date", "method", "status", "tracking"],
        ["Tag"] = ["id", "name", "label", "parent_id"],
        ["EntityTag"] = ["id", "entity_table", "entity_id", "tag_id"],
        ["SavedSearch"] = ["id", "name", "label", "api_entity", "api_params"],
        ["UFMatch"] = ["id", "domain_id", "uf_id", "uf_name", "contact_id", "language"],
        ["Activity"] = ["id", "activity_type_id", "status_id", "subject", "details", "result", "source_record_id", "activity_date_time", "priority_id", "created_date", "modified_date", "is_deleted", "is_test", "source_contact_id", "target_contact_id", "assignee_contact_id"],
        ["ActivityContact"] = ["id", "activity_id", "contact_id", "record_type_id"],
        ["OptionGroup"] = ["id", "name", "title"],
        ["OptionValue"] = ["id", "option_group_id", "name", "label", "value", "is_active", "is_reserved", "filter", "weight"],
        ["Domain"] = ["id", "name"],
        ["User"] = ["id", "domain_id", "uf_id", "uf_name", "contact_id", "username", "hashed_password", "is_active", "timezone", "language", "when_created", "when_updated", "when_last_accessed", "roles", "password_reset_token"],
        ["Role"] = ["id", "name", "label", "is_active"],
        ["CustomGroup"] = ["id", "name", "title", "extends", "is_active", "table_name"],
        ["CustomField"] = ["id", "custom_group_id", "name", "label", "data_type", "html_type", "option_group_id", "serialize", "is_active", "column_name", "date_format", "time_format"],
    };

    internal FakeApi4Store()
    {
        foreach (var entity in Schema.Keys)
        {
            _tables[entity] = [];
            _nextIds[entity] = 1;
        }

        // On Standalone the User entity IS the UFMatch table.
        _tables["User"] = _tables["UFMatch"];

        Insert("Domain", new() { ["name"] = "Default Domain Name" });
        Insert("OptionGroup", new() { ["name"] = "activity_type", ["title"] = "Activity Type" });
        Insert("OptionGroup", new() { ["name"] = "activity_status", ["title"] = "Activity Status" });
        Insert("OptionGroup", new() { ["name"] = "activity_contacts", ["title"] = "Activity Contacts" });
        foreach (var (name, value) in new[] { ("Meeting", 1L), ("Phone Call", 2L), ("Email", 3L) })
        {
            Insert("OptionValue", new() { ["option_group_id"] = 1L, ["name"] = name, ["label"] = name, ["value"] = value.ToString(CultureInfo.InvariantCulture), ["is_active"] = true });
        }

        var status = 1L;
        foreach (var name in new[] { "Scheduled", "Completed", "Cancelled", "Left Message", "Unreachable", "Not Required", "Available", "No_show" })
        {
            Insert("OptionValue", new() { ["option_group_id"] = 2L, ["name"] = name, ["label"] = name, ["value"] = (status++).ToString(CultureInfo.InvariantCulture), ["is_active"] = true });
        }

        foreach (var (name, value) in new[] { ("Activity Assignees", "1"), ("Activity Source", "2"), ("Activity Targets", "3") })
        {
            Insert("OptionValue", new() { ["option_group_id"] = 3L, ["name"] = name, ["label"] = name, ["value"] = value, ["is_active"] = true });
        }
    }

    /// <summary>The rows of an entity (live list; lock the server's gate when changing it).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows(string entity) => Table(entity).ToArray();

    internal List<Dictionary<string, object?>> Table(string entity) => _tables[entity];

    /// <summary>
    /// Makes the next row of <paramref name="entity"/> get id <paramref name="nextId"/> (to seed the ids of a real
    /// site's data). Ids only grow: a value at or below an id in use is refused.
    /// </summary>
    /// <param name="entity">The entity, e.g. <c>Contact</c>.</param>
    /// <param name="nextId">The id the next inserted row gets.</param>
    public void SetNextId(string entity, long nextId)
    {
        var key = entity == "User" ? "UFMatch" : entity;
        if (!_nextIds.TryGetValue(key, out var current))
        {
            throw new ArgumentException($"Unknown entity '{entity}'.", nameof(entity));
        }

        if (nextId < current)
        {
            throw new ArgumentOutOfRangeException(nameof(nextId), nextId, $"{entity} ids up to {current - 1} may be in use; the next id must be at least {current}.");
        }

        _nextIds[key] = nextId;
    }

    internal Dictionary<string, object?> Insert(string entity, Dictionary<string, object?> row)
    {
        var id = _nextIds[entity == "User" ? "UFMatch" : entity]++;
        row["id"] = id;
        _tables[entity].Add(row);
        return row;
    }

    internal Dictionary<string, object?>? Find(string entity, long id) => _tables[entity].FirstOrDefault(r => r["id"] is long v && v == id);

    /// <summary>Maps a pseudoconstant <c>name</c> to its stored value, or <see langword="null"/> when unknown.</summary>
    internal object? OptionValueFor(string entity, string field, string name)
    {
        var group = OptionGroupFor(entity, field);
        if (group is null)
        {
            return null;
        }

        if (group == "option_group")
        {
            return _tables["OptionGroup"].FirstOrDefault(r => Same(r["name"], name))?["id"];
        }

        var groupId = _tables["OptionGroup"].First(r => Same(r["name"], group))["id"];
        var option = _tables["OptionValue"].FirstOrDefault(r => Equals(r["option_group_id"], groupId) && Same(r["name"], name));
        return option?["value"] is string v && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>Maps a stored value to its pseudoconstant <c>name</c>.</summary>
    internal string? OptionNameFor(string entity, string field, object? value)
    {
        var group = OptionGroupFor(entity, field);
        if (group is null || value is null)
        {
            return null;
        }

        if (group == "option_group")
        {
            return _tables["OptionGroup"].FirstOrDefault(r => Equals(r["id"], value))?["name"] as string;
        }

        var groupId = _tables["OptionGroup"].First(r => Same(r["name"], group))["id"];
        var text = Convert.ToString(value, CultureInfo.InvariantCulture);
        return _tables["OptionValue"].FirstOrDefault(r => Equals(r["option_group_id"], groupId) && Same(r["value"], text))?["name"] as string;
    }

    internal static string? OptionGroupFor(string entity, string field) => (entity, field) switch
    {
        ("Activity", "activity_type_id") => "activity_type",
        ("Activity", "status_id") => "activity_status",
        ("ActivityContact", "record_type_id") => "activity_contacts",
        ("OptionValue", "option_group_id") => "option_group",
        _ => null,
    };

    internal static bool Same(object? a, object? b) =>
        string.Equals(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase);

    /// <summary>Converts a JSON value into the store's representation.</summary>
    internal static object? FromJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => value.GetRawText(),
        _ => null,
    };
}
