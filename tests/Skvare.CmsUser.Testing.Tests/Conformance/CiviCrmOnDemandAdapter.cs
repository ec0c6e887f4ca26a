using System.Globalization;
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
public sealed class CiviCrmOnDemandAdapter : RecordingAdapter
{
    private readonly FakeCiviCrmServer _civi = new() { JsonContentType = "application/json; charset=UTF-8" };

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        _civi.Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 14, 28, 40, TimeSpan.Zero));
        _civi.Store.SetNextId("Contact", 2);
        _civi.ApiContactId = _civi.AddContact(null, null, "civi-admin@example.org");
        _civi.AddOptionValue("activity_type", "User Account Creation", "56");
        _civi.AddOptionValue("activity_status", "Failed", "9");

        // README: groups od_trigger (6) and od_done (7), tags od_tag (8) and od_tag_done (9).
        _civi.Store.SetNextId("Group", 6);
        var trigger = _civi.AddGroup("od_trigger");
        _civi.AddGroup("od_done");
        _civi.Store.SetNextId("Tag", 8);
        var tag = _civi.AddTag("od_tag");
        _civi.AddTag("od_tag_done");

        // README: Ana 92 (group, one failed attempt), Bea 93 (tag), Cai 94 (group, linked here), Dee 95 (group, then
        // Removed), Eve 96 (group, deleted).
        _civi.Store.SetNextId("Contact", 92);
        var ids = new[] { "Ana", "Bea", "Cai", "Dee", "Eve" }.Select(first =>
            _civi.AddContact(first, "Ondemand", $"od.{first.ToLowerInvariant()}@example.org", first == "Eve" ? r => r["is_deleted"] = true : null)).ToArray();
        _civi.AddToGroup(trigger, [ids[0], ids[2], ids[3], ids[4]]);
        _civi.AddToGroup(trigger, [ids[3]], "Removed");
        _civi.TagContacts(tag, [ids[1]]);
        _civi.AddLink(ids[2], 990001, "od.cai@example.org");
        Failed(ids[0]);
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
    private static IEnumerable<string> Chains(JsonElement expected, JsonElement actual, string path)
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

    /// <inheritdoc />
    protected override Uri BaseUrlFor(RecordedExchange exchange) => _civi.Url;

    /// <inheritdoc />
    protected override string? Credential(RecordedExchange exchange, string header) =>
        header.Equals("X-Civi-Auth", StringComparison.OrdinalIgnoreCase) ? "Bearer " + _civi.ApiKey : null;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _civi.Dispose();
        }
    }

    /// <summary>A failed "User Account Creation" record of the contact, written through the fake's API as the README says.</summary>
    private void Failed(long contactId)
    {
        using var http = new HttpClient();
        var values = "{\"values\":{\"activity_type_id:name\":\"User Account Creation\",\"status_id:name\":\"Failed\",\"subject\":\"Failed to create User od.ana\",\"details\":\"rest_invalid_param: refused\",\"source_contact_id\":\"user_contact_id\",\"target_contact_id\":["
            + contactId.ToString(CultureInfo.InvariantCulture) + "],\"source_record_id\":" + contactId.ToString(CultureInfo.InvariantCulture) + "}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_civi.Url, "?civiwp=CiviCRM&q=civicrm/ajax/api4/Activity/create"))
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("params", values)]),
        };
        request.Headers.Add("X-Civi-Auth", "Bearer " + _civi.ApiKey);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        using var response = http.Send(request);
        response.EnsureSuccessStatusCode();
    }
}
