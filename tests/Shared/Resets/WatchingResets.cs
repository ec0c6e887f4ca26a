using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>The kit's CMS, with a look at the moment each reset email is asked for (<see cref="BeforeReset"/>, given the user id).</summary>
internal sealed class WatchingResets(FakeCmsAccountProvider inner) : ICmsAccountProvider
{
    public FakeCmsAccountProvider Inner { get; } = inner;

    public Action<long>? BeforeReset { get; set; }

    public string Name => Inner.Name;

    public UsernameRules UsernameRules => Inner.UsernameRules;

    public CmsCapabilities Capabilities => Inner.Capabilities;

    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default) => Inner.FindByEmailAsync(email, cancellationToken);

    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default) => Inner.FindByUsernameAsync(username, cancellationToken);

    public Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default) => Inner.GetByIdAsync(userId, cancellationToken);

    public Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default) => Inner.CreateAsync(account, cancellationToken);

    public Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) => Inner.AddRolesAsync(account, roles, cancellationToken);

    public Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) => Inner.RemoveRolesAsync(account, roles, cancellationToken);

    public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        BeforeReset?.Invoke(account.UserId);
        return Inner.SendPasswordResetAsync(account, cancellationToken);
    }

    public Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default) => Inner.BlockAsync(account, cancellationToken);

    public Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default) => Inner.UnblockAsync(account, cancellationToken);

    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default) => Inner.CreateOneTimeLoginLinkAsync(account, cancellationToken);

    public Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default) => Inner.CheckConnectivityAsync(cancellationToken);

    public Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default) => Inner.CheckCredentialsAsync(cancellationToken);
}
