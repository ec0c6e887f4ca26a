using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// <c>Http:PooledConnectionIdleTimeout</c> (session 24): the idle time after which the client closes a kept-alive
/// connection, a setting for hosts whose keep-alive timeout is shorter than the default 2 s (shared registration: every
/// package builds its handler the same way).
/// </summary>
public sealed class PooledConnectionIdleTimeoutTests
{
    [Theory]
    [InlineData(null, 2000)]
    [InlineData(500, 500)]
    [InlineData(0, 0)]
    [InlineData(300_000, 300_000)]
    public void The_setting_reaches_the_connection_pool(int? milliseconds, int expected)
    {
        using var h = new CiviHarness(configure: o =>
        {
            if (milliseconds is { } ms)
            {
                o.Http.PooledConnectionIdleTimeout = TimeSpan.FromMilliseconds(ms);
            }
        });

        PooledConnections.IdleTimeout(h.Services, CiviCrmApiClient.HttpClientName).Should().Be(TimeSpan.FromMilliseconds(expected));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(300_001)]
    public void A_value_out_of_range_stops_the_start_naming_the_key(int milliseconds)
    {
        using var h = new CiviHarness(configure: o => o.Http.PooledConnectionIdleTimeout = TimeSpan.FromMilliseconds(milliseconds));

        var start = () => h.Services.GetRequiredService<IOptions<CiviCrmOptions>>().Value;

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("CmsUser:CiviCrm:Http:PooledConnectionIdleTimeout").And.Contain("between 0 and 5 minutes");
    }
}
