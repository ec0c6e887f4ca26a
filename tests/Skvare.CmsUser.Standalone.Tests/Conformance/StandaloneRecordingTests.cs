using Skvare.CmsUser.Testing.Standalone;
using Xunit.Abstractions;

namespace Skvare.CmsUser.Standalone.Tests.Conformance;

/// <summary>
/// <see cref="FakeStandaloneServer"/> against the real CiviCRM Standalone 6.17.2: every exchange of
/// <c>tests/recordings/civicrm-standalone-6.17.2/sdk-traffic.jsonl</c> is replayed in order and must be
/// answered alike (see <see cref="ResponseComparer"/> for what "alike" means).
/// </summary>
public sealed class StandaloneRecordingTests(ITestOutputHelper output)
{
    private static readonly string Recording = Path.Combine(AppContext.BaseDirectory, "recordings", "civicrm-standalone-6.17.2", "sdk-traffic.jsonl");

    /// <summary>
    /// Exchanges answered by the generic fake CiviCRM (not by its Standalone User/Role part) that still differ
    /// from the real site: the write echoes of <c>OptionValue.save</c> (<c>weight</c>, <c>custom</c>,
    /// <c>check_permissions</c>; <c>value</c> only when created), <c>Activity.save</c> (<c>priority_id</c>,
    /// <c>created_date</c>, <c>modified_date</c>, no <c>is_deleted</c>/<c>is_test</c>), <c>GroupContact.save</c>
    /// (<c>custom</c>, <c>check_permissions</c>, and <c>method</c>/<c>tracking</c> on some rows), <c>UFMatch.save</c>
    /// on a Standalone site (no User fields), and one failure count (#259). They belong to the fake CiviCRM's
    /// fidelity work (FakeApi4Engine.Writes.cs); remove a number here once its exchange matches.
    /// </summary>
    private static readonly HashSet<int> KnownCiviCrmDifferences = [71, 243, 244, 245, 247, 250, 255, 259, 260, 261, 263, 266, 271, 272, 275, 280, 302, 303, 305];

    [Fact]
    public async Task The_fake_answers_every_recorded_exchange_like_the_real_site()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exchanges = RecordedExchange.Load(Recording);
        using var site = new FakeStandaloneServer();
        using var http = new HttpClient();
        var replay = new StandaloneRecordingReplay(site, exchanges);

        var mismatches = new List<(RecordedExchange Exchange, string Text)>();
        foreach (var exchange in exchanges)
        {
            var differences = await replay.ReplayAsync(http, exchange, timeout.Token);
            if (differences.Count > 0)
            {
                mismatches.Add((exchange, $"#{exchange.Seq} {exchange.Step} {exchange.Entity}.{exchange.Action}: {string.Join("; ", differences)}"));
            }
        }

        var standalone = exchanges.Where(e => e.Entity is "User" or "Role").ToArray();
        output.WriteLine($"{exchanges.Count - mismatches.Count} of {exchanges.Count} recorded exchanges match; {standalone.Length - mismatches.Count(m => m.Exchange.Entity is "User" or "Role")} of {standalone.Length} User and Role exchanges.");
        foreach (var (_, text) in mismatches)
        {
            output.WriteLine(text);
        }

        exchanges.Should().HaveCount(305);
        mismatches.Where(m => !KnownCiviCrmDifferences.Contains(m.Exchange.Seq)).Select(m => m.Text).Should().BeEmpty();
        mismatches.Should().NotContain(m => m.Exchange.Entity == "User" || m.Exchange.Entity == "Role", "the Standalone part of the fake must match on every exchange");
    }
}
