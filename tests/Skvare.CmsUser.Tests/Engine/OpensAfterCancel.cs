using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// The in-memory recorder as a remote store answers a write sent just before a cancellation: its
/// <paramref name="held"/>-th open is carried out only once <paramref name="cancelled"/> is cancelled, and a call whose
/// token was cancelled meanwhile throws after the write, as an HTTP client does with an answer it gave up on.
/// </summary>
internal sealed class OpensAfterCancel(FakeCiviCrm inner, int held, CancellationToken cancelled) : IActivityRecorder
{
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _opens;

    /// <summary>Ends when the held open has arrived (and waits for the cancellation).</summary>
    public Task Holding => _holding.Task;

    public Task EnsureReadyAsync(CancellationToken cancellationToken = default) => inner.EnsureReadyAsync(cancellationToken);

    public Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default) => inner.RecordAsync(entries, cancellationToken);

    public Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default) =>
        inner.CountFailedAttemptsAsync(requests, kind, cancellationToken);

    public async Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _opens) == held)
        {
            _holding.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancelled).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var ids = await inner.OpenAsync(entries, CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        return ids;
    }

    public Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default) =>
        inner.FindAuditsAsync(contactIds, kind, cancellationToken);

    public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) => inner.DiscardAsync(ids, cancellationToken);
}
