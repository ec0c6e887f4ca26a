namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The contact read with date custom fields (<c>civicrm-6.17.2-customdates-*</c>): the identity, the custom fields'
/// look-up with each field's <c>html_type</c>, <c>date_format</c> and <c>time_format</c>, the page's <c>Contact.get</c>
/// (a date field without a time format answered as <c>yyyy-MM-dd</c>, one with as <c>yyyy-MM-dd HH:mm:ss</c>) and the
/// other domains' links. Against <see cref="CiviCrm.FakeCiviCrmServer"/> seeded through <c>AddDateCustomField</c> and
/// <c>SetCustomValue</c> with the README's data; beyond the generic comparison, every value of every row must be the real one.
/// </summary>
public sealed class CiviCrmCustomDatesAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        SeedApiUserAndActivityTypes();

        // README: custom group t19_dates (2) with fields 10–17.
        Civi.Store.SetNextId("CustomGroup", 2);
        Civi.Store.SetNextId("CustomField", 10);
        var fields = new[]
        {
            Civi.AddDateCustomField("t19_dates", "d_plain", "mm/dd/yy"),
            Civi.AddDateCustomField("t19_dates", "d_full12", "MM d, yy", 1),
            Civi.AddDateCustomField("t19_dates", "d_dots24", "dd.mm.yy", 2),
            Civi.AddDateCustomField("t19_dates", "d_weekday", "DD, d MM yy"),
            Civi.AddDateCustomField("t19_dates", "d_none", null),
            Civi.AddDateCustomField("t19_dates", "d_md", "M d", 2),
            Civi.AddDateCustomField("t19_dates", "d_odd", "mm-dd-yy", 1),
            Civi.AddDateCustomField("t19_dates", "d_year", "yy", 1),
        };

        // README: Leap 53 (2000-02-29 13:05:09 in every field), July 54 (1985-07-04), None 55 (no dates), Morning 56 (2026-12-02 09:07:00).
        Civi.Store.SetNextId("Contact", 53);
        foreach (var (first, last, value) in new[]
        {
            ("tokens19-Leap", "Time", "2000-02-29 13:05:09"), ("tokens19-July", "Midnight", "1985-07-04"),
            ("tokens19-None", "Zero", null), ("tokens19-Morning", "Nine", "2026-12-02 09:07:00"),
        })
        {
            var contact = Civi.AddContact(first, last, null);
            foreach (var field in fields)
            {
                Civi.SetCustomValue(contact, field, value);
            }
        }
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body) => ValueDifferences(expected, body);
}
