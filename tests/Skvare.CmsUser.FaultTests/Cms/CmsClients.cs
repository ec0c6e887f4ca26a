using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Registers one HTTP client of the SDK against its fake, with the credentials a property suite generates: the one way
/// <see cref="HostileAnswerProperties"/> and <see cref="IssuedCredentialProperties"/> build a client per CMS. Each method
/// adds the package to a fresh service collection with <see cref="Http"/>; the suite sets up logging and the fake's faults.
/// </summary>
internal static class CmsClients
{
    /// <summary>
    /// HTTP settings for fakes that answer at once: one quick retry, no circuit breaker. Nothing waits for a timeout, so the
    /// attempt timeout is long (a short one would fail a slow answer on a loaded machine).
    /// </summary>
    public static HttpClientSettings Http() => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetries = 1,
        AttemptTimeout = TimeSpan.FromSeconds(60),
        CircuitBreakerFailureRatio = 1,
    };

    /// <summary>The CiviCRM API v4 client (<c>CiviCrmApiClient</c>) with an API key and a site key.</summary>
    public static ICmsUserBuilder CiviCrm(IServiceCollection services, FakeCiviCrmServer server, string apiKey, string? siteKey) =>
        services.AddCmsUserProvisioning().AddCiviCrm(o =>
        {
            o.BaseUrl = server.Url;
            o.ApiKey = apiKey;
            o.SiteKey = siteKey;
            o.Http = Http();
        });

    /// <summary>CiviCRM Standalone: the CiviCRM client and the Standalone provider acting with <paramref name="actorPassword"/>.</summary>
    public static ICmsUserBuilder Standalone(IServiceCollection services, FakeStandaloneServer server, string apiKey, string? siteKey, string actorPassword) =>
        CiviCrm(services, server, apiKey, siteKey).AddStandalone(o => o.ActorPassword = actorPassword);

    /// <summary>WordPress with an application password and the companion plugin.</summary>
    public static ICmsUserBuilder WordPress(IServiceCollection services, IFakeCmsServer server, string username, string applicationPassword) =>
        services.AddCmsUserProvisioning().AddWordPress(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Username = username;
            o.ApplicationPassword = applicationPassword;
            o.UseCompanionPlugin = true;
            o.Http = Http();
        });

    /// <summary>Drupal 10/11 with HTTP Basic, with or without the companion module.</summary>
    public static ICmsUserBuilder Drupal(IServiceCollection services, IFakeCmsServer server, string username, string password, bool companionModule = false) =>
        services.AddCmsUserProvisioning().AddDrupal(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Username = username;
            o.Password = password;
            o.UseCompanionModule = companionModule;
            o.Http = Http();
        });

    /// <summary>Drupal 10/11 with OAuth2 client credentials.</summary>
    public static ICmsUserBuilder DrupalOAuth2(IServiceCollection services, IFakeCmsServer server, string clientId, string clientSecret) =>
        services.AddCmsUserProvisioning().AddDrupal(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Authentication = CmsUser.Drupal.DrupalAuthenticationMode.OAuth2;
            o.ClientId = clientId;
            o.ClientSecret = clientSecret;
            o.Http = Http();
        });

    /// <summary>Drupal 7 Services with a login, the role <c>editor</c> mapped to id 4.</summary>
    public static ICmsUserBuilder Drupal7(IServiceCollection services, IFakeCmsServer server, string username, string password) =>
        services.AddCmsUserProvisioning().AddDrupal7(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Endpoint = ((FakeDrupal7Server)server).Endpoint;
            o.Username = username;
            o.Password = password;
            o.RoleIds["editor"] = "4";
            o.Http = Http();
        });

    /// <summary>Backdrop with the module's shared secret.</summary>
    public static ICmsUserBuilder Backdrop(IServiceCollection services, IFakeCmsServer server, string secret) =>
        services.AddCmsUserProvisioning().AddBackdrop(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Secret = secret;
            o.Http = Http();
        });

    /// <summary>Joomla with an API token, the group <c>editor</c> mapped to id 10.</summary>
    public static ICmsUserBuilder Joomla(IServiceCollection services, IFakeCmsServer server, string apiToken) =>
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.ApiToken = apiToken;
            o.GroupIds["editor"] = 10;
            o.Http = Http();
        });
}
