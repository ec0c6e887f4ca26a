using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The contact read with every contact token's field and five custom fields (<c>civicrm-6.17.2-tokens-*</c>): the
/// identity, the custom fields' look-up, the <c>Contact.get</c> and the other domains' links, against
/// <see cref="FakeCiviCrmServer"/> seeded through its public seeding API with the README's data. Beyond the generic
/// comparison (keys), every value of every row must be the real one.
/// </summary>
public sealed class CiviCrmTokensAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        Civi.Store.SetNextId("Contact", 2);
        Civi.ApiContactId = Civi.AddContact(null, null, "civi-admin@example.org", c => c["display_name"] = "civi-admin@example.org");

        // README: custom group kit16_extra with fields 1–5 (option groups 104 and 105).
        var memberNo = Civi.AddCustomField("kit16_extra", "kit16_member_no");
        var level = Civi.AddCustomField("kit16_extra", "kit16_level", "Int");
        Civi.Store.SetNextId("OptionGroup", 104);
        var colour = Civi.AddCustomField("kit16_extra", "kit16_colour", "String", "Select", new Dictionary<string, string> { ["r"] = "Red", ["g"] = "Green" });
        var tags = Civi.AddCustomField("kit16_extra", "kit16_tags", "String", "CheckBox", new Dictionary<string, string> { ["a"] = "Alpha", ["b"] = "Beta" });
        var flag = Civi.AddCustomField("kit16_extra", "kit16_flag", "Boolean", "Radio");

        // README: organization 4525, Ana 4526 (employed by it, address, phone, IM, website, every custom field), Bea 4527.
        Civi.Store.SetNextId("Contact", 4525);
        var acme = Civi.AddContact(null, null, null, c =>
        {
            c["contact_type"] = "Organization";
            c["display_name"] = c["sort_name"] = c["addressee_display"] = "kit16_Acme Ltd";
            c["preferred_language:label"] = "English (United States)";
            c["communication_style_id:label"] = "Formal";
        });
        var ana = Civi.AddContact("kit16_Ana", "Lima", "kit16.ana@example.org", c => c["display_name"] = "Dr. kit16_Ana Lima");
        foreach (var (field, value) in new (string, object?)[]
        {
            ("job_title", "Engineer"), ("source", "kit16 import"), ("prefix_id:label", "Dr."), ("gender_id:label", "Female"),
            ("email_greeting_display", "Dear kit16_Ana"), ("postal_greeting_display", "Dear kit16_Ana"), ("addressee_display", "Dr. kit16_Ana Lima"),
            ("employer_id", acme), ("address_primary.id", 1L), ("address_primary.location_type_id:label", "Home"),
            ("address_primary.street_address", "12 Rua Nova"), ("address_primary.supplemental_address_1", "Apt 3"), ("address_primary.city", "Porto"),
            ("address_primary.postal_code", "4000-123"), ("address_primary.country_id:label", "Portugal"), ("address_primary.country_id:abbr", "PT"),
            ("address_primary.country_id.region_id:name", "Europe and Central Asia"), ("phone_primary.phone", "+351 22 123 4567"),
            ("phone_primary.phone_ext", "89"), ("phone_primary.phone_type_id:label", "Mobile"), ("im_primary.name", "ana_im"), ("im_primary.provider_id:label", "Skype"),
        })
        {
            Civi.SetContactValue(ana, field, value);
        }

        Civi.SetCustomValue(ana, memberNo, "M-0042");
        Civi.SetCustomValue(ana, level, 7);
        Civi.SetCustomValue(ana, colour, "g");
        Civi.SetCustomValue(ana, tags, new[] { "a", "b" });
        Civi.SetCustomValue(ana, flag, true);
        var bea = Civi.AddContact("kit16_Bea", "Sá", "kit16.bea@example.org");
        foreach (var (field, value) in new (string, object?)[] { ("email_greeting_display", "Dear kit16_Bea"), ("postal_greeting_display", "Dear kit16_Bea"), ("addressee_display", "kit16_Bea Sá") })
        {
            Civi.SetContactValue(bea, field, value);
        }

        Civi.SetCustomValue(bea, memberNo, "B-7");
        Civi.SetCustomValue(bea, level, 0);
        Civi.SetCustomValue(bea, flag, false);
        foreach (var contact in new[] { ana, bea })
        {
            Civi.SetContactValue(contact, "communication_style_id:label", "Formal");
            Civi.SetContactValue(contact, "preferred_language:label", "English (United States)");
        }
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body) => ValueDifferences(expected, body);
}
