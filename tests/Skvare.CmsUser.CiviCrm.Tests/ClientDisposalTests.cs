using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing;
using Xunit;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The client's shared background reads (identity, site time zone, the triggers' look-ups) belong to the client: disposing the container ends
/// them, so a tool's exit is not held up by a read of a CiviCRM that does not answer.
/// </summary>
public sealed class ClientDisposalTests
{
    [Fact(Timeout = 60_000)]
    public async Task Disposing_the_provider_cancels_the_background_reads_against_a_CiviCRM_that_hangs()
    {
        using var fake = new FakeCiviCrmServer();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        fake.FaultWhere = _ =>
        {
            if (Interlocked.Increment(ref seen) == 3)
            {
                arrived.TrySetResult();
            }

            // Hangs until the fake is disposed: only the client's cancellation can end the reads before that.
            return FakeFault.Hang();
        };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") }))
            .AddCiviCrm(o =>
            {
                o.BaseUrl = fake.Url;
                o.ApiKey = fake.ApiKey;
                // Far beyond the bound below: without the cancellation, disposal would wait for the attempts to time out.
                o.Http.AttemptTimeout = TimeSpan.FromMinutes(5);
            });
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CiviCrmApiClient>();

        // As the activity recorder's set-up starts them: not tied to any caller's token.
        var siteTime = client.GetSiteTimeAsync(CancellationToken.None);
        var identity = client.GetIdentityAsync(CancellationToken.None);
        var trigger = new Triggers.ReferenceResolver(client).IdAsync(TriggerDefinition.Group("members"), CancellationToken.None);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        await siteTime.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();
        await identity.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();
        await trigger.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();
    }
}
