using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>The provider contract every CMS provider meets, run against <see cref="Testing.Backdrop.FakeBackdropServer"/>.</summary>
public sealed class ProviderContractTests : ProviderContract
{
    private const string WrongSecret = "wrong-secret-tail-0123456789abcdef0123456789";

    protected override Type ProviderType => typeof(BackdropAccountProvider);

    protected override void Register(ICmsUserBuilder builder, bool first) =>
        builder.AddBackdrop(o =>
        {
            if (first)
            {
                o.Secret = "0123456789abcdef0123456789abcdef";
            }
            else
            {
                o.BaseUrl = new Uri("https://www.example.org/");
            }
        });

    protected override ContractSite StartSite(ContractSiteSettings settings)
    {
        var host = new BackdropTestHost(o =>
        {
            o.Secret = settings.WrongCredentials ? WrongSecret : o.Secret;
            o.BaseUrl = settings.BaseUrl ?? o.BaseUrl;
            settings.Http?.Invoke(o.Http);
        }, httpClock: settings.Clock);
        return new HostedContractSite(
            host,
            host.Provider,
            host.Logs,
            host.Server,
            () => [host.Server.Secret, WrongSecret, Testing.Backdrop.FakeBackdropServer.DefaultSecret]);
    }

    /// <inheritdoc />
    protected override CmsErrorReason BothTakenReason => CmsErrorReason.DuplicateEmail;
}
