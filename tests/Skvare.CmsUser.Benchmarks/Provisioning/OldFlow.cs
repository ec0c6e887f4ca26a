using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// A re-creation of the flow of the CiviCRM extension this SDK replaces, as the issue describes it: one contact at a
/// time (a cron job), ten sequential calls per contact: read the contact, its email and its link; search WordPress by
/// email and by username; create the account; save the link, the activity, the trigger removal and the history add.
/// Sent over HTTP to the same fakes with the same injected latency, so its throughput is comparable.
/// </summary>
internal static class OldFlow
{
    public static async Task<double> ContactsPerSecondAsync(FakeSite site, int contacts, CancellationToken cancellationToken)
    {
        var ids = site.AddMembers(contacts);
        var done = site.Civi.AddGroup("old_done");
        using var civi = new HttpClient { BaseAddress = site.Civi.Url };
        using var wp = new HttpClient { BaseAddress = site.WordPress.BaseUrl };
        wp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(site.WordPress.AdminUsername + ":" + site.WordPress.ApplicationPassword)));
        var watch = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            var email = await EmailAsync(civi, site, id, cancellationToken);
            await CiviAsync(civi, site, "Contact", "get", new { where = new[] { new object[] { "id", "=", id } } }, cancellationToken);
            await CiviAsync(civi, site, "UFMatch", "get", new { where = new[] { new object[] { "contact_id", "=", id } } }, cancellationToken);
            var username = "old" + id.ToString(CultureInfo.InvariantCulture);
            (await wp.GetAsync($"wp-json/wp/v2/users?context=edit&search={Uri.EscapeDataString(email)}", cancellationToken)).Dispose();
            (await wp.GetAsync($"wp-json/wp/v2/users?context=edit&search={username}", cancellationToken)).Dispose();
            using var created = await wp.PostAsJsonAsync("wp-json/wp/v2/users", new { username, email, password = "Old-Flow-Pass-" + id.ToString(CultureInfo.InvariantCulture) }, cancellationToken);
            var user = JsonDocument.Parse(await created.Content.ReadAsStringAsync(cancellationToken)).RootElement;
            var userId = user.TryGetProperty("id", out var uid) ? uid.GetInt64() : 0;
            await CiviAsync(civi, site, "UFMatch", "create", new { values = new { contact_id = id, uf_id = userId, uf_name = email, domain_id = 1 } }, cancellationToken);
            await CiviAsync(civi, site, "Activity", "create", new { values = new { activity_type_id = 1, source_contact_id = id, target_contact_id = new[] { id }, subject = "User Account Creation" } }, cancellationToken);
            await CiviAsync(civi, site, "GroupContact", "update", new { values = new { status = "Removed" }, where = new[] { new object[] { "group_id", "=", site.Members }, new object[] { "contact_id", "=", id } } }, cancellationToken);
            await CiviAsync(civi, site, "GroupContact", "create", new { values = new { group_id = done, contact_id = id, status = "Added" } }, cancellationToken);
        }

        return contacts / watch.Elapsed.TotalSeconds;
    }

    private static async Task<string> EmailAsync(HttpClient civi, FakeSite site, long id, CancellationToken cancellationToken)
    {
        var body = await CiviAsync(civi, site, "Email", "get", new { select = new[] { "email" }, where = new[] { new object[] { "contact_id", "=", id } } }, cancellationToken);
        return body.GetProperty("values")[0].GetProperty("email").GetString()!;
    }

    private static async Task<JsonElement> CiviAsync(HttpClient civi, FakeSite site, string entity, string action, object parameters, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"civicrm/ajax/api4/{entity}/{action}")
        {
            Content = new FormUrlEncodedContent([new("params", JsonSerializer.Serialize(parameters))]),
        };
        request.Headers.Add("X-Civi-Auth", "Bearer " + site.Civi.ApiKey);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        using var response = await civi.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{entity}.{action}: HTTP {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
