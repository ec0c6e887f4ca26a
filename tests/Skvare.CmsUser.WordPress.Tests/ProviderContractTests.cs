using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>The provider contract every CMS provider meets, run against <see cref="FakeWordPressServer"/>.</summary>
public sealed class ProviderContractTests : ProviderContract
{
    private const string WrongPassword = "wron gApp Pass word 0123";

    protected override Type ProviderType => typeof(WordPressAccountProvider);

    protected override bool DatesAccounts => true;

    protected override void Register(ICmsUserBuilder builder, bool first) =>
        builder.AddWordPress(o =>
        {
            if (first)
            {
                o.Username = "api";
                o.ApplicationPassword = "abcd abcd abcd abcd abcd abcd";
            }
            else
            {
                o.BaseUrl = new Uri("https://www.example.org/");
            }
        });

    protected override ContractSite StartSite(ContractSiteSettings settings)
    {
        var server = new FakeWordPressServer();
        var host = WordPressTestHost.For(server, configure: o =>
        {
            o.ApplicationPassword = settings.WrongCredentials ? WrongPassword : o.ApplicationPassword;
            o.BaseUrl = settings.BaseUrl ?? o.BaseUrl;
            o.Http.AttemptTimeout = ProviderTestHost.FastHttp().AttemptTimeout;
            settings.Http?.Invoke(o.Http);
        }, httpClock: settings.Clock);
        return new HostedContractSite(
            new Both(host, server),
            host.Provider,
            host.Logs,
            server,
            () => [server.ApplicationPassword, server.ApplicationPassword.Replace(" ", string.Empty, StringComparison.Ordinal), WrongPassword,
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(server.AdminUsername + ":" + server.ApplicationPassword))]);
    }

    private sealed class Both(WordPressTestHost host, FakeWordPressServer server) : IDisposable
    {
        public void Dispose()
        {
            host.Dispose();
            server.Dispose();
        }
    }

    /// <inheritdoc />
    protected override CmsErrorReason BothTakenReason => CmsErrorReason.DuplicateUsername;
}
