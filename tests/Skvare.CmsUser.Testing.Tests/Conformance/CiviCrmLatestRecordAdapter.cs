using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The on-demand read with the contact's latest "User Account Creation" record chained on it (<c>civicrm-6.17.2-latest-*</c>),
/// and the recorder's own read of it, against <see cref="Testing.CiviCrm.FakeCiviCrmServer"/>. The data (ids and dates as on
/// the real site) comes from the folder's <c>data.py</c> and README. Beyond the generic comparison, every chained result
/// is compared by rows and keys (<see cref="CiviCrmOnDemandAdapter.Chains"/>), and the latest record's values exactly:
/// which record (its id), its status, details and date.
/// </summary>
public sealed class CiviCrmLatestRecordAdapter : CiviCrmApiAdapter
{
    private const string At = "2026-12-03 06:00:00";
    private const string Later = "2026-12-03 06:10:00";
    private const string Exotic = "invalid_email: The primary email address '花子@例え' is not a valid address. <b>שלום</b> 😀 & \"q\"  ";
    private const string NoEmail = "no_email: The contact has no primary email address. No more attempts (this was attempt 1): the contact leaves the trigger and is not tried again until it is added to it again.";

    private static readonly string[] LatestKeys = ["act.id", "act.status_id:name", "act.subject", "act.details", "act.activity_date_time", "contact_id"];

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        // The real reads opened their Scheduled records from 06:55:40 (site time UTC), with ids from 6570 on.
        Civi.Clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 6, 55, 40, TimeSpan.Zero));
        SeedApiUserAndActivityTypes();

        // data.py: group lr_trigger (59); Ria 4912 … Vic 4916, all in it; activities 6523 … 6529.
        Civi.Store.SetNextId("Group", 59);
        var group = Civi.AddGroup("lr_trigger");
        Civi.Store.SetNextId("Contact", 4912);
        var ids = new[] { "Ria", "Sol", "Tia", "Uma", "Vic" }.Select(first => Civi.AddContact(first, "Latest", null)).ToArray();
        Civi.AddToGroup(group, ids);
        Civi.Store.SetNextId("Activity", 6523);
        Record(ids[0], "Failed", Exotic, At);
        Record(ids[1], "Failed", NoEmail, At);
        Record(ids[1], "Completed", "Rule members.", At);
        Record(ids[3], "Failed", NoEmail, At);
        Record(ids[3], "Completed", "deleted", Later, deleted: true);
        Record(ids[4], "Failed", NoEmail, At);
        Record(ids[4], "Scheduled", "In progress.", Later);
        Civi.Store.SetNextId("Activity", 6570);
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

        foreach (var difference in CiviCrmOnDemandAdapter.Chains(values, actual, "$.values"))
        {
            yield return difference;
        }

        // The latest record, chained (Contact.get) or read on its own (ActivityContact.get): the same record, field by field.
        var pairs = Params(expected).Contains("\"latest\"", StringComparison.Ordinal)
            ? values.EnumerateArray().Zip(actual.EnumerateArray()).SelectMany(p => Latest(p.First).Zip(Latest(p.Second)))
            : (expected.QueryValue("q") ?? "").EndsWith("ActivityContact/get", StringComparison.Ordinal) && Params(expected).Contains("act.details", StringComparison.Ordinal)
                ? values.EnumerateArray().Zip(actual.EnumerateArray())
                : [];
        foreach (var (real, fake) in pairs)
        {
            foreach (var key in LatestKeys)
            {
                var hasReal = real.TryGetProperty(key, out var want);
                var hasFake = fake.TryGetProperty(key, out var got);
                if (hasReal != hasFake || (hasReal && !JsonElement.DeepEquals(want, got)))
                {
                    yield return $"latest {key}: {(hasFake ? got.ToString() : "absent")}, real {(hasReal ? want.ToString() : "absent")}";
                }
            }
        }
    }

    private static JsonElement[] Latest(JsonElement row) =>
        row.TryGetProperty("latest", out var latest) && latest.ValueKind == JsonValueKind.Array ? [.. latest.EnumerateArray()] : [];

    private void Record(long contact, string status, string details, string at, bool deleted = false)
    {
        var values = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["activity_type_id:name"] = "User Account Creation",
            ["status_id:name"] = status,
            ["subject"] = "Failed to create User lr",
            ["details"] = details,
            ["source_contact_id"] = "user_contact_id",
            ["target_contact_id"] = new[] { contact },
            ["source_record_id"] = contact,
            ["activity_date_time"] = at,
            ["is_deleted"] = deleted,
        });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Civi.Url, "?civiwp=CiviCRM&q=civicrm/ajax/api4/Activity/create"))
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("params", "{\"values\":" + values + "}")]),
        };
        request.Headers.Add("X-Civi-Auth", "Bearer " + Civi.ApiKey);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        using var response = http.Send(request);
        response.EnsureSuccessStatusCode();
    }
}
