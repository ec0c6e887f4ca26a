namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The website tokens' read (<c>civicrm-6.17.2-websites-*</c>): a page of contacts and one contact alone, each with its
/// <c>Website.get</c> beside the <c>Contact.get</c>; a <c>Contact.get</c> that selects <c>website_first.url</c> without
/// the join (dropped) and one with CiviCRM's own <c>Website AS website_first</c> join (a row per website); a
/// <c>Website.get</c> on an unknown field and one that finds nothing. Against <see cref="CiviCrm.FakeCiviCrmServer"/>
/// seeded through <c>AddContact</c> and <c>AddWebsite</c> with the README's data; beyond the generic comparison, every
/// value of every row must be the real one.
/// </summary>
public sealed class CiviCrmWebsitesAdapter : CiviCrmApiAdapter
{
    /// <summary>The URL with unicode, an emoji and HTML characters, as CiviCRM 6.17.2 stored and answered it.</summary>
    private const string Unicode = "https://例え.jp/😀?q=ü&x=<b>";

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        SeedApiUserAndActivityTypes();

        // README: Ana 4534 (websites 2 Work, 3 Main), Bea 4535 (4 Work without a URL, 5 Main), Cy 4536 (6 Main), Dee 4564 (none).
        Civi.Store.SetNextId("Contact", 4534);
        var ana = Civi.AddContact("web17_Ana", "Sites", null);
        var bea = Civi.AddContact("web17_Bea", "NoSite", null);
        var cy = Civi.AddContact("web17_Cy", "Unicode", null);
        Civi.Store.SetNextId("Contact", 4564);
        Civi.AddContact("web17_Dee", "NoWebsite", null);
        Civi.Store.SetNextId("Website", 2);
        Civi.AddWebsite(ana, "https://zz.example.org/web17-work", websiteTypeId: 1);
        Civi.AddWebsite(ana, "https://aa.example.org/web17-main", websiteTypeId: 2);
        Civi.AddWebsite(bea, "", websiteTypeId: 1);
        Civi.AddWebsite(bea, Unicode, websiteTypeId: 2);
        Civi.AddWebsite(cy, Unicode, websiteTypeId: 2);
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body) => ValueDifferences(expected, body);
}
