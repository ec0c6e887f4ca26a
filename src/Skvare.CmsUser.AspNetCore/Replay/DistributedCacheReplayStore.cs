using Microsoft.Extensions.Caching.Distributed;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// Replay store over <see cref="IDistributedCache"/>. The interface has no atomic "add if absent", so the
/// store reads, writes its own token, and reads back: of two instances racing on one key the last
/// writer wins and the other sees a foreign token. Failures of the cache propagate (the endpoint answers 503).
/// </summary>
internal sealed class DistributedCacheReplayStore(IDistributedCache cache) : IWebhookReplayStore
{
    public async ValueTask<bool> TryRecordAsync(string key, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        if (await cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        var token = Guid.NewGuid().ToByteArray();
        await cache.SetAsync(key, token, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = keepFor }, cancellationToken)
            .ConfigureAwait(false);
        var after = await cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return after is not null && after.AsSpan().SequenceEqual(token);
    }
}
