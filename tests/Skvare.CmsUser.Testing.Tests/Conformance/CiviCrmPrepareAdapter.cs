using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The batch's prepared page (<c>civicrm-6.17.2-prepare-*</c>): the page's <c>Contact.get</c>, then one carrier
/// <c>Contact.get</c> of the API user's own contact with <c>uf_other</c>, <c>joined</c>, <c>failed</c>, <c>open</c> and
/// <c>audits</c> chained, against <see cref="FakeCiviCrmServer"/> seeded with the folder's README data (ids as on the real
/// site). Beyond the generic comparison, a page read must list the same contacts with the same link here, and every chained
/// call the same rows: same keys and JSON kinds, same values except the ids of the <c>UFMatch</c>/<c>ActivityContact</c>
/// rows themselves (numbering the fake does not share) and date-times (compared by format, since the fake's clock is not
/// the real one).
/// </summary>
public sealed partial class CiviCrmPrepareAdapter : CiviCrmApiAdapter
{
    private static readonly DateTimeOffset Joined = new(2026, 11, 30, 18, 22, 33, TimeSpan.Zero);

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        // README: API user contact 2 in domain 1; a second domain (2); groups pp_trigger (13) and pp_done (14).
        Civi.Clock = new FakeTimeProvider(Joined);
        Civi.Store.SetNextId("Contact", 2);
        Civi.ApiContactId = Civi.AddContact(null, null, "civi-admin@example.org", c => c["display_name"] = "civi-admin@example.org");
        Civi.AddOptionValue("activity_type", "User Account Creation", "56");
        Civi.AddOptionValue("activity_status", "Failed", "9");
        Civi.Store.SetNextId("Group", 13);
        var trigger = Civi.AddGroup("pp_trigger");
        Civi.AddGroup("pp_done");

        // README: Fay 150 (linked in domain 2 to 990201), Gus 151 (two Failed records, 187 and 188), Hal 152 (linked here to
        // 990202), Ivy 153 and Jon 154; all joined pp_trigger at 18:22:33, the failures in the same second.
        Civi.Store.SetNextId("Contact", 150);
        var ids = new[] { "Fay", "Gus", "Hal", "Ivy", "Jon" }.Select(first =>
            Civi.AddContact(first, "Prepare", $"pp.{first.ToLowerInvariant()}@example.org", c =>
            {
                c["external_identifier"] = "pp." + first.ToLowerInvariant();
                c["preferred_language"] = "en_US";
            })).ToArray();
        Civi.AddToGroup(trigger, ids);
        Civi.AddLink(ids[0], 990201, "pp.fay@example.org", domainId: 2);
        Civi.AddLink(ids[2], 990202, "pp.hal@example.org");
        Civi.Store.SetNextId("Activity", 187);
        AddFailedCreation(ids[1], "Failed to create User pp.gus");
        AddFailedCreation(ids[1], "Failed to create User pp.gus");
        Civi.Clock = new FakeTimeProvider(Joined.AddSeconds(46));
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        var real = Rows(expected).ToArray();
        using var document = JsonDocument.Parse(body);
        var fake = document.RootElement.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().ToArray() : [];
        if (!Params(expected).Contains("\"chain\"", StringComparison.Ordinal))
        {
            // A page read: the same contacts, each with the same link here.
            var want = real.Select(Describe).ToArray();
            var got = fake.Select(Describe).ToArray();
            if (!want.SequenceEqual(got, StringComparer.Ordinal))
            {
                yield return $"rows [{string.Join("; ", got)}], real [{string.Join("; ", want)}]";
            }

            yield break;
        }

        if (real.Length != 1 || fake.Length != 1)
        {
            yield return $"carrier: {fake.Length} rows, real {real.Length}";
            yield break;
        }

        foreach (var chained in real[0].EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            if (!fake[0].TryGetProperty(chained.Name, out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                yield return $"chain '{chained.Name}': missing";
                continue;
            }

            // Rows as sets (the SDK does not depend on their order; the real server answered in its index order).
            var want = chained.Value.EnumerateArray().Select(r => Normalize(chained.Name, r)).Order(StringComparer.Ordinal).ToArray();
            var got = rows.EnumerateArray().Select(r => Normalize(chained.Name, r)).Order(StringComparer.Ordinal).ToArray();
            foreach (var missing in want.Except(got, StringComparer.Ordinal))
            {
                yield return $"chain '{chained.Name}': the fake lacks {missing}";
            }

            foreach (var extra in got.Except(want, StringComparer.Ordinal))
            {
                yield return $"chain '{chained.Name}': the fake has {extra}";
            }

            if (want.Length != got.Length)
            {
                yield return $"chain '{chained.Name}': {got.Length} rows, real {want.Length}";
            }
        }
    }

    /// <summary>A page row: id, email and this domain's link.</summary>
    private static string Describe(JsonElement row) =>
        string.Join("|", new[] { "id", "email_primary.email", "uf.uf_id", "uf.uf_name" }.Select(k => row.TryGetProperty(k, out var v) ? v.ToString() : "absent"));

    /// <summary>
    /// A chained row as <c>key=kind:value</c> pairs in key order: the row's own id left out where it is a UFMatch or
    /// ActivityContact id, date-times as their format.
    /// </summary>
    private static string Normalize(string chain, JsonElement row)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            return row.ValueKind.ToString();
        }

        return "{" + string.Join(",", row.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p =>
        {
            var value = p.Value.ValueKind switch
            {
                _ when p.Name == "id" && chain != "open" => "<row id>",
                JsonValueKind.String when SiteDateTime().IsMatch(p.Value.GetString()!) => "<yyyy-MM-dd HH:mm:ss>",
                JsonValueKind.String when CompactDateTime().IsMatch(p.Value.GetString()!) => "<yyyyMMddHHmmss>",
                _ => p.Value.GetRawText(),
            };
            return string.Create(CultureInfo.InvariantCulture, $"{p.Name}={p.Value.ValueKind}:{value}");
        })) + "}";
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")]
    private static partial Regex SiteDateTime();

    [GeneratedRegex(@"^\d{14}$")]
    private static partial Regex CompactDateTime();
}
