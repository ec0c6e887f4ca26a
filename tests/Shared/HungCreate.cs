using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// A create the site never answers, timed out on the HTTP pipeline's fake clock only once the fake holds it: with a real
/// short attempt timeout, a loaded machine can give up before the request even reaches the fake.
/// </summary>
internal static class HungCreate
{
    /// <summary>
    /// Makes <paramref name="server"/> hang every create, starts <paramref name="create"/>, waits for the create to arrive,
    /// moves <paramref name="clock"/> (the provider's HTTP clock) past <paramref name="attemptTimeout"/>, and returns the
    /// provider's error.
    /// </summary>
    public static async Task<CmsProviderException> TimesOutAsync(IFakeCmsServer server, FakeTimeProvider clock, TimeSpan attemptTimeout, Func<Task> create)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.FaultWhere = r =>
        {
            if (r.Operation != FakeCmsOperation.Create)
            {
                return null;
            }

            arrived.TrySetResult();
            return FakeFault.Hang();
        };

        var running = create();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(attemptTimeout);
        return (await running.Awaiting(c => c.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<CmsProviderException>()).Which;
    }
}
