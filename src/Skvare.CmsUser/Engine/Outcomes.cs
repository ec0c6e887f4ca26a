using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>What happened to one contact.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutcomeKind>))]
public enum OutcomeKind
{
    /// <summary>A CMS account was created and linked.</summary>
    Created,

    /// <summary>An existing CMS account (same email, or a link in another domain) was linked.</summary>
    Linked,

    /// <summary>The contact was already linked in this domain; nothing was created.</summary>
    AlreadyLinked,

    /// <summary>The attempt failed; see <see cref="ProvisioningOutcome.Error"/>.</summary>
    Failed,

    /// <summary>The attempt failed and the attempts are used up (or the data can never work): the contact left the trigger.</summary>
    GaveUp,

    /// <summary>Nothing was done (for example a reset campaign contact already handled, or the contact is not in any trigger).</summary>
    Skipped,

    /// <summary>Deprovisioning: the contact's CMS account was blocked (never deleted).</summary>
    Blocked,

    /// <summary>Deprovisioning: the rule's roles were removed from the contact's CMS account.</summary>
    RolesRemoved,
}

/// <summary>Why a contact failed.</summary>
/// <param name="Kind">Permanent, transient or configuration.</param>
/// <param name="Code">A stable code, e.g. <c>no_email</c>, <c>DuplicateUsername</c>.</param>
/// <param name="Message">A readable message; never a secret.</param>
public sealed record ProvisioningError(FailureKind Kind, string Code, string Message)
{
    /// <summary>
    /// The HTTP status of the server's answer that failed (<see cref="CmsUserException.StatusCode"/>), when a server
    /// answered; <see langword="null"/> when none did (it could not be reached, or did not answer in time) or the failure
    /// was not a server's. A transient failure with a status came from a site that answered (e.g. its mail failed), so
    /// its URL is right.
    /// </summary>
    public int? StatusCode { get; init; }
}

/// <summary>The result for one contact.</summary>
public sealed record ProvisioningOutcome
{
    /// <summary>The contact.</summary>
    public required long ContactId { get; init; }

    /// <summary>What happened.</summary>
    public required OutcomeKind Kind { get; init; }

    /// <summary>The rule or campaign that handled the contact.</summary>
    public string? Rule { get; init; }

    /// <summary>
    /// The CMS username (created, found, or planned); <see langword="null"/> when the pass did not read the account: a password
    /// reset sends the email to the linked account id and reads no username (the link stores the email, not the username).
    /// </summary>
    public string? Username { get; init; }

    /// <summary>The CMS user id.</summary>
    public long? CmsUserId { get; init; }

    /// <summary>Why it failed.</summary>
    public ProvisioningError? Error { get; init; }

    /// <summary>
    /// Whether this contact's access was given back: it was already linked (<see cref="OutcomeKind.AlreadyLinked"/>), a
    /// deprovisioning had blocked its account or removed the rule's roles, and the contact is back in the rule's trigger,
    /// so the account was unblocked or the roles given back and a "User Account Restored" activity recorded (what a dry
    /// run shows as <see cref="PlannedAction.Restore"/>). Only for a rule with <see cref="ProvisioningRule.Deprovision"/>.
    /// </summary>
    public bool AccessRestored { get; init; }

    /// <summary>The counted failures of this contact including this one (for Failed and GaveUp).</summary>
    public int? Attempt { get; init; }

    /// <summary>A one-time login link, when requested on demand and the CMS offers one.</summary>
    public Uri? LoginLink { get; init; }

    /// <summary>
    /// Why no login link was issued although one was asked for (<see cref="OnDemandOptions.IncludeLoginLink"/>), as one
    /// readable sentence that never holds a secret or the link; <see langword="null"/> when a link was issued or none was
    /// asked for. <see cref="LoginLinkWithheldReason"/> says the same as a stable value to act on.
    /// </summary>
    public string? LoginLinkWithheld { get; init; }

    /// <summary>
    /// Why no login link was issued although one was asked for, as a stable value (the webhook's
    /// <c>loginLinkWithheld.reason</c>); set with <see cref="LoginLinkWithheld"/>, <see langword="null"/> when a link was
    /// issued or none was asked for.
    /// </summary>
    public LoginLinkWithheldReason? LoginLinkWithheldReason { get; init; }

    /// <summary>
    /// What became of the new-account email of an account this outcome created (<see cref="OutcomeKind.Created"/>), as
    /// the CMS reported it; <see langword="null"/> when no account was created.
    /// </summary>
    public CmsNotification? Notification { get; init; }

    /// <summary>Why the new-account email could not be sent, when <see cref="Notification"/> is <see cref="CmsNotification.Failed"/>. Never a secret.</summary>
    public string? NotificationFailure { get; init; }

    /// <summary>
    /// What kind of failure <see cref="NotificationFailure"/> is (the site's mail refused the email, or the site could not be
    /// reached to send it), when <see cref="Notification"/> is <see cref="CmsNotification.Failed"/>; otherwise <see langword="null"/>.
    /// </summary>
    public CmsNotificationFailure? NotificationFailureReason { get; init; }

    /// <summary>The members as the compiler would print them, but the login link (a credential) is never shown: an outcome written to a log shows only whether it has one.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"ContactId = {ContactId}, Kind = {Kind}, Rule = {Rule}, Username = {Username}, CmsUserId = {CmsUserId}, Error = {Error}, ")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"AccessRestored = {AccessRestored}, Attempt = {Attempt}, LoginLink = {(LoginLink is null ? null : "<redacted>")}, LoginLinkWithheld = {LoginLinkWithheld}, LoginLinkWithheldReason = {LoginLinkWithheldReason}, ")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"Notification = {Notification}, NotificationFailure = {NotificationFailure}, NotificationFailureReason = {NotificationFailureReason}");
        return true;
    }
}

/// <summary>
/// Why a one-time login link that was asked for (<see cref="OnDemandOptions.IncludeLoginLink"/>) was not issued
/// (<see cref="ProvisioningOutcome.LoginLinkWithheldReason"/>). The names are stable: callers (the webhook's
/// <c>loginLinkWithheld.reason</c>) may switch on them. The reasons are checked in the order listed.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<LoginLinkWithheldReason>))]
public enum LoginLinkWithheldReason
{
    /// <summary>
    /// The CMS offers no one-time login links with these settings (<see cref="CmsCapabilities.OneTimeLoginLink"/>): Drupal 7,
    /// Joomla and CiviCRM Standalone never do, WordPress and Drupal only with their companion plugin or module. No call
    /// for this site gets a link; ask for none.
    /// </summary>
    NotSupported = 0,

    /// <summary>
    /// The call did not end with an account to log in to: it failed, gave up or skipped the contact (see
    /// <see cref="ProvisioningOutcome.Error"/>), or it linked an account and then failed.
    /// </summary>
    NotProvisioned = 1,

    /// <summary>
    /// The account existed before this call (linked, found by email, already linked, or created by an earlier attempt),
    /// and <see cref="LoginLinkOptions.AllowExistingUsers"/> is off: links are only for accounts the call created.
    /// </summary>
    ExistingAccount = 2,

    /// <summary>
    /// The rule gives, or the account holds, a role that never gets a link (<see cref="LoginLinkOptions.BlockedRoles"/>
    /// and the administrator roles, <see cref="LoginLinkOptions.AdministratorRoles"/>).
    /// </summary>
    BlockedRole = 3,

    /// <summary>The account is blocked in the CMS.</summary>
    AccountBlocked = 4,

    /// <summary>The account the contact is linked to could not be found in the CMS when its roles were read.</summary>
    AccountNotFound = 5,

    /// <summary>The CMS answered without a link for this account (its provider returned none).</summary>
    NotOffered = 6,

    /// <summary>
    /// The CMS failed while the account's roles were read or the link was made (unavailable, or an answer that could not
    /// be used); the sentence in <see cref="ProvisioningOutcome.LoginLinkWithheld"/> says what it answered.
    /// </summary>
    CmsFailed = 7,
}

/// <summary>What the engine would do for one contact (dry run).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlannedAction>))]
public enum PlannedAction
{
    /// <summary>Create a new account.</summary>
    Create,

    /// <summary>Link the existing account with the same email.</summary>
    LinkExisting,

    /// <summary>Already linked; only bookkeeping.</summary>
    AlreadyLinked,

    /// <summary>Add a link in this domain for the account linked in another domain.</summary>
    LinkFromOtherDomain,

    /// <summary>It would fail (see the conflict text).</summary>
    Fail,

    /// <summary>It would give up (attempts used up or data that can never work).</summary>
    GiveUp,

    /// <summary>Deprovisioning: block the linked account.</summary>
    Block,

    /// <summary>Deprovisioning: remove the rule's roles from the linked account.</summary>
    RemoveRoles,

    /// <summary>Deprovisioning: no account is linked in this domain; the contact only leaves the history target.</summary>
    Skip,

    /// <summary>
    /// Already linked, and the rule's deprovisioning took its access (blocked the account or removed the rule's roles):
    /// unblock it or give the roles back, and record a "User Account Restored" activity (see the note).
    /// </summary>
    Restore,
}

/// <summary>One line of a dry run.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Action">What would happen.</param>
/// <param name="Username">
/// The username it would get, or the username of the existing account the plan found in the CMS;
/// <see langword="null"/> for an account known only by its link (already linked, or linked in another domain): a link
/// stores a name (UFMatch <c>uf_name</c>, the email when the link was made), not the account's username, and the plan
/// says it in <paramref name="Conflict"/> instead.
/// </param>
/// <param name="CmsUserId">The existing CMS user it would link, or is linked to, if any.</param>
/// <param name="Conflict">
/// What stands in the way (a planned failure starts with the run's error code), or a note on what the plan found, e.g.
/// <c>Linked to CMS user 42 (stored name ana@example.org).</c>; <see langword="null"/> when there is nothing to say.
/// </param>
public sealed record PlanEntry(long ContactId, string Rule, PlannedAction Action, string? Username, long? CmsUserId, string? Conflict);

/// <summary>
/// Progress of a run, reported after each contact. A run goes through its passes one after the other, each over one
/// trigger: each rule's pass (and, for a rule with <see cref="ProvisioningRule.Deprovision"/>, its deprovisioning pass
/// after it), or each password reset campaign. <see cref="Processed"/> counts the whole run; <see cref="PassProcessed"/>
/// counts the current pass only, so a progress display can say which counts belong to which rule.
/// </summary>
/// <param name="Rule">The rule or campaign being processed (as in <see cref="ProvisioningOutcome.Rule"/>).</param>
/// <param name="Processed">Contacts processed so far in this run, over every pass.</param>
/// <param name="Last">The outcome of the contact just processed.</param>
public sealed record ProvisioningProgress(string Rule, int Processed, ProvisioningOutcome Last)
{
    /// <summary>
    /// The pass being processed, named as <see cref="PlanEntry.Rule"/> names it: the rule's or campaign's name, or the
    /// rule's name followed by <c> (deprovision)</c> in its deprovisioning pass. Defaults to <see cref="Rule"/>.
    /// </summary>
    public string Pass { get; init; } = Rule;

    /// <summary>Contacts processed so far in the current pass (<see cref="Pass"/>); defaults to <see cref="Processed"/>.</summary>
    public int PassProcessed { get; init; } = Processed;

    /// <summary>The position of the current pass in the run, from 1 (with <see cref="PassCount"/>: "rule 2 of 3").</summary>
    public int PassNumber { get; init; } = 1;

    /// <summary>How many passes the run has (rules, deprovisioning passes, or campaigns), whether or not each finds contacts.</summary>
    public int PassCount { get; init; } = 1;
}

/// <summary>
/// Why a run stopped before its work was done (<see cref="RunSummary.StopKind"/>): each kind asks the host for a
/// different action (docs/reliability.md "How a run ends").
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStopKind>))]
public enum RunStopKind
{
    /// <summary>The run did not stop early: every waiting contact was processed (some may have failed).</summary>
    None,

    /// <summary>The caller cancelled the run; it stopped cleanly between contacts. Run again when convenient.</summary>
    Cancelled,

    /// <summary>
    /// Quarantined: CiviCRM or the CMS looked down (transient failures in a row, or unavailable outside any contact);
    /// the remaining contacts were left untouched. Run again later.
    /// </summary>
    Quarantined,

    /// <summary>
    /// A configuration, credentials or permission problem (a <see cref="CmsUserException"/> that is not transient:
    /// a refused key, a missing trigger group): a person has to fix the settings or the servers' set-up.
    /// </summary>
    Configuration,

    /// <summary>
    /// An unexpected exception outside any one contact (reading or writing a page): a defect in the SDK or in code
    /// it calls, not a setting. The log has the exception (event 1015); report it with that log. What was processed
    /// was written; the next run carries on.
    /// </summary>
    InternalError,
}

/// <summary>A summary of a run.</summary>
public sealed record RunSummary
{
    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Contacts processed per outcome.</summary>
    public required IReadOnlyDictionary<OutcomeKind, int> Counts { get; init; }

    /// <summary>The failed and gave-up outcomes (at most 1,000 kept).</summary>
    public required IReadOnlyList<ProvisioningOutcome> Failures { get; init; }

    /// <summary>Whether the run stopped early because CiviCRM or the CMS looked down; remaining contacts were left untouched.</summary>
    public bool Quarantined { get; init; }

    /// <summary>Whether the run was cancelled (it stopped cleanly between contacts).</summary>
    public bool Cancelled { get; init; }

    /// <summary>Why the run stopped early, if it did: one readable line (see <see cref="StopKind"/> for what kind of stop).</summary>
    public string? StopReason { get; init; }

    /// <summary>
    /// What kind of stop ended the run early, or <see cref="RunStopKind.None"/>: tells a configuration error (fix the
    /// settings) from a defect (report it), a quarantine (retry later) and a cancellation. The first stop wins: a run
    /// stopped by a configuration error and then cancelled stays <see cref="RunStopKind.Configuration"/>.
    /// </summary>
    public RunStopKind StopKind { get; init; }

    /// <summary>
    /// Accounts this run created whose new-account email the CMS could not send (<see cref="CmsNotification.Failed"/>):
    /// the accounts exist and are linked, but the people were not told. A password reset campaign sends them a
    /// set-password email once the site's mail works.
    /// </summary>
    public int NotificationsFailed { get; init; }

    /// <summary>
    /// Contacts this run found already linked whose access it gave back after a deprovisioning
    /// (<see cref="ProvisioningOutcome.AccessRestored"/>); they are counted as <see cref="OutcomeKind.AlreadyLinked"/>.
    /// </summary>
    public int AccessRestored { get; init; }

    /// <summary>
    /// The check of the CMS credentials (<see cref="ICmsAccountProvider.CheckCredentialsAsync"/>) this run made because it
    /// needed the CMS for no contact (<see cref="CmsUserOptions.CheckCmsCredentials"/>), or <see langword="null"/> when it
    /// made none: the CMS took a contact (created, linked, blocked, roles removed, a reset sent) or failed to (a transient
    /// failure), the run stopped before the end, or the check is turned off. A failed check also ends the run early:
    /// refused credentials with <see cref="RunStopKind.Configuration"/>, an unreachable CMS with
    /// <see cref="RunStopKind.Quarantined"/>, the check's detail in <see cref="StopReason"/>. The reset campaigns a scheduled
    /// run starts after the batch (<see cref="ScheduleOptions.IncludePasswordResets"/>) send no second check: they carry
    /// the batch's (and end the same way when it failed), or none when the batch's contacts reached the CMS.
    /// </summary>
    public ConnectivityCheck? CmsCredentialsCheck { get; init; }

    /// <summary>Total contacts processed.</summary>
    public int Total => Counts.Values.Sum();

    /// <summary>Contacts with a given outcome.</summary>
    /// <param name="kind">The outcome.</param>
    public int Count(OutcomeKind kind) => Counts.TryGetValue(kind, out var n) ? n : 0;

    /// <summary>
    /// The members as the compiler would print them, but readable where it would print type names: the counts per outcome
    /// (<c>Counts = { Created = 2, GaveUp = 1 }</c>, in the order of <see cref="OutcomeKind"/>) and the failures kept as their
    /// number and error codes with how often each came (<c>Failures = 3 { no_email = 2, duplicate_email = 1 }</c>).
    /// </summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var counts = string.Join(", ", Counts.Where(c => c.Value != 0).OrderBy(c => c.Key).Select(c => string.Create(culture, $"{c.Key} = {c.Value}")));
        var codes = string.Join(", ", Failures.GroupBy(f => f.Error?.Code ?? f.Kind.ToString(), StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => string.Create(culture, $"{g.Key} = {g.Count()}")));
        builder.Append(culture, $"StartedAt = {StartedAt:O}, Duration = {Duration}, Counts = {{ {counts} }}, Total = {Total}, ")
            .Append(culture, $"Failures = {Failures.Count} {{ {codes} }}, Quarantined = {Quarantined}, Cancelled = {Cancelled}, StopReason = {StopReason}, ")
            .Append(culture, $"StopKind = {StopKind}, NotificationsFailed = {NotificationsFailed}, AccessRestored = {AccessRestored}, CmsCredentialsCheck = {CmsCredentialsCheck}");
        return true;
    }
}
