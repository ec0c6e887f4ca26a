using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Testing.Drupal;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// <c>MaxCmsRequestsPerSecond</c> in the Drupal pipeline: every request sent takes a permit, the OAuth token
/// requests and the token renewal after a refusal included. Counted against the fake's request log, never timed.
/// </summary>
public sealed class RequestThrottleTests
{
    [Fact(Timeout = 30_000)]
    public async Task Token_requests_and_renewals_take_permits_like_every_other_request()
    {
        using var server = FakeDrupalServer.Start();
        server.AddUser("jdoe", "jdoe@example.org");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") });
            o.MaxCmsRequestsPerSecond = 10_000;
        }).AddDrupal(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Authentication = DrupalAuthenticationMode.OAuth2;
            o.ClientId = server.ClientId;
            o.ClientSecret = server.ClientSecret;
            o.Scope = "cmsuser";
        });
        await using var provider = services.BuildServiceProvider();
        var drupal = provider.GetRequiredService<ICmsAccountProvider>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(25));

        await drupal.FindByEmailAsync("jdoe@example.org", cts.Token);
        server.RevokeTokens();
        await drupal.FindByUsernameAsync("jdoe", cts.Token);

        // token, look-up; refused look-up, new token, look-up again.
        server.Requests.Should().HaveCount(5);
        provider.GetRequiredService<CmsRequestThrottle>().Limiter!.GetStatistics()!.TotalSuccessfulLeases.Should().Be(5);
    }
}
