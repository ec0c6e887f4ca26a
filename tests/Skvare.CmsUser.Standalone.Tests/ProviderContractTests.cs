using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// The provider contract every CMS provider meets, run against <see cref="FakeStandaloneServer"/>. A Standalone user
/// belongs to a contact, so every new account gets a contact of its own in the fake CiviCRM first
/// (<see cref="ContractSite.Prepare"/>), and seeded accounts are contact-backed users.
/// </summary>
public sealed class ProviderContractTests : ProviderContract
{
    private const string WrongKey = "wrong-api-key-0123456789abcdef";

    protected override Type ProviderType => typeof(StandaloneAccountProvider);

    // A user that belongs to a contact is never handed out by email (StandaloneAccountHeldException): the contract
    // finds seeded and created users by username.
    protected override Task<CmsAccount?> FindAsync(ICmsAccountProvider provider, string username, string email) =>
        provider.FindByUsernameAsync(username);

    // A create whose reply is lost is looked up by its contact: found, it is the created user.
    protected override CmsErrorReason BothTakenReason => CmsErrorReason.DuplicateEmail;

    protected override bool RecoversLostCreateReplies => true;

    protected override int CreateRecoveryLookups => 1;

    // when_created, read with the site's zone, on a read by id: the read the engine makes of a linked contact's user, which
    // is how a user a stopped run created is found again (the user row is the contact's link).
    protected override bool DatesAccounts => true;

    protected override bool DatesFoundAccounts => false;

    protected override void Register(ICmsUserBuilder builder, bool first) =>
        builder.AddCiviCrm(o =>
        {
            if (first)
            {
                o.ApiKey = "0123456789abcdef0123456789abcdef";
            }
            else
            {
                o.BaseUrl = new Uri("https://www.example.org/");
            }
        }).AddStandalone();

    protected override ContractSite StartSite(ContractSiteSettings settings)
    {
        var server = new FakeStandaloneServer();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        ProviderTestHost.AddHttpClock(services, settings.Clock);
        new TestBuilder(services, null).AddCiviCrm(o =>
        {
            o.BaseUrl = settings.BaseUrl ?? server.Url;
            o.ApiKey = settings.WrongCredentials ? WrongKey : server.ApiKey;
            o.Http = ProviderTestHost.FastHttp();
            settings.Http?.Invoke(o.Http);
        }).AddStandalone(o => o.ActorPassword = server.ActorPassword);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new HostedContractSite(
            new Both(provider, server),
            provider.GetRequiredService<ICmsAccountProvider>(),
            logs,
            server,
            () => [server.ApiKey, server.SiteKey, server.ActorPassword, WrongKey],
            account => account with { ContactId = server.AddContact(account.FirstName, account.LastName, account.Email) });
    }

    private sealed class Both(ServiceProvider provider, FakeStandaloneServer server) : IDisposable
    {
        public void Dispose()
        {
            provider.Dispose();
            server.Dispose();
        }
    }
}
