using System.Threading.RateLimiting;

namespace Skvare.CmsUser.Engine;

/// <summary>Wraps a provider so that every CMS request first takes a permit from a token bucket.</summary>
internal sealed class RateLimitedCmsProvider : ICmsAccountProvider, ICmsAccountPrefetch, IDisposable
{
    private readonly ICmsAccountProvider _inner;
    private readonly RateLimiter _limiter;

    public RateLimitedCmsProvider(ICmsAccountProvider inner, double requestsPerSecond)
    {
        _inner = inner;
        // Replenish in steps of at least 50 ms so high rates do not depend on a fine timer.
        var tokensPerPeriod = Math.Max(1, (int)Math.Ceiling(requestsPerSecond / 20));
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokensPerPeriod,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / requestsPerSecond),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public string Name => _inner.Name;

    public UsernameRules UsernameRules => _inner.UsernameRules;

    public CmsCapabilities Capabilities => _inner.Capabilities;

    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default) =>
        LimitedAsync(ct => _inner.FindByEmailAsync(email, ct), cancellationToken);

    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default) =>
        LimitedAsync(ct => _inner.FindByUsernameAsync(username, ct), cancellationToken);

    public Task PrefetchAsync(IReadOnlyCollection<string> emails, IReadOnlyCollection<string> usernames, CancellationToken cancellationToken = default) =>
        _inner is ICmsAccountPrefetch prefetch ? LimitedAsync(async ct => { await prefetch.PrefetchAsync(emails, usernames, ct).ConfigureAwait(false); return true; }, cancellationToken) : Task.CompletedTask;

    public Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default) =>
        LimitedAsync(ct => _inner.GetByIdAsync(userId, ct), cancellationToken);

    public Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default) =>
        LimitedAsync(ct => _inner.CreateAsync(account, ct), cancellationToken);

    public Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) =>
        LimitedAsync(async ct => { await _inner.AddRolesAsync(account, roles, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        LimitedAsync(async ct => { await _inner.SendPasswordResetAsync(account, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        LimitedAsync(async ct => { await _inner.BlockAsync(account, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        LimitedAsync(async ct => { await _inner.UnblockAsync(account, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) =>
        LimitedAsync(async ct => { await _inner.RemoveRolesAsync(account, roles, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        LimitedAsync(ct => _inner.CreateOneTimeLoginLinkAsync(account, ct), cancellationToken);

    public Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default) =>
        _inner.CheckConnectivityAsync(cancellationToken);

    public void Dispose() => _limiter.Dispose();

    private async Task<T> LimitedAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        return await call(cancellationToken).ConfigureAwait(false);
    }
}
