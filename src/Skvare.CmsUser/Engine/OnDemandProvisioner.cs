using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// One contact now (the webhook, <see cref="IUserProvisioner.ProvisionAsync"/>): one read of the contact across every
/// rule (<see cref="IProvisioningContactReader"/>), the pipeline and the write-back of a one-contact page, then an
/// optional login link. Every failure becomes the outcome.
/// </summary>
internal sealed class OnDemandProvisioner
{
    private readonly EngineContext _engine;

    public OnDemandProvisioner(EngineContext engine) => _engine = engine;

    private CmsUserOptions Options => _engine.Options;

    public async Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options, CancellationToken cancellationToken)
    {
        if (contactId <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(contactId), contactId, "A contact id is a positive number.");
        }

        if (Options.Rules.Count == 0)
        {
            throw new InvalidOperationException("No provisioning rules are configured (CmsUser:Rules).");
        }

        var named = options?.Rule is { } ruleName
            ? Options.Rules.FirstOrDefault(r => string.Equals(r.DisplayName, ruleName, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"No rule is named '{ruleName}'. Rules: {string.Join(", ", Options.Rules.Select(r => r.DisplayName))}.", nameof(options))
            : null;

        using var trace = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.provision");
        trace?.SetTag("cmsuser.contact_id", contactId);
        var call = new Call(contactId, (named ?? Options.Rules[0]).DisplayName);
        var includeLoginLink = options?.IncludeLoginLink == true;
        try
        {
            var outcome = await ProvisionCoreAsync(call, named, includeLoginLink, cancellationToken).ConfigureAwait(false);
            trace?.SetTag("cmsuser.outcome", outcome.Kind.ToString());
            return _engine.Record(LinkAccountedFor(outcome, includeLoginLink));
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // CiviCRM or the CMS failed outside the contact's own steps (finding it, the set-up, the page write).
            var failed = new ProvisioningOutcome { ContactId = contactId, Kind = OutcomeKind.Failed, Rule = call.Rule, Error = Unreached(call, ex) };
            return _engine.Record(LinkAccountedFor(failed, includeLoginLink));
        }
    }

    /// <summary>
    /// An outcome that ended before the link step (no contact, attempts used up, a failure outside the contact's steps)
    /// says why it has no link it was asked for: <see cref="LoginLinkWithheldReason.NotProvisioned"/>.
    /// </summary>
    private ProvisioningOutcome LinkAccountedFor(ProvisioningOutcome outcome, bool includeLoginLink)
    {
        if (!includeLoginLink || outcome.LoginLink is not null || outcome.LoginLinkWithheldReason is not null)
        {
            return outcome;
        }

        var refusal = NotProvisioned(outcome.Kind, outcome.Error);
        Log.LoginLinkWithheld(_engine.Logger, outcome.ContactId, outcome.CmsUserId, refusal.Reason, refusal.Message);
        return outcome with { LoginLinkWithheld = refusal.Message, LoginLinkWithheldReason = refusal.Reason };
    }

    private static LoginLinkRefusal NotProvisioned(OutcomeKind kind, ProvisioningError? error) =>
        new(LoginLinkWithheldReason.NotProvisioned, $"The call did not end with an account to log in to (outcome {kind}{(error is null ? "" : ", " + error.Code)}), so no login link was made.");

    /// <summary>What a failure outside the contact's own steps means for the caller.</summary>
    private ProvisioningError Unreached(Call call, Exception ex)
    {
        switch (ex)
        {
            case CmsUserException known:
                if (known.Kind == FailureKind.Configuration)
                {
                    _engine.Invalidate();
                }

                // A server that could not be reached during the set-up keeps its own code (civicrm_unavailable), and so does
                // a refused credential (HTTP 401: civicrm_configuration, "check the API key"): the set-up's code sends the
                // reader to the API user's permissions and the activity types, which a wrong key has nothing to do with.
                var setUp = call.InSetup && known.Kind != FailureKind.Transient && known.StatusCode != 401;
                return new ProvisioningError(known.Kind, setUp ? CmsUserErrorCodes.ActivitySetupFailed : CmsUserErrorCodes.For(known), known.Message) { StatusCode = known.StatusCode };
            case HttpRequestException or TimeoutException or OperationCanceledException:
                // No answer from CiviCRM or the CMS: an outage, not a defect; the caller retries.
                Log.OnDemandUnavailable(_engine.Logger, call.ContactId, call.Rule, ex);
                return new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.Unavailable, "CiviCRM or the CMS could not be reached in time; try again later.");
            default:
                Log.ContactCrashed(_engine.Logger, call.ContactId, call.Rule, ex);
                return new ProvisioningError(FailureKind.Permanent, ContactResult.InternalErrorCode, ContactResult.InternalMessage(ex));
        }
    }

    private async Task<ProvisioningOutcome> ProvisionCoreAsync(Call call, ProvisioningRule? named, bool includeLoginLink, CancellationToken cancellationToken)
    {
        // The set-up (once per process) sends its requests at once (identity, activity types, the rules' groups, tags and
        // saved searches, the time zone); the contact read needs all of it (the domain, the triggers' ids, the activity
        // type of the record it opens), so a cold call costs one round trip more than a warm one (two on a new site,
        // whose activity types are written first).
        try
        {
            await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            call.InSetup = true;
            throw;
        }

        // The lock comes before the read: a caller that waited reads what the one before it wrote.
        using var lease = await _engine.Locks.AcquireAsync(call.ContactId, cancellationToken).ConfigureAwait(false);
        if (lease.Waited)
        {
            Log.ContactContended(_engine.Logger, call.ContactId);
        }

        // One read (one CiviCRM request): the contact and its links, the first rule it is pending in, its counted
        // failures, its audit records, and the Scheduled record of this attempt opened when it is not linked here.
        IReadOnlyList<ProvisioningRule> rules = named is null ? [.. Options.Rules] : [named];
        var now = _engine.Time.GetUtcNow();

        // The read opens this attempt's Scheduled record: once sent, a cancellation does not abandon it (the store may have
        // written the record, and only the answer names it). A record the caller no longer wants goes below.
        cancellationToken.ThrowIfCancellationRequested();
        var read = await _engine.Reader.ReadAsync(new ProvisioningContactQuery
        {
            ContactId = call.ContactId,
            Triggers = rules.Select(_engine.CreationContext).ToArray(),
            ExtraFields = _engine.Settings.ExtraFields,
            Kind = ActivityKind.AccountCreation,
            CountFailuresSince = at => Options.Retry.CountFailuresSince(now, at),
            ReadAudits = true,
            Open = OpenRecord(call.ContactId, now),
        }, CancellationToken.None).ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while the read was in flight: no CMS call was made, so the attempt's record goes (best effort).
            if (read?.OpenedRecord is long unused)
            {
                await _engine.DiscardQuietlyAsync([unused]).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        if (read is null)
        {
            return new ProvisioningOutcome
            {
                ContactId = call.ContactId,
                Kind = OutcomeKind.Skipped,
                Rule = call.Rule,
                Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.ContactNotFound, $"Contact {call.ContactId} does not exist or is deleted."),
            };
        }

        var rule = read.PendingIn is int index ? rules[index] : rules[0];
        var source = read.PendingIn is null ? null : _engine.Triggers.Create(_engine.CreationContext(rule));
        var contact = read.Contact;
        call.Rule = rule.DisplayName;
        // The record the read opened, with the audit records it read after it: the write-back's snapshot, as a page's.
        if (contact.Links.Count == 0 && _engine.Attempts.UsedUp(read.FailedAttempts))
        {
            return await AttemptsUsedUpAsync(rule, contact, read).ConfigureAwait(false);
        }

        if (ContactPipeline.DefectOf(contact) is { } defect)
        {
            var start = new ContactResult(contact, rule.DisplayName, ActivityKind.AccountCreation, read.FailedAttempts);
            var recorded = RecordedFailure.Match(read.LatestRecord, defect, start, _engine.Attempts, Options.Retry.CountFailuresSince(now, contact.TriggeredAt), out var mismatch);
            if (recorded is not null)
            {
                return await AnsweredFromRecordAsync(rule, contact, read, recorded).ConfigureAwait(false);
            }

            Log.OnDemandRecordNotMatched(_engine.Logger, contact.Id, rule.DisplayName, defect.Code, mismatch);
        }

        var opened = PageWriter.Opened(read.OpenedRecord is long record ? new Dictionary<long, long> { [contact.Id] = record } : [], read.Audits);

        // A CMS that refuses duplicates is asked with the create itself: for one contact a look-up first is a request the
        // create makes redundant (the batch keeps its one look-up per page, which serves the refusals of many contacts).
        if (!_engine.Cms.Capabilities.HasFlag(CmsCapabilities.CreateRefusesDuplicates))
        {
            await PrefetchAsync(rule, contact, opened, cancellationToken).ConfigureAwait(false);
        }

        var provisioned = await _engine.Pipeline.ProvisionAsync(rule, contact, read.FailedAttempts, cancellationToken).ConfigureAwait(false);
        var result = (await _engine.Writer.WriteAsync([provisioned], source, opened, pauseReadBack: false, cancellationToken).ConfigureAwait(false))[0];
        if (result.StopError is not null)
        {
            _engine.Invalidate();
        }

        if (result is { Kind: OutcomeKind.AlreadyLinked, Username: null, Error: null, CmsUserId: long linked })
        {
            result = await WithUsernameAsync(result, linked, cancellationToken).ConfigureAwait(false);
        }

        if (includeLoginLink)
        {
            result = await WithLoginLinkAsync(rule, result, cancellationToken).ConfigureAwait(false);
        }

        return result.ToOutcome();
    }

    /// <summary>
    /// A contact without an account whose attempts are used up (the same count the read gives a batch): refused without a
    /// CMS call, a Failed record or a trigger change, so a caller cannot spend attempts beyond <see cref="RetryPolicy.MaxAttempts"/>
    /// (a given-up contact, or a burst of deliveries for one that cannot be provisioned). The record the read opened goes
    /// (best effort; a Scheduled record left behind counts as no attempt).
    /// </summary>
    private async Task<ProvisioningOutcome> AttemptsUsedUpAsync(ProvisioningRule rule, Contact contact, ProvisioningContactRead read)
    {
        if (read.OpenedRecord is long record)
        {
            await _engine.DiscardQuietlyAsync([record]).ConfigureAwait(false);
        }

        var failures = read.FailedAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var max = _engine.Attempts.MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Log.OnDemandAttemptsUsedUp(_engine.Logger, contact.Id, rule.DisplayName, read.FailedAttempts);
        return new ProvisioningOutcome
        {
            ContactId = contact.Id,
            Kind = OutcomeKind.Skipped,
            Rule = rule.DisplayName,
            Attempt = read.FailedAttempts,
            Error = new ProvisioningError(
                FailureKind.Permanent,
                CmsUserErrorCodes.AttemptsUsedUp,
                $"The contact has {failures} counted failed attempts, limit {max} (Retry:MaxAttempts); nothing was tried or recorded. Fix the cause of the earlier failures (the contact's Failed \"User Account Creation\" activities), then add the contact to its trigger again, or wait until they age out of Retry:AttemptWindow."),
        };
    }

    /// <summary>
    /// A contact that still has the permanent defect its latest record failed it with (<see cref="RecordedFailure"/>): the
    /// earlier call's answer (its outcome, error and the counted attempts) without a CMS call, a new record, an attempt or a
    /// trigger change. The record the read opened goes (best effort; a Scheduled record left behind counts as no attempt).
    /// </summary>
    private async Task<ProvisioningOutcome> AnsweredFromRecordAsync(ProvisioningRule rule, Contact contact, ProvisioningContactRead read, RecordedFailure recorded)
    {
        if (read.OpenedRecord is long record)
        {
            await _engine.DiscardQuietlyAsync([record]).ConfigureAwait(false);
        }

        Log.OnDemandAnsweredFromRecord(_engine.Logger, contact.Id, rule.DisplayName, recorded.Record.OccurredAt, recorded.Error.Code, recorded.Record.Id);
        return new ProvisioningOutcome
        {
            ContactId = contact.Id,
            Kind = recorded.Kind,
            Rule = rule.DisplayName,
            Attempt = read.FailedAttempts,
            Error = recorded.Error,
        };
    }

    /// <summary>
    /// The Scheduled record of this attempt, opened by the contact read when the contact is not linked in this domain.
    /// The read opens it before it knows the contact's name, so the subject names the contact by id.
    /// </summary>
    private static ActivityEntry OpenRecord(long contactId, DateTimeOffset now) => new(
        contactId,
        ActivityKind.AccountCreation,
        ActivityOutcomeStatus.Scheduled,
        $"Creating account : contact {contactId.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        PageWriter.InProgress,
        now);

    /// <summary>The provider's look-up for a CMS that cannot refuse duplicates; when it fails, this attempt's record goes (best effort).</summary>
    private async Task PrefetchAsync(ProvisioningRule rule, Contact contact, OpenedPage opened, CancellationToken cancellationToken)
    {
        try
        {
            await _engine.Pipeline.PrefetchAsync(rule, [contact], cancellationToken).ConfigureAwait(false);
        }
        catch when (opened.Records.Count > 0)
        {
            await _engine.DiscardQuietlyAsync(opened.Records.Values.ToArray()).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The username of an account the contact was already linked to, read from the CMS for the caller's answer (the link
    /// stores the email, not the username): one read, for one contact. A failed read leaves the answer without a username;
    /// it never changes the outcome, which is already written.
    /// </summary>
    private async Task<ContactResult> WithUsernameAsync(ContactResult result, long uid, CancellationToken cancellationToken)
    {
        try
        {
            return await _engine.Cms.GetByIdAsync(uid, cancellationToken).ConfigureAwait(false) is { Username: { } username }
                ? result with { Username = username }
                : result;
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            Log.LinkedUsernameUnread(_engine.Logger, result.Contact.Id, uid, ex is CmsUserException ? ex.Message : ContactResult.InternalMessage(ex));
            return result;
        }
    }

    /// <summary>
    /// The login link the caller asked for, or why there is none (<see cref="ContactResult.LoginLinkWithheldReason"/> and
    /// its sentence), checked in the order of <see cref="LoginLinkWithheldReason"/>: whether the CMS offers links, whether
    /// the call ended with an account, the guard (<see cref="LoginLinkGuard"/>), then the CMS's answer. A failure to make
    /// the link never changes the outcome, which is already written.
    /// </summary>
    private async Task<ContactResult> WithLoginLinkAsync(ProvisioningRule rule, ContactResult result, CancellationToken cancellationToken)
    {
        if (!_engine.Cms.Capabilities.HasFlag(CmsCapabilities.OneTimeLoginLink))
        {
            return Withheld(result, new(LoginLinkWithheldReason.NotSupported, $"The {_engine.Cms.Name} provider offers no one-time login links with these settings (WordPress and Drupal make them with their companion plugin or module, Backdrop always; docs/cms-support.md)."));
        }

        if (result.CmsUserId is not long uid || result.Error is not null || result.Kind is not (OutcomeKind.Created or OutcomeKind.Linked or OutcomeKind.AlreadyLinked))
        {
            return Withheld(result, NotProvisioned(result.Kind, result.Error));
        }

        if (await LoginLinkGuard.WithholdReasonAsync(_engine.Cms, Options.LoginLinks, rule, result, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return Withheld(result, refusal);
        }

        Uri? link;
        try
        {
            link = await _engine.Cms.CreateOneTimeLoginLinkAsync(new CmsAccount(uid, result.Username, result.Contact.Email), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            var message = ex is CmsUserException ? ex.Message : ContactResult.InternalMessage(ex);
            Log.LoginLinkFailed(_engine.Logger, uid, message);
            return result with { LoginLinkWithheld = $"The CMS could not make a login link: {message}", LoginLinkWithheldReason = LoginLinkWithheldReason.CmsFailed };
        }

        return link is null
            ? Withheld(result, new(LoginLinkWithheldReason.NotOffered, $"{_engine.Cms.Name} answered without a login link for the account."))
            : result with { LoginLink = link };
    }

    private ContactResult Withheld(ContactResult result, LoginLinkRefusal refusal)
    {
        Log.LoginLinkWithheld(_engine.Logger, result.Contact.Id, result.CmsUserId, refusal.Reason, refusal.Message);
        return result with { LoginLinkWithheld = refusal.Message, LoginLinkWithheldReason = refusal.Reason };
    }

    /// <summary>Where an on-demand call is, for its one failure path.</summary>
    private sealed class Call(long contactId, string rule)
    {
        public long ContactId { get; } = contactId;

        public string Rule { get; set; } = rule;

        public bool InSetup { get; set; }
    }
}
