using System.Globalization;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>
/// The Contact fields beyond the fake's schema that CiviCRM's contact tokens read (checked on CiviCRM 6.17.2, recording
/// <c>civicrm-6.17.2-tokens-wordpress-6.1.9</c>): the primary address, phone and IM, option labels, greetings; the
/// implicit joins of a foreign key (<c>employer_id.display_name</c>, <c>custom_group_id.name</c>); and custom fields
/// as API v4 names them (<c>group_name.field_name</c>, <c>…:label</c>).
/// </summary>
internal sealed partial class FakeApi4Engine
{
    /// <summary>
    /// The Contact field paths CiviCRM 6.17.2 answers (<see langword="null"/> when the contact has no such value) that the
    /// fake keeps as seeded on the contact's row under the path itself. <c>website_first.*</c> is not one: CiviCRM knows
    /// it only through an explicit <c>Website AS website_first</c> join, and drops it from a plain select.
    /// </summary>
    internal static IReadOnlySet<string> ContactValuePaths { get; } = new HashSet<string>(
    [
        "job_title", "formal_title", "source", "prefix_id:label", "suffix_id:label", "gender_id:label", "contact_type:label",
        "communication_style_id:label", "preferred_communication_method:label", "preferred_language:label", "email_greeting_display",
        "postal_greeting_display", "addressee_display", "employer_id", "image_URL", "birth_date", "deceased_date",
        "address_primary.id", "address_primary.location_type_id:label", "address_primary.street_address", "address_primary.street_number",
        "address_primary.street_number_suffix", "address_primary.street_name", "address_primary.street_unit",
        "address_primary.supplemental_address_1", "address_primary.supplemental_address_2", "address_primary.supplemental_address_3",
        "address_primary.city", "address_primary.county_id:label", "address_primary.postal_code_suffix", "address_primary.postal_code",
        "address_primary.country_id:label", "address_primary.country_id:abbr", "address_primary.country_id.region_id:name",
        "address_primary.state_province_id:abbr", "address_primary.state_province_id:label", "address_primary.name", "address_primary.master_id",
        "address_primary.geo_code_1", "address_primary.geo_code_2",
        "phone_primary.phone", "phone_primary.phone_ext", "phone_primary.phone_type_id:label",
        "im_primary.name", "im_primary.provider_id:label",
    ], StringComparer.Ordinal);

    /// <summary>
    /// Whether a selected field is one of an individual's own (names, prefix, gender, job, employer), which CiviCRM leaves
    /// out of the row of an organization or household (the key is absent, not null) when the select names the contact's
    /// type (<c>FormattingUtil::contactFieldsToRemove</c>: it knows the row's type only then); a join through it stays.
    /// </summary>
    private static bool IsIndividualOnly(IReadOnlyDictionary<string, object?> contact, string field, List<string> select)
    {
        if (contact.GetValueOrDefault("contact_type") is not string type || type == "Individual"
            || !select.Exists(f => f == "contact_type" || f.StartsWith("contact_type:", StringComparison.Ordinal)))
        {
            return false;
        }

        var colon = field.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? field : field[..colon]) is "first_name" or "middle_name" or "last_name" or "prefix_id" or "suffix_id"
            or "formal_title" or "job_title" or "gender_id" or "birth_date" or "is_deceased" or "deceased_date" or "employer_id";
    }

    /// <summary>Foreign keys read through an implicit join (<c>employer_id.display_name</c>): (entity, field) → the entity it names.</summary>
    private static string? ForeignKey(string entity, string field) => (entity, field) switch
    {
        ("Contact", "employer_id") => "Contact",
        ("CustomField", "custom_group_id") => "CustomGroup",
        _ => null,
    };

    /// <summary>
    /// The paths <see cref="Resolve"/> reads beyond the schema and aliases: a seeded contact value, a foreign key's implicit
    /// join, a custom field. <see langword="false"/> for any other path.
    /// </summary>
    private bool ResolveMore(Ctx ctx, string path, PathParts parts, out object? value)
    {
        value = null;
        if (ctx.Entity == "Contact" && ContactValuePaths.Contains(path))
        {
            value = ctx.Row.GetValueOrDefault(path) ?? (path == "contact_type:label" ? ctx.Row.GetValueOrDefault("contact_type") : null);
            return true;
        }

        if (parts.Prefix is null)
        {
            return false;
        }

        if (ForeignKey(ctx.Entity, parts.Prefix) is { } target)
        {
            var joined = ctx.Row.GetValueOrDefault(parts.Prefix) is long id ? Store.Find(target, id) : null;
            value = Resolve(new Ctx(target, joined ?? new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = null }), parts.Suffix is null ? parts.Field : parts.Field + ":" + parts.Suffix, quiet: false);
            return true;
        }

        if (ctx.Entity == "Contact" && CustomFieldNamed(parts.Prefix, parts.Field) is { } field)
        {
            value = CustomValue(ctx.Row, field, parts);
            return true;
        }

        return false;
    }

    /// <summary>Whether <see cref="ResolveMore"/> reads this path of <paramref name="entity"/>.</summary>
    private bool ResolvesMore(string path, string entity)
    {
        var parts = PathOf(path);
        return (entity == "Contact" && ContactValuePaths.Contains(path))
            || (parts.Prefix is not null && (ForeignKey(entity, parts.Prefix) is not null || (entity == "Contact" && CustomFieldNamed(parts.Prefix, parts.Field) is not null)));
    }

    private Dictionary<string, object?>? CustomFieldNamed(string group, string name)
    {
        var groupId = Store.Table("CustomGroup").FirstOrDefault(g => FakeApi4Store.Same(g.GetValueOrDefault("name"), group))?["id"];
        return groupId is null ? null : Store.Table("CustomField").FirstOrDefault(f => Equals(f.GetValueOrDefault("custom_group_id"), groupId) && FakeApi4Store.Same(f.GetValueOrDefault("name"), name));
    }

    /// <summary>A custom field's value as API v4 answers it: the stored value, or with <c>:label</c> its option label(s).</summary>
    private object? CustomValue(IReadOnlyDictionary<string, object?> contact, Dictionary<string, object?> field, PathParts parts)
    {
        var stored = contact.GetValueOrDefault(CustomFieldName((long)field["id"]!));
        if (parts.Suffix is null)
        {
            return field.GetValueOrDefault("data_type") switch
            {
                "Date" => DateValue(stored, field.GetValueOrDefault("time_format") is long and not 0),
                // FormattingUtil::convertDataType: a money or decimal field's value is a float.
                "Money" or "Float" when stored is long or string => double.TryParse(Convert.ToString(stored, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : 0d,
                _ => stored,
            };
        }

        var boolean = Equals(field.GetValueOrDefault("data_type"), "Boolean");
        if (parts.Suffix != "label" || (field.GetValueOrDefault("option_group_id") is null && !boolean))
        {
            // CiviCRM fails the whole get here, not only the field.
            throw new FakeApi4Error(500, $"No option list found for '{parts.Path}'") { FailsSelect = true };
        }

        string? Label(object? value) => boolean
            ? value is bool b ? (b ? "Yes" : "No") : null
            : Store.Table("OptionValue").FirstOrDefault(o => Equals(o["option_group_id"], field["option_group_id"]) && FakeApi4Store.Same(o["value"], value))?["label"] as string;

        return stored switch
        {
            null => null,
            List<object?> list => list.Count == 0 ? null : list.Select(v => (object?)Label(v)).ToList(),
            _ => Label(stored),
        };
    }

    /// <summary>
    /// A date field's value as API v4 answers it (CiviCRM 6.17.2): <c>yyyy-MM-dd</c> for a field without a time format,
    /// <c>yyyy-MM-dd HH:mm:ss</c> (midnight for a value stored without a time) for one with.
    /// </summary>
    private static object? DateValue(object? stored, bool withTime) =>
        stored is string text && DateTime.TryParseExact(text, ["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.ToString(withTime ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : stored;

    /// <summary>The text form of a custom field id (<c>custom_12</c>).</summary>
    internal static string CustomFieldName(long id) => "custom_" + id.ToString(CultureInfo.InvariantCulture);
}
