using Skvare.CmsUser.Drupal7;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>The provider contract every CMS provider meets, run against <see cref="Testing.Drupal7.FakeDrupal7Server"/>; session ids and CSRF tokens count as secrets.</summary>
public sealed class ProviderContractTests : ProviderContract
{
    private const string WrongPassword = "wrong-secret-tail-0123456789abcdef0123456789";

    protected override Type ProviderType => typeof(Drupal7AccountProvider);

    protected override bool DatesAccounts => true;

    protected override void Register(ICmsUserBuilder builder, bool first) =>
        builder.AddDrupal7(o =>
        {
            if (first)
            {
                o.Username = "api";
                o.Password = "pw-0123456789";
            }
            else
            {
                o.BaseUrl = new Uri("https://www.example.org/");
            }
        });

    protected override ContractSite StartSite(ContractSiteSettings settings)
    {
        var host = new Drupal7TestHost(o =>
        {
            o.Password = settings.WrongCredentials ? WrongPassword : o.Password;
            o.BaseUrl = settings.BaseUrl ?? o.BaseUrl;
            settings.Http?.Invoke(o.Http);
        }, httpClock: settings.Clock);
        return new HostedContractSite(
            host,
            host.Provider,
            host.Logs,
            host.Server,
            () => host.Server.Requests.SelectMany(r => new[] { r.Cookie?.Split('=').ElementAtOrDefault(1), r.CsrfToken }).OfType<string>()
                .Concat([host.Server.ApiPassword, WrongPassword]));
    }

    /// <inheritdoc />
    protected override CmsErrorReason BothTakenReason => CmsErrorReason.DuplicateEmail;
}
