using System.Text.Json;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The page write-back's chained requests on a real CiviCRM (<c>civicrm-6.17.2-writeback-*</c>), against
/// <see cref="FakeCiviCrmServer"/>: the Scheduled records with the audit read after them, the chained read and write onto
/// a one-row <c>Contact.get</c>, a chain whose first call
/// fails (nothing written) and one whose last call fails (the calls before it stay written). The starting data is the
/// folder's README: contacts with external identifiers wb1–wb3, groups <c>wb_trigger</c> (their members) and
/// <c>wb_done</c>, the activity types; ids as recorded. Beyond the generic comparison, each
/// chained call's answer under its key must have as many rows as the real one, with the same keys and JSON kinds.
/// </summary>
public sealed class CiviCrmWriteBackAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        var identity = Rows(recording.Exchanges.First(e => e.QueryValue("q") == "civicrm/ajax/api4/Contact/get" && Rows(e).Any())).First();
        Civi.Store.SetNextId("Contact", identity.GetProperty("id").GetInt64());
        Civi.ApiContactId = Civi.AddContact(null, null, identity.GetProperty("display_name").GetString());

        Civi.AddOptionValue("activity_type", "User Account Creation", "56");
        Civi.AddOptionValue("activity_type", "User Account Password Reset", "57");
        Civi.AddOptionValue("activity_type", "User Account Blocked", "58");
        Civi.AddOptionValue("activity_type", "User Account Roles Removed", "59");
        Civi.AddOptionValue("activity_type", "User Account Restored", "60");
        Civi.AddOptionValue("activity_status", "Failed", "9");

        // The contacts, with the ids the recorded look-up found.
        var contacts = recording.Exchanges.First(e => Params(e).Contains("external_identifier", StringComparison.Ordinal));
        var n = 0;
        foreach (var id in Rows(contacts).Select(r => r.GetProperty("id").GetInt64()))
        {
            n++;
            Civi.Store.SetNextId("Contact", id);
            Civi.AddContact("Wb", "Contact" + n, null, c => c["external_identifier"] = "wb" + n);
        }

        // The groups: wb_trigger and wb_done as recorded, and the next group id (wb_gone, made by the recording) too.
        var groups = Rows(recording.Exchanges.First(e => e.QueryValue("q") == "civicrm/ajax/api4/Group/get" && Rows(e).Count() == 3)).ToArray();
        long GroupId(string name) => groups.First(g => g.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
        Civi.Store.SetNextId("Group", GroupId("wb_trigger"));
        var trigger = Civi.AddGroup("wb_trigger");
        Civi.Store.SetNextId("Group", GroupId("wb_done"));
        Civi.AddGroup("wb_done");
        Civi.Store.SetNextId("Group", GroupId("wb_gone"));
        Civi.AddToGroup(trigger, Rows(contacts).Select(r => r.GetProperty("id").GetInt64()));

        // The first Scheduled records (chained under "open") get the ids they got on the real site.
        var opened = recording.Exchanges.Select(e => Rows(e).FirstOrDefault()).First(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("open", out _)).GetProperty("open")[0];
        Civi.Store.SetNextId("Activity", opened.GetProperty("id").GetInt64());
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        if (Rows(expected).FirstOrDefault() is not { ValueKind: JsonValueKind.Object } carrier || !Params(expected).Contains("\"chain\"", StringComparison.Ordinal))
        {
            yield break;
        }

        using var document = JsonDocument.Parse(body);
        var actual = document.RootElement.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0 ? values[0] : default;
        foreach (var chained in carrier.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            if (actual.ValueKind != JsonValueKind.Object || !actual.TryGetProperty(chained.Name, out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                yield return $"chain '{chained.Name}': missing";
                continue;
            }

            var e = chained.Value.EnumerateArray().ToArray();
            var a = rows.EnumerateArray().ToArray();
            if (e.Length != a.Length)
            {
                yield return $"chain '{chained.Name}': {a.Length} rows, real {e.Length}";
            }

            for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
            {
                var real = e[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind, StringComparer.Ordinal);
                var fake = a[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind, StringComparer.Ordinal);
                foreach (var key in real.Keys.Union(fake.Keys).Order(StringComparer.Ordinal))
                {
                    var r = real.TryGetValue(key, out var rk) ? rk.ToString() : "absent";
                    var f = fake.TryGetValue(key, out var fk) ? fk.ToString() : "absent";
                    if (r != f && !(rk == JsonValueKind.Null || fk == JsonValueKind.Null) || (r == "absent") != (f == "absent"))
                    {
                        yield return $"chain '{chained.Name}'[{i}].{key}: {f}, real {r}";
                    }
                }
            }
        }
    }
}
