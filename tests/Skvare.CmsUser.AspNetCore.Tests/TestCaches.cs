using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// Stands in for Redis: one store reached by every instance given the same object. (HybridCache
/// ignores a registered MemoryDistributedCache as its second level, so tests cannot register that one directly.)
/// </summary>
internal sealed class SharedCache : IDistributedCache
{
    private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));

    /// <summary>How long a write takes to land (a slow network to Redis).</summary>
    public TimeSpan WriteDelay { get; init; }

    public byte[]? Get(string key) => _inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _inner.GetAsync(key, token);

    public void Refresh(string key) => _inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

    public void Remove(string key) => _inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await Task.Delay(WriteDelay, token);
        await _inner.SetAsync(key, value, options, token);
    }
}

/// <summary>A distributed cache that cannot be reached: every call fails as Redis down would.</summary>
internal sealed class UnreachableCache : IDistributedCache
{
    private static TimeoutException Down() => new("Redis connection timed out");

    public byte[]? Get(string key) => throw Down();

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromException<byte[]?>(Down());

    public void Refresh(string key) => throw Down();

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.FromException(Down());

    public void Remove(string key) => throw Down();

    public Task RemoveAsync(string key, CancellationToken token = default) => Task.FromException(Down());

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw Down();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.FromException(Down());
}
