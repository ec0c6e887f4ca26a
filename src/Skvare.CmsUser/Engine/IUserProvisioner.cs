namespace Skvare.CmsUser;

/// <summary>
/// Gives CiviCRM contacts CMS accounts: one contact on demand, or every rule as a batch.
/// </summary>
public interface IUserProvisioner
{
    /// <summary>
    /// Provisions one contact now (real time). Uses the named rule, or else the first rule whose
    /// trigger holds the contact, or else the first rule (without trigger bookkeeping).
    /// </summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="options">Optional: the rule and whether to return a one-time login link.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs every rule once over its trigger (batch).</summary>
    /// <param name="progress">Receives progress after each contact.</param>
    /// <param name="cancellationToken">Stops cleanly between contacts.</param>
    Task<RunSummary> RunOnceAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Dry run: what each pending contact would get. Writes nothing anywhere.</summary>
    /// <param name="cancellationToken">Cancels the plan.</param>
    /// <exception cref="CmsUserException">A transient failure ends the enumeration, after the entries planned so far, when
    /// CiviCRM cannot be read or <see cref="RetryPolicy.QuarantineAfterConsecutiveTransientFailures"/> contacts in a row
    /// met an unavailable server (where a run would quarantine).</exception>
    IAsyncEnumerable<PlanEntry> PlanAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs the password reset campaigns once.</summary>
    /// <param name="progress">Receives progress after each contact.</param>
    /// <param name="cancellationToken">Stops cleanly between contacts.</param>
    Task<RunSummary> ResetPasswordsAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>Options for <see cref="IUserProvisioner.ProvisionAsync"/>.</summary>
public sealed class OnDemandOptions
{
    /// <summary>The rule to apply (by <see cref="ProvisioningRule.Name"/>), or <see langword="null"/> to pick one.</summary>
    public string? Rule { get; init; }

    /// <summary>Return a one-time login link where the CMS offers one.</summary>
    public bool IncludeLoginLink { get; init; }
}
