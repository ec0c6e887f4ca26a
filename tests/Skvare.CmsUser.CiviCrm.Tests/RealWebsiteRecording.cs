namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The contact read with the website tokens' field against a real CiviCRM, to record it
/// (tests/recordings/civicrm-6.17.2-websites-wordpress-6.1.9): a page of the contacts of the folder's README (ids in
/// <c>CMSUSER_WEBSITE_CONTACTS</c>, comma-separated; the first has two websites, the last none), then the first contact
/// alone (as on demand: its links in other domains chained). Each read sends one <c>Website.get</c> beside the
/// <c>Contact.get</c>.
/// </summary>
public sealed class RealWebsiteRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task Website_tokens_read_from_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        using var civi = new RealCiviCrmConnection();
        var contacts = (Environment.GetEnvironmentVariable("CMSUSER_WEBSITE_CONTACTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        string[] fields = ["website_first.url"];

        var page = await civi.Triggers.GetContactsAsync(contacts, fields, timeout.Token);
        var one = await civi.Triggers.GetContactsAsync([contacts[0]], fields, timeout.Token);

        page.Should().HaveCount(contacts.Length).And.OnlyContain(c => c.DataError == null && c.FieldsFailure == null);
        page.Single(c => c.Id == contacts[^1]).Fields["website_first.url"].Should().BeNull("the last contact has no website");
        one.Should().ContainSingle().Which.Fields["website_first.url"].Should().Be(page.Single(c => c.Id == contacts[0]).Fields["website_first.url"]);
    }
}
