using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// A cold batch's first read for access rules, deprovisioning passes and saved searches (<c>civicrm-6.17.2-coldpass-*</c>):
/// the first page chained onto the trigger's own look-up with the other groups and tags joined onto it (<c>"$setN.id"</c>,
/// each join keyed on its own id so CiviCRM guesses no link), or onto a saved search's look-up with the search's conditions
/// taken from its row (<c>"$api_params.where"</c>, the contact type chosen by an <c>IF</c> select), the set-up's look-ups,
/// the pages after it and their carriers, against <see cref="FakeCiviCrmServer"/> seeded with the folder's README data
/// (ids as on the real site). Beyond the generic comparison, every look-up with a chained page must come back with the same
/// rows, joined ids and page (ids, emails, links here), and every page read on its own must list the same contacts.
/// </summary>
public sealed class CiviCrmColdPassAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        // README: API user contact 2 in domain 1; every activity type and the Failed status exist.
        Civi.Clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 4, 45, 0, TimeSpan.Zero));
        SeedApiUserAndActivityTypes();

        // README: groups cp_trigger 39, cp_done 40 ("CP Done"), cp_lapsed 41; tag cp_tag_done 16; saved searches 59–61.
        Civi.Store.SetNextId("Group", 39);
        var trigger = Civi.AddGroup("cp_trigger");
        var done = Civi.AddGroup("cp_done", "CP Done");
        var lapsed = Civi.AddGroup("cp_lapsed");
        Civi.Store.SetNextId("Tag", 16);
        var tag = Civi.AddTag("cp_tag_done");
        Civi.Store.SetNextId("SavedSearch", 59);
        Civi.AddSavedSearch("cp_search", "Contact", """{"version":4,"select":["id"],"where":[["last_name","=","Coldpass"]]}""");
        Civi.AddSavedSearch("cp_search_people", "Individual", """{"version":4,"select":["id"],"where":[["last_name","=","Coldpass"]]}""");
        Civi.AddSavedSearch("cp_search_joined", "Contact", """{"version":4,"select":["id"],"join":[["Email AS cp_email","INNER",["cp_email.contact_id","=","id"]]],"where":[["cp_email.email","LIKE","cp.%"]]}""");

        // README: Ann 814, Ben 815, Cal 816, Dan 817 (Individuals), Hal House 818 (a household), last name Coldpass.
        Civi.Store.SetNextId("Contact", 814);
        long Add(string name, string key, bool household = false) =>
            Civi.AddContact(household ? null : name, "Coldpass", $"cp.{key}@example.org", c =>
            {
                c["external_identifier"] = "cp." + key;
                c["preferred_language"] = "en_US";
                if (household)
                {
                    c["contact_type"] = "Household";
                    c["household_name"] = name;
                    c["display_name"] = name;
                }
            });
        var (ann, ben, cal, dan) = (Add("Ann", "ann"), Add("Ben", "ben"), Add("Cal", "cal"), Add("Dan", "dan"));
        Add("Hal House", "halhouse", household: true);
        Civi.AddToGroup(trigger, [ann, ben, cal, dan]);
        Civi.AddToGroup(done, [ben, dan]);
        Civi.AddToGroup(lapsed, [dan]);
        Civi.TagContacts(tag, [cal]);
        Civi.AddToGroup(trigger, [dan], "Removed");
        Civi.AddLink(dan, 990401, "cp.dan@example.org");
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        using var document = JsonDocument.Parse(body);
        var fake = document.RootElement.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().ToArray() : [];
        var real = Rows(expected).ToArray();
        var parameters = Params(expected);
        if (parameters.Contains("\"page\"", StringComparison.Ordinal))
        {
            // The trigger's look-up with the first page chained onto its row.
            var want = string.Join(" / ", real.Select(LookUp));
            var got = string.Join(" / ", fake.Select(LookUp));
            if (want != got)
            {
                yield return $"look-up with its page [{got}], real [{want}]";
            }

            yield break;
        }

        if (expected.QueryValue("q")?.EndsWith("Contact/get", StringComparison.Ordinal) == true && !parameters.Contains("user_contact_id", StringComparison.Ordinal))
        {
            var want = string.Join("; ", real.Select(DescribeContact));
            var got = string.Join("; ", fake.Select(DescribeContact));
            if (want != got)
            {
                yield return $"rows [{got}], real [{want}]";
            }
        }
    }

    /// <summary>A look-up row: its id, the joined ids, the contact-type choice and its page.</summary>
    private static string LookUp(JsonElement row) =>
        string.Join("|", row.EnumerateObject().Where(p => p.Name == "id" || p.Name.EndsWith(".id", StringComparison.Ordinal) || p.Name == "contact_type_op").Select(p => $"{p.Name}={p.Value}"))
        + " page: " + (row.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.Array ? string.Join("; ", page.EnumerateArray().Select(DescribeContact)) : "none");
}
