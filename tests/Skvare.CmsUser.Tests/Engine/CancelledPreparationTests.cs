using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A run cancelled while the page read ahead opens its Scheduled records through the host's recorder: the write is waited
/// for (the store may have written them, and only its answer names them), so the page that will not start gives them back.
/// </summary>
public sealed class CancelledPreparationTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_cancelled_run_leaves_no_Scheduled_record_of_the_page_prepared_ahead()
    {
        _h.Configure = o =>
        {
            o.MaxConcurrency = 1;
            o.PageSize = 2;
        };
        for (var i = 0; i < 4; i++)
        {
            _h.Member("Member", "N" + i, $"member{i}@example.org");
        }

        using var cancel = new CancellationTokenSource();
        var recorder = new OpensAfterCancel(_h.Civi, held: 2, cancel.Token);
        _h.Services = s => s.AddSingleton<IActivityRecorder>(recorder);

        var running = _h.Provisioner.RunOnceAsync(cancellationToken: cancel.Token);
        await recorder.Holding.WaitAsync(TimeSpan.FromSeconds(50));
        await cancel.CancelAsync();
        var summary = await running.WaitAsync(TimeSpan.FromSeconds(50));

        summary.Cancelled.Should().BeTrue();
        var created = _h.Cms.Accounts.Select(a => a.Email).ToHashSet();
        _h.Civi.Activities.Should().OnlyContain(a => a.Status != ActivityOutcomeStatus.Scheduled, "no contact of the second page started, so none keeps a Scheduled record");
        _h.Civi.Activities.Should().HaveCount(created.Count, "only the contacts the run reached have a record");
    }
}
