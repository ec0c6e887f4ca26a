using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The contact read with every contact token's field and custom fields, against a real CiviCRM, to record it
/// (tests/recordings/civicrm-6.17.2-tokens-wordpress-6.1.9): the custom fields' look-up (<c>CustomField.get</c>), then
/// one <c>Contact.get</c> of the contacts with the data of the folder's README (ids in <c>CMSUSER_TOKEN_CONTACTS</c>,
/// custom field ids in <c>CMSUSER_TOKEN_CUSTOM</c>, both comma-separated).
/// </summary>
public sealed class RealTokenRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task Every_contact_token_and_custom_field_read_from_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        using var civi = new RealCiviCrmConnection();
        var contacts = Ids("CMSUSER_TOKEN_CONTACTS");
        var custom = Ids("CMSUSER_TOKEN_CUSTOM").Select(id => $"custom_{id}");
        var fields = ContactTokens.Fields.Values.Distinct(StringComparer.Ordinal).Concat(custom).Append("custom_999999").ToArray();

        var read = await civi.Triggers.GetContactsAsync(contacts, fields, timeout.Token);

        read.Should().HaveCount(contacts.Length);
        read.Should().OnlyContain(c => c.DataError == null);
        read[0].Fields.Should().Contain(fields.Select(f => new KeyValuePair<string, string?>(f, read[0].Fields[f])));
    }

    private static long[] Ids(string variable) =>
        (Environment.GetEnvironmentVariable(variable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
}
