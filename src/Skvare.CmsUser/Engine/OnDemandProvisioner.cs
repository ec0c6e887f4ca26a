using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// One contact now (the webhook, <see cref="IUserProvisioner.ProvisionAsync"/>): the rule, the contact, the pipeline and
/// the write-back of a one-contact page, then an optional login link. Every failure becomes the outcome.
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
        try
        {
            var outcome = await ProvisionCoreAsync(call, named, options?.IncludeLoginLink == true, cancellationToken).ConfigureAwait(false);
            trace?.SetTag("cmsuser.outcome", outcome.Kind.ToString());
            return _engine.Record(outcome);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // CiviCRM or the CMS failed outside the contact's own steps (finding it, the set-up, the page write).
            return _engine.Record(new ProvisioningOutcome { ContactId = contactId, Kind = OutcomeKind.Failed, Rule = call.Rule, Error = Unreached(call, ex) });
        }
    }

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

                return new ProvisioningError(known.Kind, call.InSetup ? CmsUserErrorCodes.ActivitySetupFailed : CmsUserErrorCodes.For(known), known.Message);
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
        // The set-up (once per process) resolves the rules' triggers that finding the contact reads; the contact is read
        // as soon as they are, while the rest of the set-up (activity types, identity) is still in flight.
        var (rule, source, contact) = await _engine.EnsureReadyAsync(ct => ResolveAsync(call.ContactId, named, ct), () => call.InSetup = true, cancellationToken).ConfigureAwait(false);
        call.Rule = rule.DisplayName;
        if (contact is null)
        {
            return new ProvisioningOutcome
            {
                ContactId = call.ContactId,
                Kind = OutcomeKind.Skipped,
                Rule = rule.DisplayName,
                Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.ContactNotFound, $"Contact {call.ContactId} does not exist or is deleted."),
            };
        }

        using var lease = await _engine.Locks.AcquireAsync(call.ContactId, cancellationToken).ConfigureAwait(false);
        if (lease.Waited)
        {
            Log.ContactContended(_engine.Logger, call.ContactId);
            contact = await _engine.RereadAsync(contact, cancellationToken).ConfigureAwait(false);
            if (contact is null)
            {
                return new ProvisioningOutcome { ContactId = call.ContactId, Kind = OutcomeKind.Skipped, Rule = rule.DisplayName };
            }
        }

        // A CMS that refuses duplicates is asked with the create itself: for one contact a look-up first is a request the
        // create makes redundant (the batch keeps its one look-up per page, which serves the refusals of many contacts).
        var prefetch = _engine.Cms.Capabilities.HasFlag(CmsCapabilities.CreateRefusesDuplicates)
            ? null
            : (Func<IReadOnlyList<Contact>, CancellationToken, Task>)((page, ct) => _engine.Pipeline.PrefetchAsync(rule, page, ct));
        var (prior, opened) = await _engine.PreparePageAsync([contact], ActivityKind.AccountCreation, prefetch, cancellationToken).ConfigureAwait(false);
        var provisioned = await _engine.Pipeline.ProvisionAsync(rule, contact, prior.GetValueOrDefault(contact.Id), cancellationToken).ConfigureAwait(false);
        var result = (await _engine.Writer.WriteAsync([provisioned], source, opened).ConfigureAwait(false))[0];
        if (result.StopError is not null)
        {
            _engine.Invalidate();
        }

        if (includeLoginLink && result.CmsUserId is long uid && result.Error is null && _engine.Cms.Capabilities.HasFlag(CmsCapabilities.OneTimeLoginLink))
        {
            result = await WithLoginLinkAsync(rule, result, uid, cancellationToken).ConfigureAwait(false);
        }

        return result.ToOutcome();
    }

    private async Task<ContactResult> WithLoginLinkAsync(ProvisioningRule rule, ContactResult result, long uid, CancellationToken cancellationToken)
    {
        var reason = await LoginLinkGuard.WithholdReasonAsync(_engine.Cms, Options.LoginLinks, rule, result, cancellationToken).ConfigureAwait(false);
        if (reason is not null)
        {
            Log.LoginLinkWithheld(_engine.Logger, result.Contact.Id, uid, reason);
            return result with { LoginLinkWithheld = reason };
        }

        try
        {
            return result with { LoginLink = await _engine.Cms.CreateOneTimeLoginLinkAsync(new CmsAccount(uid, result.Username, result.Contact.Email), cancellationToken).ConfigureAwait(false) };
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            Log.LoginLinkFailed(_engine.Logger, uid, ex is CmsUserException ? ex.Message : ContactResult.InternalMessage(ex));
            return result;
        }
    }

    private async Task<(ProvisioningRule Rule, ITriggerSource? Source, Contact? Contact)> ResolveAsync(long contactId, ProvisioningRule? named, CancellationToken cancellationToken)
    {
        if (named is not null)
        {
            var source = _engine.Triggers.Create(_engine.CreationContext(named));
            var pending = await source.FindPendingAsync(contactId, cancellationToken).ConfigureAwait(false);
            return pending is not null ? (named, source, pending) : (named, null, await _engine.GetContactAsync(contactId, cancellationToken).ConfigureAwait(false));
        }

        foreach (var rule in Options.Rules)
        {
            var source = _engine.Triggers.Create(_engine.CreationContext(rule));
            if (await source.FindPendingAsync(contactId, cancellationToken).ConfigureAwait(false) is { } pending)
            {
                return (rule, source, pending);
            }
        }

        return (Options.Rules[0], null, await _engine.GetContactAsync(contactId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Where an on-demand call is, for its one failure path.</summary>
    private sealed class Call(long contactId, string rule)
    {
        public long ContactId { get; } = contactId;

        public string Rule { get; set; } = rule;

        public bool InSetup { get; set; }
    }
}
