namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The date tokens' read (<c>civicrm-6.17.2-dates-*</c>): the identity, the <c>Setting.get</c> of the site's date formats
/// and language, the page's <c>Contact.get</c> with <c>birth_date</c>, <c>deceased_date</c> and <c>created_date</c> in
/// its select, and the other domains' links. Against <see cref="CiviCrm.FakeCiviCrmServer"/> seeded through
/// <c>AddContact</c> and <c>SetContactValue</c> with the README's data; beyond the generic comparison, every value of every
/// row must be the real one (the settings' values are CiviCRM 6.17.2's defaults, as the fake answers them unset).
/// </summary>
public sealed class CiviCrmDatesAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        SeedApiUserAndActivityTypes();

        // README: Leap 4718 (born 2000-02-29), Plain 4719 (1985-07-04), None 4720 (no dates), DeadDate 4722 (deceased_date 2022-03-02, not deceased).
        Civi.Store.SetNextId("Contact", 4718);
        var leap = Civi.AddContact("dates18_Leap", "Day", null, c => c["created_date"] = "2026-12-02 07:36:56");
        var plain = Civi.AddContact("dates18_Plain", "July", null, c => c["created_date"] = "2026-12-02 07:36:57");
        Civi.AddContact("dates18_None", "Nodate", null, c => c["created_date"] = "2026-12-02 07:36:57");
        Civi.Store.SetNextId("Contact", 4722);
        var alive = Civi.AddContact("dates18_DeadDate", "Alive", null, c => c["created_date"] = "2026-12-02 07:36:58");
        Civi.SetContactValue(leap, "birth_date", "2000-02-29");
        Civi.SetContactValue(plain, "birth_date", "1985-07-04");
        Civi.SetContactValue(alive, "deceased_date", "2022-03-02");
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body) => ValueDifferences(expected, body);
}
