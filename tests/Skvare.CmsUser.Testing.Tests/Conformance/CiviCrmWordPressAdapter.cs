using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// CiviCRM inside WordPress (<c>civicrm-6.17.2-wordpress-*</c>): <see cref="FakeCiviCrmServer"/> as CiviCRM and
/// <see cref="FakeWordPressServer"/> as WordPress, joined as the CiviCRM WordPress plugin joins them (a new WordPress
/// user is linked to the contact with its email at once). The starting data comes from the folder's README (group,
/// tags, rules) and from the recorded answers (contact ids, names, emails, the plugin-made contact of the WordPress
/// user that existed before).
/// </summary>
public sealed class CiviCrmWordPressAdapter : RecordingAdapter
{
    /// <summary>From the README: seq 155–158 were sent with a wrong CiviCRM API key and a wrong application password.</summary>
    private const int WrongCredentialsFrom = 155;

    private readonly FakeCiviCrmServer _civi = new() { JsonContentType = "application/json; charset=UTF-8" };
    // The recorded site ran companion plugin 0.1.0 (no create or look-up route).
    private readonly FakeWordPressServer _wordPress = new() { SupportsSearchColumns = false, CompanionPluginVersion = "0.1.0", CompanionCreateAndLookup = false };
    private Recording? _recording;

    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        _recording = recording;

        // The server clock as recorded (the first activity's date), so date windows in the SDK's queries select
        // the same activities whatever day the suite runs.
        var firstActivity = Rows(recording.Exchanges.First(e => e.QueryValue("q") == "civicrm/ajax/api4/Activity/save")).First().GetProperty("activity_date_time").GetString()!;
        _civi.Clock = new FakeTimeProvider(DateTimeOffset.ParseExact(firstActivity, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        _wordPress.OnUserCreated(user => _civi.LinkNewCmsUser(user.Id, user.Email));

        // The API user is the WordPress administrator's contact (its id appears in the recorded requests).
        var identity = Rows(recording.Exchanges.First(e => e.QueryValue("q") == "civicrm/ajax/api4/Contact/get" && Rows(e).Any())).First();
        _civi.Store.SetNextId("Contact", identity.GetProperty("id").GetInt64());
        _civi.ApiContactId = _civi.AddContact(null, null, identity.GetProperty("display_name").GetString());
        _civi.AddLink(_civi.ApiContactId, _wordPress.Users[0].Id, _wordPress.Users[0].Email);

        // The activity types and the Failed status existed before the first run (the check found them, the first
        // save matched all three): values as recorded.
        _civi.AddOptionValue("activity_type", "User Account Creation", "56");
        _civi.AddOptionValue("activity_type", "User Account Password Reset", "57");
        _civi.AddOptionValue("activity_status", "Failed", "9");

        _civi.Store.SetNextId("Group", 5);
        var members = _civi.AddGroup("rec_members");
        _civi.AddGroup("rec_members_done");
        _civi.Store.SetNextId("Tag", 9);
        var premium = _civi.AddTag("rec_premium");
        _civi.AddTag("rec_premium_done");
        _civi.AddTag("rec_reset");

        // The WordPress user rec.existing existed before CiviCRM's import: the plugin made a contact for it and linked it.
        var existing = recording.Exchanges.First(e => e.QueryValue("search") == "rec.existing@example.org" && e.ResponseJson is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() == 1);
        var existingUser = existing.ResponseJson!.Value[0];
        var pluginContact = Rows(recording.Exchanges.First(e => e.QueryValue("q") == "civicrm/ajax/api4/UFMatch/get" && Rows(e).Any()))
            .First(r => r.GetProperty("uf_id").GetInt64() == existingUser.GetProperty("id").GetInt64()).GetProperty("contact_id").GetInt64();
        _civi.Store.SetNextId("Contact", pluginContact);
        _civi.AddContact(null, null, existingUser.GetProperty("email").GetString());
        _wordPress.NextUserId = existingUser.GetProperty("id").GetInt64();
        _wordPress.AddUser(existingUser.GetProperty("username").GetString()!, existingUser.GetProperty("email").GetString()!, "subscriber");
        _civi.AddLink(pluginContact, existingUser.GetProperty("id").GetInt64(), existingUser.GetProperty("email").GetString()!);

        // The trigger group's and the premium tag's contacts, as the first plan read them.
        var plan = recording.Exchanges.Where(e => e.QueryValue("q") == "civicrm/ajax/api4/Contact/get" && Rows(e).Any(r => r.TryGetProperty("email_primary.email", out _))).Take(2).ToArray();
        var memberIds = Rows(plan[0]).Select(r => AddContact(r)).ToList();
        var tagged = Rows(plan[1]).Select(r => r.GetProperty("id").GetInt64()).ToList();
        foreach (var row in Rows(plan[1]).Where(r => !memberIds.Contains(r.GetProperty("id").GetInt64())))
        {
            AddContact(row);
        }

        _civi.AddToGroup(members, memberIds);
        _civi.TagContacts(premium, tagged);
    }

    /// <inheritdoc />
    public override void BeforeExchange(RecordedExchange exchange)
    {
        switch (exchange.Seq)
        {
            case 128:
                // README: the reset campaign ran on tag rec_reset: two linked contacts and one without an account.
                var reset = _recording!.Exchanges.First(e => e.Seq > 128 && e.QueryValue("q") == "civicrm/ajax/api4/Contact/get" && Rows(e).Any());
                _civi.TagContacts(_civi.Store.Rows("Tag").First(t => Equals(t["name"], "rec_reset"))["id"] is long tag ? tag : 0, Rows(reset).Select(r => r.GetProperty("id").GetInt64()));
                break;
            case 139:
                // README: one new contact in rec_members for the on-demand call.
                var onDemand = _recording!.Exchanges.First(e => e.Seq > 139 && e.QueryValue("q") == "civicrm/ajax/api4/Contact/get" && Rows(e).Any(r => r.TryGetProperty("email_primary.email", out _)));
                var group = (long)_civi.Store.Rows("Group").First(g => Equals(g["name"], "rec_members"))["id"]!;
                _civi.AddToGroup(group, Rows(onDemand).Select(r => AddContact(r)));
                break;
        }
    }

    /// <inheritdoc />
    protected override Uri BaseUrlFor(RecordedExchange exchange) =>
        exchange.QueryValue("civiwp") is not null || exchange.QueryValue("q") is not null ? _civi.Url : _wordPress.BaseUrl;

    /// <inheritdoc />
    protected override string? Credential(RecordedExchange exchange, string header)
    {
        var wrong = exchange.Seq >= WrongCredentialsFrom;
        if (header.Equals("X-Civi-Auth", StringComparison.OrdinalIgnoreCase))
        {
            return "Bearer " + (wrong ? "wrong-" + _civi.ApiKey : _civi.ApiKey);
        }

        if (header.Equals("X-Civi-Key", StringComparison.OrdinalIgnoreCase))
        {
            return _civi.SiteKey;
        }

        if (header.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
        {
            var password = wrong ? "wrong password here" : _wordPress.ApplicationPassword;
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(_wordPress.AdminUsername + ":" + password))).ToString();
        }

        return null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _civi.Dispose();
            _wordPress.Dispose();
        }
    }

    private long AddContact(JsonElement row)
    {
        static string? S(JsonElement r, string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var id = row.GetProperty("id").GetInt64();
        _civi.Store.SetNextId("Contact", id);
        var added = _civi.AddContact(S(row, "first_name"), S(row, "last_name"), S(row, "email_primary.email"), c =>
        {
            c["preferred_language"] = S(row, "preferred_language");
            c["display_name"] = S(row, "display_name");
        });
        return added == id ? id : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Contact {id} could not be seeded with its recorded id (got {added})."));
    }
}
