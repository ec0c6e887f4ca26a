using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// The credentials check of a Standalone run that needed the CMS for no contact: Standalone's CMS is CiviCRM itself, yet
/// the check still asks who the API contact is, because a warm run's own CiviCRM reads do not prove the key
/// authenticated: CiviCRM answers a call without credentials as an anonymous user whose reads find nothing, and the
/// CiviCRM package confirms its identity once per process. The check is what notices it in a long-running host.
/// </summary>
public sealed class IdleRunCredentialsTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private volatile bool _strip;
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    private int IdentityReads => _site.Requests.Count(r => r is { Entity: "Contact", Action: "get" } && r.ParamsJson is { } p
        && p.Contains("user_contact_id", StringComparison.Ordinal) && p.Contains("currentDomain", StringComparison.Ordinal));

    [Fact]
    public async Task A_warm_idle_run_whose_key_no_longer_reaches_CiviCRM_is_stopped_by_the_check()
    {
        _site.AddGroup("members");
        _services = StandaloneHost.Build(_site, more: services => services.AddHttpClient(CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(() => new HeaderStripper(() => _strip)));
        var engine = _services.GetRequiredService<IUserProvisioner>();

        var cold = await engine.RunOnceAsync(cancellationToken: Timeout());
        var coldReads = IdentityReads;
        _strip = true;
        var warm = await engine.RunOnceAsync(cancellationToken: Timeout());

        cold.StopKind.Should().Be(RunStopKind.None);
        cold.CmsCredentialsCheck!.Passed.Should().BeTrue();
        coldReads.Should().Be(2, "the set-up's identity read (once per process) and the check's: the same request in a cold run");
        warm.Total.Should().Be(0, "as an anonymous user the trigger reads empty");
        warm.StopKind.Should().Be(RunStopKind.Configuration, "only the check's own request shows the key no longer authenticates");
        warm.StopReason.Should().Contain("CiviCRM answered as an anonymous user");
        IdentityReads.Should().Be(3, "the warm run's set-up is cached: its check is its only proof");
    }

    /// <summary>A proxy that, once switched on, drops the authx header on the way to CiviCRM.</summary>
    private sealed class HeaderStripper(Func<bool> strip) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (strip())
            {
                request.Headers.Remove("X-Civi-Auth");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
