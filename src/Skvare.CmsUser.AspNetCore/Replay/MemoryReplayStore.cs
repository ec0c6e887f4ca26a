namespace Skvare.CmsUser.AspNetCore;

/// <summary>The default replay store: one dictionary per process, swept of expired keys once a minute.</summary>
internal sealed class MemoryReplayStore(TimeProvider time) : IWebhookReplayStore
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep;

    public ValueTask<bool> TryRecordAsync(string key, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_seen)
        {
            if (now >= _nextSweep)
            {
                foreach (var expired in _seen.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToArray())
                {
                    _seen.Remove(expired);
                }

                _nextSweep = now + TimeSpan.FromMinutes(1);
            }

            if (_seen.TryGetValue(key, out var until) && until > now)
            {
                return ValueTask.FromResult(false);
            }

            _seen[key] = now + keepFor;
            return ValueTask.FromResult(true);
        }
    }
}
