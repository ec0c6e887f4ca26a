namespace Skvare.CmsUser.Usernames;

/// <summary>
/// The contact tokens a pattern may use beyond the standard ones: CiviCRM's own contact tokens (as CiviCRM 6.17.2 lists
/// them for a message, <c>CRM_Core_SelectValues::contactTokens()</c>), each named by the API v4 field path it reads, and
/// the older names CiviCRM still renders (<c>CRM_Contact_Tokens::getDeprecatedTokens()</c> and its related-entity
/// mapping: <c>{contact.city}</c> is <c>{contact.address_primary.city}</c>). So a pattern or field mapping written for the
/// reference extension, which rendered them with CiviCRM's token processor, works unchanged. Each is read with the
/// contact (one more column of the same <c>Contact.get</c>), not with a request of its own.
/// </summary>
/// <remarks>
/// Left out on purpose: <c>checksum</c>, <c>checksum_value</c> and <c>hash</c> (they open CiviCRM pages as the contact, a
/// credential in a username or a CMS field), email signatures, and the flags (<c>do_not_email</c>, <c>is_opt_out</c>, …).
/// The dates are <see cref="DateTokens"/> (printed by the contact read, as CiviCRM prints them).
/// A token outside this list and the standard ones is a configuration error at start, as before.
/// </remarks>
internal static class ContactTokens
{
    /// <summary>Token name (after <c>contact.</c>) → the API v4 <c>Contact</c> field path it reads.</summary>
    public static IReadOnlyDictionary<string, string> Fields { get; } = Build();

    /// <summary>Older token names that CiviCRM maps onto a standard token (<c>{contact.email_primary.email}</c> is <c>{contact.email}</c>).</summary>
    public static IReadOnlyDictionary<string, string> StandardAliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["email_primary.email"] = "email",
        ["primary_email.email"] = "email",
    };

    private static Dictionary<string, string> Build()
    {
        string[] advertised =
        [
            "sort_name", "job_title", "formal_title", "source", "prefix_id:label", "suffix_id:label", "gender_id:label",
            "contact_type:label", "communication_style_id:label", "preferred_communication_method:label", "preferred_language:label",
            "email_greeting_display", "postal_greeting_display", "addressee_display", "employer_id", "employer_id.display_name",
            "image_URL",
            "address_primary.id", "address_primary.location_type_id:label", "address_primary.street_address", "address_primary.street_number",
            "address_primary.street_number_suffix", "address_primary.street_name", "address_primary.street_unit",
            "address_primary.supplemental_address_1", "address_primary.supplemental_address_2", "address_primary.supplemental_address_3",
            "address_primary.city", "address_primary.county_id:label", "address_primary.postal_code_suffix", "address_primary.postal_code",
            "address_primary.country_id:label", "address_primary.country_id:abbr", "address_primary.country_id.region_id:name",
            "address_primary.state_province_id:abbr", "address_primary.name", "address_primary.master_id",
            "address_primary.geo_code_1", "address_primary.geo_code_2",
            "phone_primary.phone", "phone_primary.phone_ext", "phone_primary.phone_type_id:label",
            "website_first.url", "im_primary.name", "im_primary.provider_id:label",
        ];
        var fields = advertised.ToDictionary(name => name, name => name, StringComparer.Ordinal);
        var legacy = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["individual_prefix"] = "prefix_id:label",
            ["individual_suffix"] = "suffix_id:label",
            ["contact_type"] = "contact_type:label",
            ["gender"] = "gender_id:label",
            ["communication_style"] = "communication_style_id:label",
            ["preferred_communication_method"] = "preferred_communication_method:label",
            ["email_greeting"] = "email_greeting_display",
            ["postal_greeting"] = "postal_greeting_display",
            ["addressee"] = "addressee_display",
            ["contact_source"] = "source",
            ["current_employer_id"] = "employer_id",
            ["current_employer"] = "employer_id.display_name",
            ["phone"] = "phone_primary.phone",
            ["phone_ext"] = "phone_primary.phone_ext",
            ["phone_type"] = "phone_primary.phone_type_id:label",
            ["phone_type_id:label"] = "phone_primary.phone_type_id:label",
            ["location_type"] = "address_primary.location_type_id:label",
            ["location_type_id:label"] = "address_primary.location_type_id:label",
            ["street_address"] = "address_primary.street_address",
            ["address_id"] = "address_primary.id",
            ["address_name"] = "address_primary.name",
            ["street_number"] = "address_primary.street_number",
            ["street_number_suffix"] = "address_primary.street_number_suffix",
            ["street_name"] = "address_primary.street_name",
            ["street_unit"] = "address_primary.street_unit",
            ["supplemental_address_1"] = "address_primary.supplemental_address_1",
            ["supplemental_address_2"] = "address_primary.supplemental_address_2",
            ["supplemental_address_3"] = "address_primary.supplemental_address_3",
            ["city"] = "address_primary.city",
            ["postal_code"] = "address_primary.postal_code",
            ["postal_code_suffix"] = "address_primary.postal_code_suffix",
            ["geo_code_1"] = "address_primary.geo_code_1",
            ["geo_code_2"] = "address_primary.geo_code_2",
            ["master_id"] = "address_primary.master_id",
            ["county"] = "address_primary.county_id:label",
            ["state_province"] = "address_primary.state_province_id:abbr",
            ["country"] = "address_primary.country_id:label",
            ["world_region"] = "address_primary.country_id.region_id:name",
            ["im"] = "im_primary.name",
            ["im_provider"] = "im_primary.provider_id:label",
            ["url"] = "website_first.url",
        };
        foreach (var (name, path) in legacy)
        {
            fields[name] = path;
        }

        // CiviCRM also reads the briefly used 'primary_address.city' spelling of each related-entity token.
        foreach (var path in fields.Values.Distinct(StringComparer.Ordinal).ToArray())
        {
            var old = path.Replace("address_primary.", "primary_address.", StringComparison.Ordinal)
                .Replace("phone_primary.", "primary_phone.", StringComparison.Ordinal)
                .Replace("im_primary.", "primary_im.", StringComparison.Ordinal)
                .Replace("website_first.", "primary_website.", StringComparison.Ordinal);
            if (old != path)
            {
                fields.TryAdd(old, path);
            }
        }

        return fields;
    }
}
