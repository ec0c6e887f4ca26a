using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The on-demand read in one request (<c>civicrm-6.17.2-ondemand-*</c>): one <c>Contact.get</c> per call with each rule's
/// pending test, the join date, the failed attempts, the audit records and the Scheduled record's create (nested under
/// a <c>Contact.get</c> that excludes linked contacts) chained onto the contact's row, against
/// <see cref="FakeCiviCrmServer"/>. The data (ids as on the real site) comes from the folder's README. Beyond the generic
/// comparison (which stops at the top-level row), every chained result is compared: how many rows, their keys, nested
/// chains included.
/// </summary>
public sealed class CiviCrmOnDemandAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        Civi.Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 14, 28, 40, TimeSpan.Zero));
        Civi.Store.SetNextId("Contact", 2);
        Civi.ApiContactId = Civi.AddContact(null, null, "civi-admin@example.org");
        Civi.AddOptionValue("activity_type", "User Account Creation", "56");
        Civi.AddOptionValue("activity_status", "Failed", "9");

        // README: groups od_trigger (6) and od_done (7), tags od_tag (8) and od_tag_done (9).
        Civi.Store.SetNextId("Group", 6);
        var trigger = Civi.AddGroup("od_trigger");
        Civi.AddGroup("od_done");
        Civi.Store.SetNextId("Tag", 8);
        var tag = Civi.AddTag("od_tag");
        Civi.AddTag("od_tag_done");

        // README: Ana 92 (group, one failed attempt), Bea 93 (tag), Cai 94 (group, linked here), Dee 95 (group, then
        // Removed), Eve 96 (group, deleted).
        Civi.Store.SetNextId("Contact", 92);
        var ids = new[] { "Ana", "Bea", "Cai", "Dee", "Eve" }.Select(first =>
            Civi.AddContact(first, "Ondemand", $"od.{first.ToLowerInvariant()}@example.org", first == "Eve" ? r => r["is_deleted"] = true : null)).ToArray();
        Civi.AddToGroup(trigger, [ids[0], ids[2], ids[3], ids[4]]);
        Civi.AddToGroup(trigger, [ids[3]], "Removed");
        Civi.TagContacts(tag, [ids[1]]);
        Civi.AddLink(ids[2], 990001, "od.cai@example.org");
        AddFailedCreation(ids[0], "Failed to create User od.ana");
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        if (expected.ResponseJson is not { ValueKind: JsonValueKind.Object } recorded || !recorded.TryGetProperty("values", out var values))
        {
            yield break;
        }

        using var doc = JsonDocument.Parse(body);
        if (!doc.RootElement.TryGetProperty("values", out var actual))
        {
            yield break;
        }

        foreach (var difference in Chains(values, actual, "$.values"))
        {
            yield return difference;
        }
    }

    /// <summary>Rows and keys of every chained array, recursively (the generic comparison covers the top-level rows).</summary>
    internal static IEnumerable<string> Chains(JsonElement expected, JsonElement actual, string path)
    {
        var e = expected.EnumerateArray().ToArray();
        var a = actual.ValueKind == JsonValueKind.Array ? actual.EnumerateArray().ToArray() : [];
        if (e.Length != a.Length)
        {
            yield return $"{path}: {a.Length} rows, real {e.Length}";
            yield break;
        }

        for (var i = 0; i < e.Length; i++)
        {
            if (e[i].ValueKind != JsonValueKind.Object || a[i].ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var keys = e[i].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            var actualKeys = a[i].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            if (path != "$.values" && !keys.SequenceEqual(actualKeys))
            {
                yield return $"{path}[{i}]: keys {string.Join(",", actualKeys)}, real {string.Join(",", keys)}";
            }

            foreach (var property in e[i].EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
            {
                if (!a[i].TryGetProperty(property.Name, out var chained))
                {
                    yield return $"{path}[{i}].{property.Name}: missing";
                    continue;
                }

                foreach (var difference in Chains(property.Value, chained, $"{path}[{i}].{property.Name}"))
                {
                    yield return difference;
                }
            }
        }
    }
}
