namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// Remembers the signed requests the webhook accepted, so the same request sent again is refused.
/// Register your own implementation before <c>AddWebhook</c> (for example one using an atomic
/// "set if absent" in your own store) to replace the built-in ones.
/// </summary>
public interface IWebhookReplayStore
{
    /// <summary>
    /// Records <paramref name="key"/> for <paramref name="keepFor"/> unless it is already recorded.
    /// </summary>
    /// <param name="key">The canonical key of a verified request (derived from its MAC, never the header text).</param>
    /// <param name="keepFor">How long to remember it; after that the request's timestamp is refused anyway.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when this is the first time; <see langword="false"/> for a replay.</returns>
    ValueTask<bool> TryRecordAsync(string key, TimeSpan keepFor, CancellationToken cancellationToken = default);
}

/// <summary>Where the webhook remembers accepted requests (<c>CmsUser:Webhook:ReplayStore</c>).</summary>
public enum WebhookReplayStore
{
    /// <summary>In this process only (default): a restart or a second instance does not know earlier requests.</summary>
    Memory,

    /// <summary>
    /// The application's <c>HybridCache</c> (register it with <c>AddHybridCache()</c>, and an
    /// <c>IDistributedCache</c> such as Redis as its shared second level). If the shared level fails,
    /// HybridCache carries on with its local level: replays are then caught per instance only.
    /// </summary>
    HybridCache,

    /// <summary>
    /// The application's <c>IDistributedCache</c> directly. If the cache fails, requests are refused
    /// with 503 <c>replay_store_unavailable</c> rather than accepted unchecked.
    /// </summary>
    DistributedCache,
}
