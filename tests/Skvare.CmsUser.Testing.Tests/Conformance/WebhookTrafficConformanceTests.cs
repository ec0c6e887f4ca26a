using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Testing.CiviCrm;
using Xunit.Abstractions;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// Every CiviCRM request the engine sent while the web sample handled the CiviCRM extension's webhook calls
/// (<c>tests/recordings/civicrm-webhook/sdk-traffic.jsonl</c>, real CiviCRM 6.17.2 in WordPress 6.1.9), from the
/// first step on, replayed against <see cref="FakeCiviCrmServer"/>: the engine's current query shapes (trigger
/// look-up by id with the Removed exclusion, join dates (<c>SubscriptionHistory.get</c>, which the older recordings
/// lack; their <c>joined</c> must have the real format), attempts since the join, the crash-safe Scheduled activity,
/// other-domain links, history moves) answered as the real CiviCRM answered them. The WordPress side is not replayed;
/// the CiviCRM plugin's link of each WordPress user the recording created is applied as it happened.
/// </summary>
public sealed class WebhookTrafficConformanceTests(ITestOutputHelper output)
{
    private const string Folder = "civicrm-webhook";

    [Fact(Timeout = 120_000)]
    public async Task The_CiviCRM_fake_answers_the_engines_webhook_traffic_as_the_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var full = Recording.Load(Folder);
        var firstStep = full.Exchanges.First(e => e.Step is { } s && s != WebhookCiviCrmAdapter.BeforeSteps && s != WebhookCiviCrmAdapter.BetweenSteps).Seq;
        var recording = full.Only(e => e.Seq >= firstStep && WebhookCiviCrmAdapter.IsCiviCrm(e) && e.Step != WebhookCiviCrmAdapter.BetweenSteps);
        using var adapter = new WebhookCiviCrmAdapter(full);

        var result = await ConformanceReplay.RunAsync(recording, adapter, timeout.Token);

        output.WriteLine(result.Summary);
        foreach (var line in result.Mismatches)
        {
            output.WriteLine(line);
        }

        result.Total.Should().BeGreaterThan(100, "the steps sent well over a hundred CiviCRM requests");
        result.Mismatches.Should().BeEmpty(result.Summary);
    }

    private sealed class WebhookCiviCrmAdapter(Recording full) : RecordingAdapter
    {
        /// <summary>The step label of the host's start-up traffic (before the first step).</summary>
        public const string BeforeSteps = "before the steps";

        /// <summary>The step label of the host's health checks between steps.</summary>
        public const string BetweenSteps = "between the steps";

        private readonly FakeCiviCrmServer _civi = new() { JsonContentType = "application/json; charset=UTF-8" };
        private readonly HashSet<long> _seeded = [];
        private long _group;
        private long _tag;
        private int _lastSeq;

        public static bool IsCiviCrm(RecordedExchange exchange) => exchange.QueryValue("q") is { } q && q.StartsWith("civicrm/ajax/api4/", StringComparison.Ordinal);

        public override void Seed(Recording recording)
        {
            // The API user: the WordPress administrator's contact, linked to WordPress user 1 (the first request).
            var identity = Rows(full.Exchanges.First(e => e.QueryValue("q") == "civicrm/ajax/api4/Contact/get" && Rows(e).Any())).First();
            _civi.Store.SetNextId("Contact", identity.GetProperty("id").GetInt64());
            _civi.ApiContactId = _civi.AddContact(null, null, identity.GetProperty("display_name").GetString());
            _civi.AddLink(_civi.ApiContactId, 1, identity.GetProperty("display_name").GetString()!);

            // Made by setup.sh (data.php) and the host's first start; ids as the host's look-ups found them.
            _civi.AddOptionValue("activity_type", "User Account Creation", "56");
            _civi.AddOptionValue("activity_type", "User Account Password Reset", "57");
            _civi.AddOptionValue("activity_status", "Failed", "9");
            _civi.Store.SetNextId("Group", IdOf("Group", "website_members"));
            _group = _civi.AddGroup("website_members", "Website members");
            _civi.AddGroup("website_members_done", "Website members (done)");
            _civi.Store.SetNextId("Tag", IdOf("Tag", "website_premium"));
            _tag = _civi.AddTag("website_premium");
            _civi.AddTag("website_premium_done");
            _lastSeq = recording.Exchanges[0].Seq - 1;
        }

        public override void BeforeExchange(RecordedExchange exchange)
        {
            // WordPress users created since the last CiviCRM request: CiviCRM's plugin linked each to its contact.
            foreach (var created in full.Exchanges.Where(e => e.Seq > _lastSeq && e.Seq < exchange.Seq && e.Method == "POST" && e.Path == "/wp-json/wp/v2/users" && e.Status == 201))
            {
                var user = created.ResponseJson!.Value;
                _civi.LinkNewCmsUser(user.GetProperty("id").GetInt64(), user.GetProperty("email").GetString()!);
            }

            _lastSeq = exchange.Seq;

            // A new activity gets the id the real site gave it, so the later update of that activity (by id) finds it.
            if (exchange.QueryValue("q") == "civicrm/ajax/api4/Activity/save" && exchange.Status == 200
                && !exchange.Form!.First(f => f.Key == "params").Value.Contains("\"id\"", StringComparison.Ordinal))
            {
                _civi.Store.SetNextId("Activity", Rows(exchange).First().GetProperty("id").GetInt64());
                return;
            }

            // A trigger look-up that found a contact not seen before: the extension's step had just made it and
            // added it to the group or given it the tag (the request says which).
            if (exchange.QueryValue("q") != "civicrm/ajax/api4/Contact/get")
            {
                return;
            }

            var byTag = exchange.Form!.First(f => f.Key == "params").Value.Contains("\"tags\"", StringComparison.Ordinal);
            foreach (var row in Rows(exchange).Where(r => r.TryGetProperty("email_primary.email", out _) && !_seeded.Contains(r.GetProperty("id").GetInt64())))
            {
                var id = row.GetProperty("id").GetInt64();
                _civi.Store.SetNextId("Contact", id);
                var added = _civi.AddContact(S(row, "first_name"), S(row, "last_name"), S(row, "email_primary.email"));
                if (added != id)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Contact {id} could not be seeded with its recorded id (got {added})."));
                }

                _seeded.Add(id);
                if (byTag)
                {
                    _civi.TagContacts(_tag, [id]);
                }
                else
                {
                    _civi.AddToGroup(_group, [id]);
                }
            }
        }

        public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
        {
            // Values are not compared generically; the join date's shape is what the engine parses (the site's
            // wall-clock time), so it is checked on both sides.
            if (expected.QueryValue("q") != "civicrm/ajax/api4/SubscriptionHistory/get" || status != 200)
            {
                yield break;
            }

            using var doc = JsonDocument.Parse(body);
            foreach (var (side, rows) in new[] { ("the fake's", doc.RootElement.GetProperty("values")), ("the recorded", expected.ResponseJson!.Value.GetProperty("values")) })
            {
                foreach (var row in rows.EnumerateArray())
                {
                    var joined = row.GetProperty("joined").GetString();
                    if (!DateTime.TryParseExact(joined, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    {
                        yield return $"{side} joined '{joined}' is not 'yyyy-MM-dd HH:mm:ss'";
                    }
                }
            }
        }

        protected override Uri BaseUrlFor(RecordedExchange exchange) => _civi.Url;

        protected override string? Credential(RecordedExchange exchange, string header) =>
            header.Equals("X-Civi-Auth", StringComparison.OrdinalIgnoreCase) ? "Bearer " + _civi.ApiKey : null;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _civi.Dispose();
            }
        }

        private static string? S(JsonElement row, string name) => row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private long IdOf(string entity, string name) =>
            Rows(full.Exchanges.First(e => e.QueryValue("q") == $"civicrm/ajax/api4/{entity}/get"
                && e.Form!.First(f => f.Key == "params").Value.Contains($"\"{name}\"", StringComparison.Ordinal) && Rows(e).Any())).First().GetProperty("id").GetInt64();
    }
}
