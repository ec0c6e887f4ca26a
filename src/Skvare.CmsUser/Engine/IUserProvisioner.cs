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
    /// <remarks>
    /// A contact without an account whose counted failed attempts reached <see cref="RetryPolicy.MaxAttempts"/> (for
    /// example one that gave up and left its trigger) is not tried again: the outcome is <see cref="OutcomeKind.Skipped"/>
    /// with <see cref="CmsUserErrorCodes.AttemptsUsedUp"/>, and nothing is sent to the CMS or recorded. A contact already
    /// linked (<see cref="OutcomeKind.AlreadyLinked"/>) has its account's <see cref="ProvisioningOutcome.Username"/> read
    /// from the CMS (one request; left <see langword="null"/> when that read fails), which a batch run does not read.
    /// </remarks>
    /// <param name="contactId">The contact.</param>
    /// <param name="options">Optional: the rule and whether to return a one-time login link.</param>
    /// <param name="cancellationToken">
    /// Cancels the call, which then throws an <see cref="OperationCanceledException"/> (the batch runs return a cancelled
    /// summary instead).
    /// </param>
    Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs every rule once over its trigger (batch).</summary>
    /// <param name="progress">
    /// Receives each contact's outcome (<see cref="ProvisioningProgress.Last"/>) once the page the contact belongs to has been
    /// written to CiviCRM, so reports come a page at a time (<see cref="CmsUserOptions.PageSize"/>), not as each contact ends;
    /// <see cref="RunSummary"/> keeps only the counts and the failures. Called on the run's threads; a
    /// <see cref="Progress{T}"/> posts each report on, so its last reports may arrive after the call returned.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops the run cleanly: contacts not yet started are left in their trigger for the next run, contacts in progress
    /// finish and their page is written. The call then returns a summary with <see cref="RunSummary.Cancelled"/> set; it
    /// does not throw.
    /// </param>
    /// <remarks>
    /// A run that needed the CMS for no contact checks the CMS credentials with one request
    /// (<see cref="CmsUserOptions.CheckCmsCredentials"/>, <see cref="RunSummary.CmsCredentialsCheck"/>): refused ones end
    /// it with <see cref="RunStopKind.Configuration"/>, so a scheduled run reports them before a contact needs them.
    /// </remarks>
    Task<RunSummary> RunOnceAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Dry run: what each pending contact would get. Writes nothing anywhere.</summary>
    /// <param name="cancellationToken">Cancels the plan.</param>
    /// <exception cref="CmsUserException">A transient failure ends the enumeration, after the entries planned so far, when
    /// CiviCRM cannot be read or <see cref="RetryPolicy.QuarantineAfterConsecutiveTransientFailures"/> contacts in a row
    /// met an unavailable server (where a run would quarantine). When no contact's plan asked the CMS and
    /// <see cref="CmsUserOptions.CheckCmsCredentials"/> is on, the CMS credentials are checked after the last entry: refused
    /// ones end the enumeration with a <see cref="CmsUserConfigurationException"/>, an unreachable CMS with a transient
    /// <see cref="CmsProviderException"/>.</exception>
    IAsyncEnumerable<PlanEntry> PlanAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs the password reset campaigns once.</summary>
    /// <param name="progress">
    /// Receives each contact's outcome (<see cref="ProvisioningProgress.Last"/>) once the page the contact belongs to has been
    /// written to CiviCRM, so reports come a page at a time (<see cref="CmsUserOptions.PageSize"/>), not as each contact ends;
    /// <see cref="RunSummary"/> keeps only the counts and the failures. Called on the run's threads; a
    /// <see cref="Progress{T}"/> posts each report on, so its last reports may arrive after the call returned.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops the run cleanly: contacts not yet started are left in their trigger for the next run, contacts in progress
    /// finish and their page is written. The call then returns a summary with <see cref="RunSummary.Cancelled"/> set; it
    /// does not throw.
    /// </param>
    /// <remarks>
    /// <para>
    /// A contact's outcome is <see cref="OutcomeKind.Linked"/> when its reset email was sent (its account is left as it
    /// is); <see cref="OutcomeKind.Failed"/> or, with the last attempt, <see cref="OutcomeKind.GaveUp"/> with the code
    /// (<see cref="CmsUserErrorCodes.NoLinkedAccount"/> for a contact without an account, <see cref="CmsUserErrorCodes.MailFailed"/>
    /// when the site could not send it); <see cref="OutcomeKind.Skipped"/> with <see cref="CmsUserErrorCodes.AccountBlocked"/> for
    /// an account deprovisioning blocked.
    /// </para>
    /// <para>Like <see cref="RunOnceAsync"/>, a campaign run that sent no reset checks the CMS credentials.</para>
    /// <para>
    /// A reset reads no account: its outcomes have no <see cref="ProvisioningOutcome.Username"/> (the link stores the email, not
    /// the username).
    /// </para>
    /// </remarks>
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
