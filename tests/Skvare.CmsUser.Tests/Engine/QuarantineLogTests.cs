using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Engine;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A quarantine is logged once per outage (found in trial13: the web sample logged "Run quarantined" at Error on every
/// scheduled cycle while CiviCRM was down): the first quarantined run at Error, the next ones in a row at Information,
/// and the first run that ends normally after them at Information.
/// </summary>
public sealed class QuarantineLogTests : IDisposable
{
    private const int QuarantinedEvent = 1005;
    private const int AgainEvent = 1061;
    private const int OverEvent = 1062;

    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Quarantines_in_a_row_log_one_error_then_information_and_the_recovery_once()
    {
        _h.Member("Ana", "Lima", "ana@example.org");

        for (var run = 0; run < 3; run++)
        {
            _h.Civi.FailNext(CiviDown());
            (await _h.Provisioner.RunOnceAsync()).Quarantined.Should().BeTrue();
        }

        var during = Records();
        var recovered = await _h.Provisioner.RunOnceAsync();
        var after = Records();
        await _h.Provisioner.RunOnceAsync();
        var quiet = Records();

        during.Should().HaveCount(3);
        during[0].Should().Be((QuarantinedEvent, LogLevel.Error));
        during.Skip(1).Should().Equal((AgainEvent, LogLevel.Information), (AgainEvent, LogLevel.Information));
        _h.Logs.GetSnapshot().Where(r => r.Id.Id == AgainEvent).Select(r => r.Message).Should()
            .SatisfyRespectively(m => m.Should().Contain("(2 in a row)").And.Contain("HTTP 503"), m => m.Should().Contain("(3 in a row)"));
        recovered.Quarantined.Should().BeFalse();
        recovered.Count(OutcomeKind.Created).Should().Be(1);
        after.Skip(3).Should().Equal((OverEvent, LogLevel.Information));
        _h.Logs.GetSnapshot().Single(r => r.Id.Id == OverEvent).Message.Should().Contain("after 3 quarantined run(s)");
        quiet.Should().Equal(after, "a normal run after the recovery says nothing more about quarantines");
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Error && r.Id.Id != QuarantinedEvent);
    }

    [Fact]
    public void A_reason_that_ends_with_a_full_stop_gets_no_second_one()
    {
        // Found by trialdev24 on the real CiviCRM behind chaos_proxy: "… writes nothing twice.. Remaining contacts …".
        var logger = new FakeLogger();
        var streak = new QuarantineStreak();
        var summary = new RunSummary
        {
            StartedAt = DateTimeOffset.UnixEpoch,
            Duration = TimeSpan.Zero,
            Counts = new Dictionary<OutcomeKind, int>(),
            Failures = [],
            Quarantined = true,
            StopReason = "CiviCRM may have applied it: the next run finds out.",
        };

        streak.Report(logger, summary, "Remaining contacts were left untouched.");
        streak.Report(logger, summary, "Remaining contacts were left untouched.");

        logger.Collector.GetSnapshot().Select(r => r.Message).Should().HaveCount(2)
            .And.OnlyContain(m => m.Contains("finds out. Remaining contacts") && !m.Contains(".."));
    }

    [Fact]
    public async Task A_new_outage_after_a_recovery_is_an_error_again_and_a_cancelled_run_ends_no_streak()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.FailNext(CiviDown());
        await _h.Provisioner.RunOnceAsync();
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            (await _h.Provisioner.RunOnceAsync(null, cancelled.Token)).Cancelled.Should().BeTrue();
        }

        _h.Civi.FailNext(CiviDown());
        await _h.Provisioner.RunOnceAsync();
        await _h.Provisioner.RunOnceAsync();
        _h.Member("Bea", "Costa", "bea@example.org");
        _h.Civi.FailNext(CiviDown());
        await _h.Provisioner.RunOnceAsync();

        Records().Should().Equal(
            (QuarantinedEvent, LogLevel.Error),
            (AgainEvent, LogLevel.Information),
            (OverEvent, LogLevel.Information),
            (QuarantinedEvent, LogLevel.Error));
    }

    private static CmsProviderException CiviDown() => new("CiviCRM", CmsErrorReason.Unavailable, "HTTP 503");

    /// <summary>The quarantine records so far, in order: event id and level.</summary>
    private List<(int Id, LogLevel Level)> Records() => _h.Logs.GetSnapshot()
        .Where(r => r.Id.Id is QuarantinedEvent or AgainEvent or OverEvent)
        .Select(r => (r.Id.Id, r.Level))
        .ToList();
}
