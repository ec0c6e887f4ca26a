using Skvare.CmsUser.Drupal;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>The provider contract every CMS provider meets, run against <see cref="Testing.Drupal.FakeDrupalServer"/> (Basic authentication).</summary>
public sealed class ProviderContractTests : ProviderContract
{
    private const string WrongPassword = "wrong-secret-tail-0123456789abcdef0123456789";

    protected override Type ProviderType => typeof(DrupalAccountProvider);

    protected override bool DatesAccounts => true;

    protected override void Register(ICmsUserBuilder builder, bool first) =>
        builder.AddDrupal(o =>
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
        var host = new DrupalTestHost(o =>
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
            () => [host.Server.ApiPassword, host.Server.ClientSecret, WrongPassword,
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Testing.Drupal.FakeDrupalServer.ApiUsername}:{host.Server.ApiPassword}"))]);
    }

    /// <inheritdoc />
    protected override CmsErrorReason BothTakenReason => CmsErrorReason.DuplicateEmail;
}
