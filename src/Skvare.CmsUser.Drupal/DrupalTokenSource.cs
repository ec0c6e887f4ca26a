namespace Skvare.CmsUser.Drupal;

/// <summary>
/// Caches one simple_oauth access token until shortly before it expires. Fetches are serialised so a burst of
/// calls asks the token endpoint once. Thread-safe.
/// </summary>
internal sealed class DrupalTokenSource : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private string? _token;
    private DateTimeOffset _renewAt;

    public DrupalTokenSource(TimeProvider time) => _time = time;

    /// <summary>The cached token, or a new one from <paramref name="fetch"/> when there is none or it is about to expire.</summary>
    public async Task<string> GetAsync(Func<CancellationToken, Task<(string Token, TimeSpan Lifetime)>> fetch, CancellationToken cancellationToken)
    {
        var token = Volatile.Read(ref _token);
        if (token is not null && _time.GetUtcNow() < _renewAt)
        {
            return token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is not null && _time.GetUtcNow() < _renewAt)
            {
                return _token;
            }

            var (fresh, lifetime) = await fetch(cancellationToken).ConfigureAwait(false);
            // Renew a little early: a token that expires in flight would cost a 401 and a second round trip.
            var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(60).Ticks, lifetime.Ticks / 10));
            _renewAt = _time.GetUtcNow() + lifetime - margin;
            Volatile.Write(ref _token, fresh);
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="refused"/> so the next <see cref="GetAsync"/> fetches a new token; a newer token is kept.</summary>
    public void Invalidate(string refused) => Interlocked.CompareExchange(ref _token, null, refused);

    public void Dispose() => _gate.Dispose();
}
