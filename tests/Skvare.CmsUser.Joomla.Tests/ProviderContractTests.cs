using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>The provider contract every CMS provider meets, run against <see cref="FakeJoomlaServer"/>.</summary>
public sealed class ProviderContractTests : ProviderContract
{
    private const string WrongToken = "c2hhMjU2Ojk5Ondyb25nLXRva2VuLTAxMjM0NTY3ODlhYmNkZWY=";

    protected override Type ProviderType => typeof(JoomlaAccountProvider);

    protected override bool DatesAccounts => true;

    protected override NewCmsAccount NewAccount(string username = "jdoe", string email = "jdoe@example.org") =>
        base.NewAccount(username, email) with { FirstName = "Jane", LastName = "Doe" };

    protected override void Register(ICmsUserBuilder builder, bool first) =>
        builder.AddJoomla(o =>
        {
            if (first)
            {
                o.ApiToken = "c2hhMjU2OjQyOmFiY2RlZg==";
            }
            else
            {
                o.BaseUrl = new Uri("https://www.example.org/");
            }
        });

    protected override ContractSite StartSite(ContractSiteSettings settings)
    {
        var site = new FakeJoomlaServer();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        ProviderTestHost.AddHttpClock(services, settings.Clock);
        new TestBuilder(services, null).AddJoomla(o =>
        {
            o.BaseUrl = settings.BaseUrl ?? site.BaseUrl;
            o.ApiToken = settings.WrongCredentials ? WrongToken : site.Token;
            o.Http = ProviderTestHost.FastHttp();
            settings.Http?.Invoke(o.Http);
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new HostedContractSite(
            new Both(provider, site),
            provider.GetRequiredService<ICmsAccountProvider>(),
            logs,
            site,
            () => [site.Token, WrongToken]);
    }

    private sealed class Both(ServiceProvider services, FakeJoomlaServer site) : IDisposable
    {
        public void Dispose()
        {
            services.Dispose();
            site.Dispose();
        }
    }

    /// <inheritdoc />
    protected override CmsErrorReason BothTakenReason => CmsErrorReason.DuplicateUsername;
}
