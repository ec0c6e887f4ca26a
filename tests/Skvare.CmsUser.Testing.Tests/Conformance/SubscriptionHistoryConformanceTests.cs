using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Testing.CiviCrm;
using Xunit.Abstractions;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// The join-date query of group triggers (<c>SubscriptionHistory.get</c> with <c>MAX(date) AS joined</c> grouped by
/// contact) as a real CiviCRM 6.17.2 answered it in <c>tests/recordings/civicrm-webhook/sdk-traffic.jsonl</c>, replayed
/// against <see cref="FakeCiviCrmServer"/>. The other recordings predate the query, so this is the fake's only check
/// against the real server for it.
/// </summary>
public sealed class SubscriptionHistoryConformanceTests(ITestOutputHelper output)
{
    private const string Query = "civicrm/ajax/api4/SubscriptionHistory/get";

    [Fact(Timeout = 60_000)]
    public async Task The_fake_answers_the_recorded_join_date_queries_as_the_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        var recording = Recording.Load("civicrm-webhook").Only(e => e.QueryValue("q") == Query);
        recording.Exchanges.Should().NotBeEmpty("the recording holds the engine's join-date queries");
        using var adapter = new JoinDateAdapter();

        var result = await ConformanceReplay.RunAsync(recording, adapter, timeout.Token);

        output.WriteLine(result.Summary);
        result.Mismatches.Should().BeEmpty(result.Summary);
    }

    /// <summary>
    /// Seeds, for each recorded query, its group and the contacts it asks about as members added once (as in the
    /// recording: every contact was added once, just before the webhook call), and checks the dates' format.
    /// </summary>
    private sealed class JoinDateAdapter : RecordingAdapter
    {
        private readonly FakeCiviCrmServer _civi = new() { JsonContentType = "application/json; charset=UTF-8" };

        public override void Seed(Recording recording)
        {
            var memberships = new List<(long Group, List<long> Contacts)>();
            foreach (var exchange in recording.Exchanges)
            {
                using var parameters = JsonDocument.Parse(exchange.Form!.First(f => f.Key == "params").Value);
                var where = parameters.RootElement.GetProperty("where").EnumerateArray().ToList();
                memberships.Add((
                    where.First(w => w[0].GetString() == "group_id")[2].GetInt64(),
                    [.. where.First(w => w[0].GetString() == "contact_id")[2].EnumerateArray().Select(c => c.GetInt64())]));
            }

            // Ids only grow in the fake's store: seed groups and contacts in ascending order with their recorded ids.
            foreach (var group in memberships.Select(m => m.Group).Distinct().Order())
            {
                _civi.Store.SetNextId("Group", group);
                _civi.AddGroup("website_members_" + group.ToString(CultureInfo.InvariantCulture));
            }

            foreach (var contact in memberships.SelectMany(m => m.Contacts).Distinct().Order())
            {
                _civi.Store.SetNextId("Contact", contact);
                _civi.AddContact("Joined", contact.ToString(CultureInfo.InvariantCulture), null);
            }

            foreach (var (group, contacts) in memberships)
            {
                _civi.AddToGroup(group, contacts);
            }
        }

        public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
        {
            // Values are not compared generically; the date's shape is what the engine parses (site wall-clock time).
            using var doc = JsonDocument.Parse(body);
            foreach (var row in doc.RootElement.GetProperty("values").EnumerateArray())
            {
                var joined = row.GetProperty("joined").GetString();
                if (!DateTime.TryParseExact(joined, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    yield return $"joined '{joined}' is not 'yyyy-MM-dd HH:mm:ss' as the real CiviCRM answers";
                }
            }

            foreach (var row in expected.ResponseJson!.Value.GetProperty("values").EnumerateArray())
            {
                var real = row.GetProperty("joined").GetString();
                if (!DateTime.TryParseExact(real, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    yield return $"the recorded joined '{real}' has another format: update this check";
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
    }
}
