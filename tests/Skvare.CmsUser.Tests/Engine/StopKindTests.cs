using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// <see cref="RunSummary.StopKind"/> says why a run stopped, so a host tells a setting to fix from a defect to report,
/// a server to wait for and a cancellation.
/// </summary>
public sealed class StopKindTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_run_that_processed_every_contact_did_not_stop()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("The CMS refused the data."));

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Count(OutcomeKind.Failed).Should().Be(1);
        summary.StopKind.Should().Be(RunStopKind.None, "a contact's failure is not a stop");
        summary.StopReason.Should().BeNull();
    }

    [Fact]
    public async Task A_page_read_that_throws_an_unexpected_exception_is_an_internal_error_not_a_configuration_error()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.FailNext(new InvalidOperationException("secret-ish detail 42"));

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.InternalError);
        summary.Quarantined.Should().BeFalse();
        summary.Cancelled.Should().BeFalse();
        summary.StopReason.Should().Contain("InvalidOperationException").And.Contain("defect").And.NotContain("secret-ish detail", "the message may quote data");
        summary.StopReason.Should().NotContain("contact;", "no contact was being handled");
        var logs = _h.Logs.GetSnapshot();
        logs.Should().Contain(r => r.Id.Id == 1015 && r.Exception is InvalidOperationException, "the log to attach to a report has the exception");
        logs.Should().NotContain(r => r.Id.Id == 1006, "the log does not call a defect a configuration error");

        var next = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        next.StopKind.Should().Be(RunStopKind.None);
        next.Count(OutcomeKind.Created).Should().Be(1);
    }

    [Fact]
    public async Task A_permanent_error_outside_any_contact_is_a_configuration_stop()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.FailNext(new CmsProviderException("CiviCRM", CmsErrorReason.InvalidData, "The trigger group website_members does not exist."));

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().Be("The trigger group website_members does not exist.");
        summary.Quarantined.Should().BeFalse();
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1006);
    }

    [Fact]
    public async Task Unavailable_servers_quarantine_the_run_both_in_a_contact_streak_and_outside_any_contact()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        foreach (var i in Enumerable.Range(1, 4))
        {
            _h.Member("P", $"N{i}", $"p{i}@example.org");
            _h.Cms.FailCreateFor($"p{i}@example.org", () => FakeCmsAccountProvider.Transient("Connection refused."));
        }

        var streak = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        _h.Civi.FailNext(new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "HTTP 503"));
        var down = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        streak.StopKind.Should().Be(RunStopKind.Quarantined);
        streak.Quarantined.Should().BeTrue("the old flag keeps working");
        down.StopKind.Should().Be(RunStopKind.Quarantined);
        down.Quarantined.Should().BeTrue();
    }

    [Fact]
    public async Task Cancellation_is_its_own_kind_and_a_stop_before_it_wins()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        foreach (var i in Enumerable.Range(1, 4))
        {
            _h.Member("P", $"N{i}", $"p{i}@example.org");
        }

        using var cts = new CancellationTokenSource();
        _h.Cms.BeforeCreate = _ =>
        {
            cts.Cancel();
            return Task.CompletedTask;
        };

        var cancelled = await _h.Provisioner.RunOnceAsync(cancellationToken: cts.Token).WaitAsync(Bound);

        cancelled.StopKind.Should().Be(RunStopKind.Cancelled);
        cancelled.Cancelled.Should().BeTrue();
        cancelled.StopReason.Should().BeNull();

        using var second = new CancellationTokenSource();
        _h.Cms.BeforeCreate = _ =>
        {
            second.Cancel();
            throw new CmsProviderException("InMemory", CmsErrorReason.Authentication, "The application password was refused.", statusCode: 401);
        };

        var stopped = await _h.Provisioner.RunOnceAsync(cancellationToken: second.Token).WaitAsync(Bound);

        stopped.StopKind.Should().Be(RunStopKind.Configuration, "the run stopped on the configuration error first; the cancellation came after");
        stopped.Cancelled.Should().BeTrue();
    }
}
