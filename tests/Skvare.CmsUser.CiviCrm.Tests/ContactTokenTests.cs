using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A username pattern and field mappings with CiviCRM's address, phone, employer and custom field tokens, end to end
/// through the CiviCRM package and <see cref="Testing.CiviCrm.FakeCiviCrmServer"/> (which answers those fields as
/// CiviCRM 6.17.2 does: recording <c>civicrm-6.17.2-tokens-*</c>).
/// </summary>
public sealed class ContactTokenTests : IDisposable
{
    // The fresh fake numbers custom fields from 1, in the order the constructor adds them.
    private const int MemberNo = 1, Colour = 2, Tags = 3, Flag = 4;

    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public ContactTokenTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.UsernamePattern = $"{{contact.custom_{MemberNo}|lower}}.{{contact.city|lower}}";
            o.FallbackUsernamePattern = "{contact.first_name}.{contact.last_name}";
            o.FieldMappings["field_city"] = "{contact.address_primary.city}";
            o.FieldMappings["field_country"] = "{contact.address_primary.country_id:abbr}";
            o.FieldMappings["field_phone"] = "{contact.phone}";
            o.FieldMappings["field_employer"] = "{contact.current_employer}";
            o.FieldMappings["field_prefix"] = "{contact.individual_prefix}";
            o.FieldMappings["field_colour"] = $"{{contact.custom_{Colour}}}";
            o.FieldMappings["field_tags"] = $"{{contact.custom_{Tags}}}";
            o.FieldMappings["field_flag"] = $"{{contact.custom_{Flag}}}";
            o.FieldMappings["field_missing"] = "{contact.custom_999|default:\"none\"}";
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddCustomField("extra", "member_no").Should().Be(MemberNo);
        _h.Fake.AddCustomField("extra", "colour", "String", "Select", new Dictionary<string, string> { ["r"] = "Red", ["g"] = "Green" }).Should().Be(Colour);
        _h.Fake.AddCustomField("extra", "tags", "String", "CheckBox", new Dictionary<string, string> { ["a"] = "Alpha", ["b"] = "Beta" }).Should().Be(Tags);
        _h.Fake.AddCustomField("extra", "flag", "Boolean", "Radio").Should().Be(Flag);
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Address_phone_employer_and_custom_field_tokens_fill_the_username_and_the_mapped_fields()
    {
        var acme = _h.Fake.AddContact(null, null, null, c => (c["contact_type"], c["display_name"]) = ("Organization", "Acme Ltd"));
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.SetContactValue(ana, "address_primary.city", "Porto");
        _h.Fake.SetContactValue(ana, "address_primary.country_id:abbr", "PT");
        _h.Fake.SetContactValue(ana, "phone_primary.phone", "+351 22 123 4567");
        _h.Fake.SetContactValue(ana, "prefix_id:label", "Dr.");
        _h.Fake.SetContactValue(ana, "employer_id", acme);
        _h.Fake.SetCustomValue(ana, MemberNo, "M-0042");
        _h.Fake.SetCustomValue(ana, Colour, "g");
        _h.Fake.SetCustomValue(ana, Tags, new[] { "a", "b" });
        _h.Fake.SetCustomValue(ana, Flag, true);
        _h.Fake.AddToGroup(_members, [ana]);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        var account = _cms.Accounts.Should().ContainSingle().Which;
        account.Username.Should().Be("m-0042.porto");
        account.Fields.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["field_city"] = "Porto", ["field_country"] = "PT", ["field_phone"] = "+351 22 123 4567", ["field_employer"] = "Acme Ltd",
            ["field_prefix"] = "Dr.", ["field_colour"] = "Green", ["field_tags"] = "Alpha, Beta", ["field_flag"] = "Yes", ["field_missing"] = "none",
        }, "CiviCRM's token processor prints an option's label, several labels joined with \", \" and Yes/No");
    }

    [Fact]
    public async Task A_contact_without_the_tokens_values_gets_the_fallback_username_and_no_such_fields()
    {
        var bea = _h.Fake.AddContact("Bea", "Souza", "bea@example.org");
        _h.Fake.SetCustomValue(bea, Flag, false);
        _h.Fake.AddToGroup(_members, [bea]);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        var account = _cms.Accounts.Should().ContainSingle().Which;
        account.Username.Should().Be("bea.souza");
        account.Fields.Should().BeEquivalentTo(new Dictionary<string, string> { ["field_flag"] = "No", ["field_missing"] = "none" });
    }

    [Fact]
    public async Task Custom_fields_are_read_by_their_API_v4_name_and_looked_up_once_per_process()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.SetCustomValue(ana, MemberNo, "M-1");
        _h.Fake.AddToGroup(_members, [ana]);
        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);
        var bea = _h.Fake.AddContact("Bea", "Souza", "bea@example.org");
        _h.Fake.AddToGroup(_members, [bea]);
        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        _h.Fake.CallCount("CustomField", "get").Should().Be(1, "the custom fields' names are looked up once, not per read");
        var reads = _h.Fake.Requests.Where(r => r.Entity == "Contact" && r.ParamsJson?.Contains("email_primary.email", StringComparison.Ordinal) == true).ToArray();
        reads.Should().NotBeEmpty().And.OnlyContain(r => r.ParamsJson!.Contains("\"extra.member_no\"", StringComparison.Ordinal) && r.ParamsJson.Contains("\"extra.colour:label\"", StringComparison.Ordinal)
            && !r.ParamsJson.Contains("custom_", StringComparison.Ordinal) && !r.ParamsJson.Contains("member_no:label", StringComparison.Ordinal),
            "API v4 drops custom_N, and a label of a field without options fails the whole read");
        _cms.Accounts.Select(a => a.Username).Should().BeEquivalentTo("ana.lima", "bea.souza");
    }
}
