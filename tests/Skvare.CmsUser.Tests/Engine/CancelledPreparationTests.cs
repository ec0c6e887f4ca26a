using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

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
        var recorder = new AnswerAfterCancel(_h.Civi, cancel.Token);
        _h.Services = s => s.AddSingleton<IActivityRecorder>(recorder);

        var running = _h.Provisioner.RunOnceAsync(cancellationToken: cancel.Token);
        await recorder.SecondPageWriting.WaitAsync(TimeSpan.FromSeconds(50));
        await cancel.CancelAsync();
        var summary = await running.WaitAsync(TimeSpan.FromSeconds(50));

        summary.Cancelled.Should().BeTrue();
        var created = _h.Cms.Accounts.Select(a => a.Email).ToHashSet();
        _h.Civi.Activities.Should().OnlyContain(a => a.Status != ActivityOutcomeStatus.Scheduled, "no contact of the second page started, so none keeps a Scheduled record");
        _h.Civi.Activities.Should().HaveCount(created.Count, "only the contacts the run reached have a record");
    }

    /// <summary>
    /// The in-memory recorder as a remote store answers: the second page's records are written once the run is cancelled,
    /// and a call whose token was cancelled meanwhile throws, as an HTTP client does with an answer it gave up on.
    /// </summary>
    private sealed class AnswerAfterCancel(FakeCiviCrm inner, CancellationToken runCancelled) : IActivityRecorder
    {
        private readonly TaskCompletionSource _secondPage = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _opens;

        public Task SecondPageWriting => _secondPage.Task;

        public Task EnsureReadyAsync(CancellationToken cancellationToken = default) => inner.EnsureReadyAsync(cancellationToken);

        public Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default) => inner.RecordAsync(entries, cancellationToken);

        public Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default) =>
            inner.CountFailedAttemptsAsync(requests, kind, cancellationToken);

        public async Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _opens) == 2)
            {
                _secondPage.TrySetResult();
                await Task.Delay(Timeout.Infinite, runCancelled).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            var ids = await inner.OpenAsync(entries, CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return ids;
        }

        public Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default) =>
            inner.FindAuditsAsync(contactIds, kind, cancellationToken);

        public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) => inner.DiscardAsync(ids, cancellationToken);
    }
}
