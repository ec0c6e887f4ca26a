using Microsoft.Extensions.Caching.Hybrid;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// Replay store over <see cref="HybridCache"/>: each request offers a fresh token as the value; it was
/// the first when the cache hands back its own token, and a replay when it hands back another's
/// (stored by this instance, or by another one through the shared second level).
/// </summary>
internal sealed class HybridCacheReplayStore(HybridCache cache) : IWebhookReplayStore
{
    public async ValueTask<bool> TryRecordAsync(string key, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N");
        var options = new HybridCacheEntryOptions { Expiration = keepFor, LocalCacheExpiration = keepFor };
        var stored = await cache.GetOrCreateAsync(key, token, static (t, _) => ValueTask.FromResult(t), options, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!string.Equals(stored, token, StringComparison.Ordinal))
        {
            return false;
        }

        // GetOrCreateAsync hands the value back before its write to the shared level has finished;
        // SetAsync waits for that write, so another instance sees the key before this request goes on.
        await cache.SetAsync(key, token, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }
}
