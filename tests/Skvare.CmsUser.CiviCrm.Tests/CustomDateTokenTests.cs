using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Date custom fields (<c>{contact.custom_N}</c> of a <c>Select Date</c> field) end to end through the CiviCRM package and
/// the fake CiviCRM: printed as CiviCRM 6.17.2's token processor printed the same values on the real site
/// (<c>WorkflowMessage.render</c>, recording <c>civicrm-6.17.2-customdates-*</c>), in each field's own date and time
/// format, with the display settings read in the one <c>CustomField.get</c> and the values in the page's own
/// <c>Contact.get</c>.
/// </summary>
public sealed class CustomDateTokenTests : IDisposable
{
    // The fresh fake numbers custom fields from 1, in the order the constructor adds them.
    private const int Plain = 1, Full12 = 2, Dots24 = 3, Weekday = 4, NoFormat = 5, Year = 6, MonthDay = 7, Odd = 8, Text = 9;

    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public CustomDateTokenTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.UsernamePattern = $"{{contact.first_name|lower}}{{contact.custom_{Year}|crmDate:\"%Y\"}}";
            o.FallbackUsernamePattern = "{contact.first_name}.{contact.last_name}";
            foreach (var (name, id) in new[] { ("plain", Plain), ("full12", Full12), ("dots24", Dots24), ("weekday", Weekday), ("none", NoFormat), ("md", MonthDay), ("odd", Odd), ("text", Text) })
            {
                o.FieldMappings[$"field_{name}"] = $"{{contact.custom_{id}}}";
            }

            o.FieldMappings["field_bare"] = $"{{contact.custom_{Full12}|crmDate}}";
            o.FieldMappings["field_pattern"] = $"{{contact.custom_{Full12}|crmDate:\"%Z\"}}";
            o.FieldMappings["field_named"] = $"{{contact.custom_{Plain}|crmDate:\"Full\"}}";
            o.FieldMappings["field_upper"] = $"{{contact.custom_{Full12}|upper}}";
            o.FieldMappings["field_default"] = $"{{contact.custom_{NoFormat}|default:\"none\"}}";
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddDateCustomField("dates", "d_plain").Should().Be(Plain);
        _h.Fake.AddDateCustomField("dates", "d_full12", "MM d, yy", 1).Should().Be(Full12);
        _h.Fake.AddDateCustomField("dates", "d_dots24", "dd.mm.yy", 2).Should().Be(Dots24);
        _h.Fake.AddDateCustomField("dates", "d_weekday", "DD, d MM yy").Should().Be(Weekday);
        _h.Fake.AddDateCustomField("dates", "d_none", null).Should().Be(NoFormat);
        _h.Fake.AddDateCustomField("dates", "d_year", "yy", 1).Should().Be(Year);
        _h.Fake.AddDateCustomField("dates", "d_md", "M d", 2).Should().Be(MonthDay);
        _h.Fake.AddDateCustomField("dates", "d_odd", "mm-dd-yy", 1).Should().Be(Odd);
        _h.Fake.AddCustomField("dates", "t_text").Should().Be(Text);
    }

    public void Dispose() => _h.Dispose();

    private long Member(string first, string? value)
    {
        var id = _h.Fake.AddContact(first, "Dates", $"{first.ToLowerInvariant()}@example.org");
        foreach (var field in new[] { Plain, Full12, Dots24, Weekday, NoFormat, Year, MonthDay, Odd })
        {
            _h.Fake.SetCustomValue(id, field, value);
        }

        _h.Fake.AddToGroup(_members, [id]);
        return id;
    }

    [Fact]
    public async Task Date_custom_fields_print_as_CiviCRM_printed_them_on_the_real_site_read_with_the_page()
    {
        Member("Leap", "2000-02-29 13:05:09");
        Member("July", "1985-07-04");
        Member("Morning", "2026-12-02 09:07:00");
        var none = Member("None", null);
        _h.Fake.SetCustomValue(none, Text, "2000-02-29");

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(4);

        var accounts = _cms.Accounts.ToDictionary(a => a.Email);
        accounts["leap@example.org"].Username.Should().Be("leap2000.1.05pm", "|crmDate leaves a custom field's text as it is (the username is then made valid for the CMS)");
        accounts["leap@example.org"].Fields.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["field_plain"] = "02/29/2000",
            ["field_full12"] = "February 29, 2000 1:05PM",
            ["field_dots24"] = "29.02.2000 13:05",
            ["field_weekday"] = "Tuesday, 29 February 2000",
            ["field_md"] = "Feb 29 13:05",
            ["field_bare"] = "February 29, 2000 1:05PM",
            ["field_pattern"] = "February 29, 2000 1:05PM",
            ["field_named"] = "02/29/2000",
            ["field_upper"] = "FEBRUARY 29, 2000 1:05PM",
            ["field_default"] = "none",
        }, "a field without a date format, or with one CiviCRM does not know, prints nothing");
        accounts["july@example.org"].Fields.Should().Contain("field_full12", "July 4, 1985 12:00AM").And.Contain("field_dots24", "04.07.1985 0:00")
            .And.Contain("field_weekday", "Thursday, 4 July 1985").And.Contain("field_md", "Jul 4 0:00");
        accounts["july@example.org"].Username.Should().Be("july1985.12.00am");
        accounts["morning@example.org"].Fields.Should().Contain("field_plain", "12/02/2026").And.Contain("field_full12", "December 2, 2026 9:07AM")
            .And.Contain("field_dots24", "02.12.2026 9:07").And.Contain("field_weekday", "Wednesday, 2 December 2026");
        accounts["none@example.org"].Username.Should().Be("none.dates", "an empty date prints nothing: the fallback pattern");
        accounts["none@example.org"].Fields.Should().BeEquivalentTo(new Dictionary<string, string> { ["field_text"] = "2000-02-29", ["field_default"] = "none" }, "a text field's date-like text is text");

        _h.Fake.CallCount("CustomField", "get").Should().Be(1, "the fields' display settings come with their look-up, once per process");
        _h.Fake.CallCount("Setting", "get").Should().Be(0, "a custom field prints with its own format, not the site's");
        _h.Fake.Requests.Count(r => r.ParamsJson?.Contains("dates.d_plain", StringComparison.Ordinal) == true).Should().Be(1, "the values come with the page's own read");
    }

    [Fact]
    public async Task A_value_that_is_not_a_date_fails_that_contact_only_and_is_never_printed()
    {
        var bad = Member("Bad", null);
        _h.Fake.SetCustomValue(bad, Full12, "secret-not-a-date");
        Member("Good", "1999-12-31 23:59:00");

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(1);
        _cms.Accounts.Should().ContainSingle().Which.Fields["field_full12"].Should().Be("December 31, 1999 11:59PM");
        summary.Failures.Should().ContainSingle(o => o.ContactId == bad)
            .Which.Error!.Message.Should().Contain("dates.d_full12").And.NotContain("secret");
    }
}
