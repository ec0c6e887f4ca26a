namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The contact read with date custom fields against a real CiviCRM, to record it
/// (tests/recordings/civicrm-6.17.2-customdates-wordpress-6.1.9): the custom fields' look-up (<c>CustomField.get</c> with
/// each field's <c>html_type</c>, <c>date_format</c> and <c>time_format</c>), then the page's own <c>Contact.get</c>, with
/// the data of the folder's README (contact ids in <c>CMSUSER_CUSTOMDATE_CONTACTS</c>, the first with a date and a time
/// in every field, the second a date at midnight, the third none; field ids in <c>CMSUSER_CUSTOMDATE_FIELDS</c>, in the
/// README's order). Each printed value is the one CiviCRM's token processor printed (<c>WorkflowMessage.render</c>).
/// </summary>
public sealed class RealCustomDateRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task Date_custom_fields_read_from_a_real_CiviCRM_print_as_its_token_processor_printed_them()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        using var civi = new RealCiviCrmConnection();
        var contacts = Ids("CMSUSER_CUSTOMDATE_CONTACTS");
        var fields = Ids("CMSUSER_CUSTOMDATE_FIELDS").Select(id => $"custom_{id}").ToArray();

        var read = await civi.Triggers.GetContactsAsync(contacts, fields, timeout.Token);

        read.Should().HaveCount(contacts.Length).And.OnlyContain(c => c.DataError == null);
        string?[] Printed(long id) => fields.Select(f => read.Single(c => c.Id == id).Fields[f]).ToArray();
        Printed(contacts[0]).Should().Equal("02/29/2000", "February 29, 2000 1:05PM", "29.02.2000 13:05", "Tuesday, 29 February 2000", null, "2000 1:05PM", "Feb 29 13:05", null);
        Printed(contacts[1]).Should().Equal("07/04/1985", "July 4, 1985 12:00AM", "04.07.1985 0:00", "Thursday, 4 July 1985", null, "1985 12:00AM", "Jul 4 0:00", null);
        Printed(contacts[2]).Should().OnlyContain(text => text == null);
    }

    private static long[] Ids(string variable) =>
        (Environment.GetEnvironmentVariable(variable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
}
