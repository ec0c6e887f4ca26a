namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// Lets a test give up, on the client, the requests of a run it abandoned, as a killed process gives them up: a handler for
/// the client below its resilience pipeline (<c>AddHttpMessageHandler</c>) that also cancels each request once
/// <see cref="AbandonAsync"/> is called. A request a fake hangs for ever otherwise ends only at the client's attempt timeout
/// (30 s by default), and the host's disposal waits for it.
/// </summary>
internal sealed class AbandonableRequests : IDisposable
{
    private readonly CancellationTokenSource _abandon = new();

    /// <summary>A handler for the client (one per handler chain the factory builds).</summary>
    public DelegatingHandler Handler() => new Abandonable(_abandon.Token);

    /// <summary>Gives up every request in flight and every later one.</summary>
    public Task AbandonAsync() => _abandon.CancelAsync();

    public void Dispose() => _abandon.Dispose();

    private sealed class Abandonable(CancellationToken abandoned) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, abandoned);
            return await base.SendAsync(request, either.Token).ConfigureAwait(false);
        }
    }
}
