using System.Globalization;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// A recording of the SDK's API v4 traffic to one real CiviCRM (in WordPress), replayed against one
/// <see cref="FakeCiviCrmServer"/>: the fake, its URL and API key in place of the redacted one, and data written through
/// the fake's own API as the recording's data script wrote it.
/// </summary>
public abstract class CiviCrmApiAdapter : RecordingAdapter
{
    /// <summary>The fake CiviCRM, answering with the content type the real site sends.</summary>
    protected FakeCiviCrmServer Civi { get; } = new() { JsonContentType = "application/json; charset=UTF-8" };

    /// <inheritdoc />
    protected override Uri BaseUrlFor(RecordedExchange exchange) => Civi.Url;

    /// <inheritdoc />
    protected override string? Credential(RecordedExchange exchange, string header) =>
        header.Equals("X-Civi-Auth", StringComparison.OrdinalIgnoreCase) ? "Bearer " + Civi.ApiKey : null;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Civi.Dispose();
        }
    }

    /// <summary>
    /// The real site's API user (contact 2, <c>civi-admin@example.org</c>, in domain 1), every activity type the SDK uses
    /// and the Failed status (closed: filter 1), as the set-up recordings found them.
    /// </summary>
    protected void SeedApiUserAndActivityTypes()
    {
        Civi.Store.SetNextId("Contact", 2);
        Civi.ApiContactId = Civi.AddContact(null, null, "civi-admin@example.org", c => c["display_name"] = "civi-admin@example.org");
        foreach (var type in new[] { "User Account Creation", "User Account Password Reset", "User Account Blocked", "User Account Roles Removed", "User Account Restored" })
        {
            Civi.AddOptionValue("activity_type", type);
        }

        Civi.Store.Find("OptionValue", Civi.AddOptionValue("activity_status", "Failed", "9"))!["filter"] = 1;
    }

    /// <summary>A page row as the page comparisons show it: id, email and this domain's link.</summary>
    /// <param name="row">A contact row of a page.</param>
    protected static string DescribeContact(System.Text.Json.JsonElement row) =>
        string.Join("|", new[] { "id", "email_primary.email", "uf.uf_id", "uf.uf_name" }.Select(k => row.TryGetProperty(k, out var v) ? v.ToString() : "absent"));

    /// <summary>
    /// Every value of every row of the answer that differs from the real one (rows compared in order, each recorded key
    /// against the fake's): for answers whose values are the point (token fields, websites).
    /// </summary>
    /// <param name="expected">The recorded exchange.</param>
    /// <param name="body">The fake's answer.</param>
    protected static IEnumerable<string> ValueDifferences(RecordedExchange expected, string body)
    {
        if (expected.ResponseJson is not { ValueKind: System.Text.Json.JsonValueKind.Object } recorded || !recorded.TryGetProperty("values", out var values))
        {
            yield break;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(body);
        if (!doc.RootElement.TryGetProperty("values", out var actual) || actual.GetArrayLength() != values.GetArrayLength())
        {
            yield break;
        }

        foreach (var (real, fake, index) in values.EnumerateArray().Zip(actual.EnumerateArray(), Enumerable.Range(0, int.MaxValue)))
        {
            foreach (var property in real.EnumerateObject())
            {
                if (fake.TryGetProperty(property.Name, out var value) && !System.Text.Json.JsonElement.DeepEquals(value, property.Value))
                {
                    yield return $"$.values[{index}].{property.Name}: {value.GetRawText()}, real {property.Value.GetRawText()}";
                }
            }
        }
    }

    /// <summary>The recorded request's <c>params</c> form field (empty when none).</summary>
    /// <param name="exchange">The exchange.</param>
    protected static string Params(RecordedExchange exchange) => exchange.Form?.FirstOrDefault(kv => kv.Key == "params").Value ?? "";

    /// <summary>A Failed "User Account Creation" record targeting the contact, written with the fake's <c>Activity.create</c>.</summary>
    /// <param name="contactId">The contact (target and source record).</param>
    /// <param name="subject">The record's subject.</param>
    protected void AddFailedCreation(long contactId, string subject)
    {
        using var http = new HttpClient();
        var id = contactId.ToString(CultureInfo.InvariantCulture);
        var values = "{\"values\":{\"activity_type_id:name\":\"User Account Creation\",\"status_id:name\":\"Failed\",\"subject\":" + System.Text.Json.JsonSerializer.Serialize(subject)
            + ",\"details\":\"rest_invalid_param: refused\",\"source_contact_id\":\"user_contact_id\",\"target_contact_id\":[" + id + "],\"source_record_id\":" + id + "}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Civi.Url, "?civiwp=CiviCRM&q=civicrm/ajax/api4/Activity/create"))
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("params", values)]),
        };
        request.Headers.Add("X-Civi-Auth", "Bearer " + Civi.ApiKey);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        using var response = http.Send(request);
        response.EnsureSuccessStatusCode();
    }
}
