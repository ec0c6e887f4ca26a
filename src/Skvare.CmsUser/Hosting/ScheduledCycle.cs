using Skvare.CmsUser.Engine;

namespace Skvare.CmsUser;

/// <summary>Runs one scheduled cycle of an <see cref="IUserProvisioner"/>, for hosts that schedule it themselves.</summary>
public static class UserProvisionerExtensions
{
    /// <summary>
    /// Runs one scheduled cycle: the batch (<see cref="IUserProvisioner.RunOnceAsync"/>), then, when
    /// <paramref name="includePasswordResets"/> is set, the password reset campaigns
    /// (<see cref="IUserProvisioner.ResetPasswordsAsync"/>). This is what the hosted service of
    /// <c>AddScheduledRuns</c> and the Quartz jobs of <c>Skvare.CmsUser.Quartz</c> run on each firing.
    /// </summary>
    /// <remarks>
    /// The two runs are one cycle for <see cref="CmsUserOptions.CheckCmsCredentials"/>: the CMS credentials are checked at
    /// most once in it. Campaigns that send no reset take the batch's check (<see cref="RunSummary.CmsCredentialsCheck"/>,
    /// and stop as the batch did when it failed), or make none when the batch's contacts reached the CMS. Calling the two
    /// methods one after the other instead checks once per run. The campaigns are not started once
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </remarks>
    /// <param name="provisioner">The provisioner (a site's, with several sites).</param>
    /// <param name="includePasswordResets">Also run the reset campaigns after the batch; usually
    /// <see cref="ScheduleOptions.IncludePasswordResets"/> when <see cref="CmsUserOptions.PasswordResets"/> has any.</param>
    /// <param name="cancellationToken">Stops cleanly between contacts.</param>
    /// <returns>The summaries of the batch and of the campaigns.</returns>
    public static async Task<ScheduledCycleSummary> RunScheduledCycleAsync(this IUserProvisioner provisioner, bool includePasswordResets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provisioner);
        using var cycle = RunCycle.Begin();
        var provisioning = await provisioner.RunOnceAsync(null, cancellationToken).ConfigureAwait(false);
        var resets = includePasswordResets && !cancellationToken.IsCancellationRequested
            ? await provisioner.ResetPasswordsAsync(null, cancellationToken).ConfigureAwait(false)
            : null;
        return new ScheduledCycleSummary(provisioning, resets);
    }
}

/// <summary>What one scheduled cycle did (<see cref="UserProvisionerExtensions.RunScheduledCycleAsync"/>).</summary>
public sealed class ScheduledCycleSummary
{
    /// <summary>Creates a cycle's summary.</summary>
    /// <param name="provisioning">The batch run's summary.</param>
    /// <param name="passwordResets">The reset campaigns' summary, or <see langword="null"/> when they did not run.</param>
    public ScheduledCycleSummary(RunSummary provisioning, RunSummary? passwordResets)
    {
        ArgumentNullException.ThrowIfNull(provisioning);
        Provisioning = provisioning;
        PasswordResets = passwordResets;
    }

    /// <summary>The batch run's summary (<see cref="IUserProvisioner.RunOnceAsync"/>).</summary>
    public RunSummary Provisioning { get; }

    /// <summary>The reset campaigns' summary (<see cref="IUserProvisioner.ResetPasswordsAsync"/>), or <see langword="null"/> when the cycle did not run them.</summary>
    public RunSummary? PasswordResets { get; }
}
