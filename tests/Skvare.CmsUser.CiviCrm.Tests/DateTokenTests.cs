using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The contact's date tokens end to end through the CiviCRM package and the fake CiviCRM: printed as CiviCRM 6.17.2's token
/// processor printed them for the same dates on the real site (<c>WorkflowMessage.render</c>, recording
/// <c>civicrm-6.17.2-dates-*</c>), read in the page's own <c>Contact.get</c>, with the site's date formats read once
/// per process and only when a token needs them.
/// </summary>
public sealed class DateTokenTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public DateTokenTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.UsernamePattern = "{contact.first_name}{contact.birth_date|crmDate:\"%Y\"}";
            o.FallbackUsernamePattern = "{contact.first_name}.{contact.last_name}";
            o.FieldMappings["field_born"] = "{contact.birth_date}";
            o.FieldMappings["field_bare"] = "{contact.birth_date|crmDate}";
            o.FieldMappings["field_short"] = "{contact.birth_date|crmDate:\"shortdate\"}";
            o.FieldMappings["field_all"] = "{contact.birth_date|crmDate:\"%A %a %b %B %d %e %E %f %H %h %I %k %l %m %M %i %p %P %Y %y %s %S %D %%Y %x\"}";
            o.FieldMappings["field_made"] = "{contact.created_date}";
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Dates_print_as_CiviCRM_printed_them_on_the_real_site_read_with_the_page_and_one_Setting_get()
    {
        var leap = _h.Fake.AddContact("Leap", "Day", "leap@example.org", row => row["created_date"] = "2026-12-02 07:36:56");
        _h.Fake.SetContactValue(leap, "birth_date", "2000-02-29");
        var july = _h.Fake.AddContact("Plain", "July", "july@example.org", row => row["created_date"] = "2026-12-02 12:05:00");
        _h.Fake.SetContactValue(july, "birth_date", "1985-07-04");
        var none = _h.Fake.AddContact("None", "Nodate", "none@example.org");
        _h.Fake.AddToGroup(_members, [leap, july, none]);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(3);

        var accounts = _cms.Accounts.ToDictionary(a => a.Email);
        accounts["leap@example.org"].Username.Should().Be("leap2000");
        accounts["leap@example.org"].Fields.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["field_born"] = "February 29th, 2000",
            ["field_bare"] = "February 29th, 2000 12:00 AM",
            ["field_short"] = "02/29/2000",
            ["field_all"] = "Tuesday Tue Feb February 29 29 29 th 00 12 12  0 12 02 00 00 am AM 2000 00 00 00 02/29/00 %2000 %x",
            ["field_made"] = "December 2nd, 2026  7:36 AM",
        });
        accounts["july@example.org"].Fields["field_born"].Should().Be("July 4th, 1985");
        accounts["july@example.org"].Fields["field_made"].Should().Be("December 2nd, 2026 12:05 PM");
        accounts["none@example.org"].Username.Should().Be("none.nodate", "an empty date prints nothing: the fallback pattern");
        accounts["none@example.org"].Fields.Should().BeEmpty("an empty date prints nothing, whatever the format");
        _h.Fake.CallCount("Setting", "get").Should().Be(1, "the site's date formats are read once");
        _h.Fake.Requests.Count(r => r.ParamsJson?.Contains("birth_date", StringComparison.Ordinal) == true).Should().Be(1, "the dates come with the page's own read (one page), not a read of their own");

        var later = _h.Fake.AddContact("Later", "One", "later@example.org");
        _h.Fake.SetContactValue(later, "birth_date", "1999-12-31");
        _h.Fake.AddToGroup(_members, [later]);
        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);
        _h.Fake.CallCount("Setting", "get").Should().Be(1, "not again in the same process");
    }

    [Fact]
    public async Task The_sites_own_date_formats_are_used()
    {
        _h.Fake.SetSetting("dateformatFull", "\"%d.%m.%Y\"");
        _h.Fake.SetSetting("dateformatshortdate", "\"%Y-%m-%d\"");
        _h.Fake.SetSetting("dateformatDatetime", "\"\"");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.SetContactValue(ana, "birth_date", "1990-01-03");
        _h.Fake.AddToGroup(_members, [ana]);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        var fields = _cms.Accounts.Should().ContainSingle().Which.Fields;
        fields.Should().Contain("field_born", "03.01.1990").And.Contain("field_short", "1990-01-03");
        fields.Should().NotContainKey("field_bare", "|crmDate prints with the date-time format, which this site left empty: nothing (CRM_Utils_Date::customFormat)");
    }

    [Fact]
    public async Task A_site_in_another_language_fails_the_read_when_a_token_prints_names_and_creates_nothing()
    {
        _h.Fake.SetSetting("lcMessages", "\"fr_FR\"");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.SetContactValue(ana, "birth_date", "1990-01-03");
        _h.Fake.AddToGroup(_members, [ana]);

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(0);
        _cms.Accounts.Should().BeEmpty("no username is made with names other than CiviCRM's");
        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().Contain("fr_FR").And.Contain("{contact.birth_date}");
        _h.Fake.Activities.Should().NotContain(a => a.Status == "Failed", "a site's setting is no contact's failure");
    }

    [Theory]
    [InlineData("en_GB", "{contact.birth_date}", "January 3rd, 1990")]
    [InlineData("en_AU", "{contact.birth_date|crmDate:\"%a %A %B\"}", "Wed Wednesday January")]
    [InlineData("fr_FR", "{contact.birth_date|crmDate:\"%d/%m/%Y\"}", "03/01/1990")]
    [InlineData("de_DE", "{contact.birth_date|crmDate:\"shortdate\"}", "01/03/1990")]
    public async Task Another_language_prints_numbers_and_English_full_names_as_CiviCRM_does(string locale, string token, string expected)
    {
        using var h = Born(locale, token);

        (await h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        _cms.Accounts.Should().ContainSingle().Which.Fields["field_born"].Should().Be(expected);
    }

    [Theory]
    [InlineData("en_GB", "{contact.birth_date|crmDate:\"%b\"}")]
    [InlineData("pt_BR", "{contact.birth_date|crmDate:\"%A\"}")]
    public async Task A_name_CiviCRM_may_print_otherwise_in_the_sites_language_stops_the_run(string locale, string token)
    {
        using var h = Born(locale, token);

        var summary = await h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().Contain(locale);
        _cms.Accounts.Should().BeEmpty();
    }

    /// <summary>A site in <paramref name="locale"/> whose one member, Ana, was born 1990-01-03; <paramref name="token"/> maps a CMS field.</summary>
    private CiviHarness Born(string locale, string token)
    {
        var h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.FieldMappings["field_born"] = token;
        }, cms: _cms);
        h.Fake.SetSetting("lcMessages", $"\"{locale}\"");
        var ana = h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        h.Fake.SetContactValue(ana, "birth_date", "1990-01-03");
        h.Fake.AddToGroup(h.Fake.AddGroup("members"), [ana]);
        return h;
    }

    [Fact]
    public async Task On_demand_the_date_comes_with_the_contact()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.SetContactValue(ana, "birth_date", "1971-10-11");
        _h.Fake.AddToGroup(_members, [ana]);

        var outcome = await _h.Provisioner.ProvisionAsync(ana);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        _cms.Accounts.Should().ContainSingle().Which.Username.Should().Be("ana1971");
        _cms.Accounts.Single().Fields["field_born"].Should().Be("October 11th, 1971");
    }
}
