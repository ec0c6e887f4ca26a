using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// Regression (session 22, measured on a real Apache with KeepAliveTimeout 5): a pooled connection idle for about 5 s was
/// reused just as Apache closed it, and the request failed unanswered (16 of 240 look-ups, 6 of 80 creates). The client now
/// drops an idle connection first.
/// </summary>
public sealed class PooledConnectionTests
{
    [Fact]
    public async Task An_idle_pooled_connection_is_dropped_before_Apache_closes_it()
    {
        var services = new ServiceCollection().AddLogging();
        new TestBuilder(services, null).AddDrupal(o =>
        {
            o.BaseUrl = new Uri("https://drupal.example/");
            o.Username = "cmsuser_api";
            o.Password = "a-long-enough-password";
        });
        await using var provider = services.BuildServiceProvider();

        PooledConnections.IdleTimeout(provider, DrupalAccountProvider.HttpClientName).Should().BePositive().And.BeLessThan(PooledConnections.ApacheKeepAliveTimeout);
    }
}
