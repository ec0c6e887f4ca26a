namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The contact read with the date tokens' fields against a real CiviCRM, to record it
/// (tests/recordings/civicrm-6.17.2-dates-wordpress-6.1.9): the contacts of the folder's README (ids in
/// <c>CMSUSER_DATE_CONTACTS</c>, comma-separated; the first born on a leap day, the last without dates) read with
/// <c>{contact.birth_date}</c>, <c>|crmDate</c> forms and <c>{contact.created_date}</c>: one <c>Setting.get</c> of the
/// site's date formats and language, then the page's own <c>Contact.get</c> with the dates in its select.
/// </summary>
public sealed class RealDateRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task Date_tokens_read_from_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        using var civi = new RealCiviCrmConnection();
        var contacts = (Environment.GetEnvironmentVariable("CMSUSER_DATE_CONTACTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        string[] fields = ["birth_date", "birth_date|crmDate", "birth_date|crmDate:\"shortdate\"", "birth_date|crmDate:\"%Y\"", "deceased_date", "created_date"];

        var page = await civi.Triggers.GetContactsAsync(contacts, fields, timeout.Token);

        page.Should().HaveCount(contacts.Length).And.OnlyContain(c => c.DataError == null && c.FieldsFailure == null);
        page.Single(c => c.Id == contacts[0]).Fields["birth_date"].Should().Be("February 29th, 2000", "CiviCRM's token printed it so (WorkflowMessage.render)");
        page.Single(c => c.Id == contacts[0]).Fields["birth_date|crmDate"].Should().Be("February 29th, 2000 12:00 AM");
        page.Single(c => c.Id == contacts[^1]).Fields["birth_date"].Should().BeNull("the last contact has no birth date");
    }
}
