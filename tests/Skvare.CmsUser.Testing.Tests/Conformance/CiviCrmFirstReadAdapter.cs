using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// A cold batch's start (<c>civicrm-6.17.2-firstread-*</c>): the set-up's activity types in one request of conditional
/// writes (an <c>OptionGroup.get</c> per option, EXCLUDE-joined on the option, with its <c>OptionValue.save</c> chained), and
/// the first read: the first page chained onto the trigger's own
/// <c>Group.get</c>/<c>Tag.get</c> (<c>$id</c> in the page's <c>where</c> and join conditions, the link join on
/// <c>'current_domain'</c>), the set-up's look-ups, the pages after it and their carriers, against
/// <see cref="FakeCiviCrmServer"/> seeded with the folder's README data (ids as on the real site). Beyond the generic
/// comparison, every page (a read, or the rows chained under <c>page</c>) must list the same contacts with the same link here.
/// </summary>
public sealed class CiviCrmFirstReadAdapter : CiviCrmApiAdapter
{
    private static readonly DateTimeOffset Joined = new(2026, 12, 1, 0, 57, 59, TimeSpan.Zero);

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        // README: API user contact 2 in domain 1; a second domain 4.
        Civi.Clock = new FakeTimeProvider(Joined);
        SeedApiUserAndActivityTypes();
        // README: the probe's two options are written as 898 and 899.
        Civi.Store.SetNextId("OptionValue", 898);

        // README: groups fr_trigger 26, fr_done 27, fr_smart 28 (smart: last name FirstreadSmart), fr_titled 29 ("FR Titled"); tag fr_tag 11.
        Civi.Store.SetNextId("Group", 26);
        var trigger = Civi.AddGroup("fr_trigger");
        Civi.AddGroup("fr_done");
        var smart = Civi.AddSmartGroup("fr_smart", c => Equals(c.GetValueOrDefault("last_name"), "FirstreadSmart"));
        var titled = Civi.AddGroup("fr_titled", "FR Titled");
        Civi.Store.SetNextId("Tag", 11);
        var tag = Civi.AddTag("fr_tag");

        // README: Ann 330, Ben 331, Cal 332, Dan 333 (deleted), Eve 334 in fr_trigger; Sam 335, Sue 336 (smart); Tom 337 (tag).
        Civi.Store.SetNextId("Contact", 330);
        long Add(string first, string last, bool deleted = false) =>
            Civi.AddContact(first, last, $"fr.{first.ToLowerInvariant()}@example.org", c =>
            {
                c["external_identifier"] = "fr." + first.ToLowerInvariant();
                c["preferred_language"] = "en_US";
                c["is_deleted"] = deleted;
            });
        var (ann, ben, cal, dan, eve) = (Add("Ann", "Firstread"), Add("Ben", "Firstread"), Add("Cal", "Firstread"), Add("Dan", "Firstread", deleted: true), Add("Eve", "Firstread"));
        var (_, sue, tom) = (Add("Sam", "FirstreadSmart"), Add("Sue", "FirstreadSmart"), Add("Tom", "FirstreadTag"));
        Civi.AddToGroup(trigger, [ann, ben, dan, eve]);
        Civi.AddToGroup(trigger, [cal], "Removed");
        Civi.AddToGroup(smart, [sue], "Removed");
        Civi.TagContacts(tag, [ann, tom]);
        Civi.AddLink(ben, 990301, "fr.ben@example.org");
        Civi.AddLink(eve, 990302, "fr.eve@example.org", domainId: 4);
        Civi.Clock = new FakeTimeProvider(Joined.AddMinutes(3).AddSeconds(42));
        Civi.AddToGroup(titled, [ann]);
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        using var document = JsonDocument.Parse(body);
        var fake = document.RootElement.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().ToArray() : [];
        var real = Rows(expected).ToArray();
        if (Params(expected).Contains("\"ensure0\"", StringComparison.Ordinal))
        {
            // The set-up's conditional writes: each option's group row comes back (with its save) exactly when the real one did.
            var want = real.Length == 1 ? Ensured(real[0]) : "no carrier";
            var got = fake.Length == 1 ? Ensured(fake[0]) : "no carrier";
            if (want != got)
            {
                yield return $"conditional writes [{got}], real [{want}]";
            }

            yield break;
        }

        if (Params(expected).Contains("\"page\"", StringComparison.Ordinal))
        {
            // The trigger's look-up with the first page chained onto its row.
            if (real.Length != fake.Length)
            {
                yield return $"look-up: {fake.Length} rows, real {real.Length}";
                yield break;
            }

            for (var i = 0; i < real.Length; i++)
            {
                var want = Page(real[i]);
                var got = Page(fake[i]);
                if (want != got)
                {
                    yield return $"chained page [{got}], real [{want}]";
                }
            }

            yield break;
        }

        if (expected.QueryValue("q")?.EndsWith("Contact/get", StringComparison.Ordinal) == true)
        {
            if (!Params(expected).Contains("user_contact_id", StringComparison.Ordinal))
            {
                var want = string.Join("; ", real.Select(DescribeContact));
                var got = string.Join("; ", fake.Select(DescribeContact));
                if (want != got)
                {
                    yield return $"rows [{got}], real [{want}]";
                }
            }
        }
    }

    /// <summary>Each <c>ensure</c> key with its group rows and, per row, the names its chained save wrote.</summary>
    private static string Ensured(JsonElement carrier) =>
        string.Join("; ", carrier.EnumerateObject().Where(p => p.Name.StartsWith("ensure", StringComparison.Ordinal)).Select(p =>
            p.Name + "=" + (p.Value.ValueKind != JsonValueKind.Array ? "not rows" : "[" + string.Join(",", p.Value.EnumerateArray().Select(row =>
                row.TryGetProperty("save", out var saved) && saved.ValueKind == JsonValueKind.Array
                    ? string.Join("+", saved.EnumerateArray().Select(v => v.TryGetProperty("name", out var n) ? n.ToString() : "?"))
                    : "no save")) + "]")));

    private static string Page(JsonElement row) =>
        row.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.Array ? string.Join("; ", page.EnumerateArray().Select(DescribeContact)) : "no page";
}
