using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>The provisioning engine: batches over the rules, one contact on demand, dry runs and reset campaigns.</summary>
internal sealed class UserProvisioner : IUserProvisioner, IDisposable
{
    private readonly ICmsAccountProvider _cms;
    private readonly ITriggerSourceFactory _triggers;
    private readonly IContactDirectory _directory;
    private readonly IActivityRecorder _activities;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EngineSettings _settings;
    private readonly ContactPipeline _pipeline;
    private readonly PageWriter _writer;
    private readonly Deprovisioning _deprovisioning;
    private readonly KeyedLock _locks = new();
    private readonly SemaphoreSlim _readyGate = new(1, 1);
    private volatile bool _ready;

    public UserProvisioner(
        ICmsAccountProvider cms,
        ITriggerSourceFactory triggers,
        IContactDirectory directory,
        IActivityRecorder activities,
        IAccountLinkStore links,
        IOptions<CmsUserOptions> options,
        TimeProvider time,
        ILogger<UserProvisioner> logger)
    {
        _settings = new EngineSettings(options.Value);
        // MaxCmsRequestsPerSecond is enforced by each provider package's HTTP pipeline, per request sent.
        _cms = cms;
        _triggers = triggers;
        _directory = directory;
        _activities = activities;
        _time = time;
        _logger = logger;
        _pipeline = new ContactPipeline(_cms, _settings, logger);
        _writer = new PageWriter(links, activities, _pipeline, time, logger);
        _deprovisioning = new Deprovisioning(_cms, _pipeline);
    }

    private CmsUserOptions Options => _settings.Options;

    public Task<RunSummary> RunOnceAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var passes = Options.Rules.SelectMany(rule => RulePasses(rule));
        return RunPassesAsync("Provisioning", ActivityKind.AccountCreation, passes.ToArray(), progress, cancellationToken);
    }

    public Task<RunSummary> ResetPasswordsAsync(IProgress<ProvisioningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var passes = Options.PasswordResets.Select(campaign => new Pass(
            campaign.DisplayName,
            SourceContext(campaign.Trigger!, null, ActivityKind.PasswordReset),
            (contact, prior) => _pipeline.ResetAsync(campaign.DisplayName, contact, prior, CancellationToken.None)));
        return RunPassesAsync("Password reset", ActivityKind.PasswordReset, passes.ToArray(), progress, cancellationToken);
    }

    public async Task<ProvisioningOutcome> ProvisionAsync(long contactId, OnDemandOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (contactId <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(contactId), contactId, "A contact id is a positive number.");
        }

        if (Options.Rules.Count == 0)
        {
            throw new InvalidOperationException("No provisioning rules are configured (CmsUser:Rules).");
        }

        using var trace = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.provision");
        trace?.SetTag("cmsuser.contact_id", contactId);
        string? ruleName = options?.Rule;
        if (ruleName is not null && !Options.Rules.Any(r => string.Equals(r.DisplayName, ruleName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"No rule is named '{ruleName}'. Rules: {string.Join(", ", Options.Rules.Select(r => r.DisplayName))}.", nameof(options));
        }

        var ruleForErrors = ruleName ?? Options.Rules[0].DisplayName;
        try
        {
            var outcome = await ProvisionCoreAsync(contactId, options, trace, cancellationToken).ConfigureAwait(false);
            return outcome;
        }
        catch (CmsUserException ex)
        {
            // CiviCRM or the CMS failed outside the contact's own steps (finding it, the activity setup, the write).
            return Record(new ProvisioningOutcome
            {
                ContactId = contactId,
                Kind = OutcomeKind.Failed,
                Rule = ruleForErrors,
                Error = new ProvisioningError(ex.Kind, CmsUserErrorCodes.For(ex), ex.Message),
            });
        }
        catch (Exception ex) when (!ContactPipeline.IsRunCancellation(ex, cancellationToken) && ex is HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // No answer from CiviCRM or the CMS outside the contact's own steps: an outage, not a defect; the caller retries.
            Log.OnDemandUnavailable(_logger, contactId, ruleForErrors, ex);
            return Record(new ProvisioningOutcome
            {
                ContactId = contactId,
                Kind = OutcomeKind.Failed,
                Rule = ruleForErrors,
                Error = new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.Unavailable, "CiviCRM or the CMS could not be reached in time; try again later."),
            });
        }
        catch (Exception ex) when (!ContactPipeline.IsRunCancellation(ex, cancellationToken))
        {
            Log.ContactCrashed(_logger, contactId, ruleForErrors, ex);
            return Record(new ProvisioningOutcome
            {
                ContactId = contactId,
                Kind = OutcomeKind.Failed,
                Rule = ruleForErrors,
                Error = new ProvisioningError(FailureKind.Permanent, ContactPipeline.InternalErrorCode, ContactPipeline.InternalMessage(ex)),
            });
        }
    }

    private async Task<ProvisioningOutcome> ProvisionCoreAsync(long contactId, OnDemandOptions? options, System.Diagnostics.Activity? trace, CancellationToken cancellationToken)
    {
        var (rule, source, contact) = await ResolveOnDemandAsync(contactId, options?.Rule, cancellationToken).ConfigureAwait(false);
        if (contact is null)
        {
            return Record(new ProvisioningOutcome
            {
                ContactId = contactId,
                Kind = OutcomeKind.Skipped,
                Rule = rule.DisplayName,
                Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.ContactNotFound, $"Contact {contactId} does not exist or is deleted."),
            });
        }

        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex)
        {
            return Record(new ProvisioningOutcome
            {
                ContactId = contactId,
                Kind = OutcomeKind.Failed,
                Rule = rule.DisplayName,
                Error = new ProvisioningError(ex.Kind, CmsUserErrorCodes.ActivitySetupFailed, ex.Message),
            });
        }

        using var lease = await _locks.AcquireAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (lease.Waited)
        {
            Log.ContactContended(_logger, contactId);
            contact = await RereadAsync(contact, cancellationToken).ConfigureAwait(false);
            if (contact is null)
            {
                return Record(new ProvisioningOutcome { ContactId = contactId, Kind = OutcomeKind.Skipped, Rule = rule.DisplayName });
            }
        }

        ContactWork work;
        try
        {
            var prior = await CountPriorAsync([contact], ActivityKind.AccountCreation, cancellationToken).ConfigureAwait(false);
            await _pipeline.PrefetchAsync(rule, [contact], cancellationToken).ConfigureAwait(false);
            var opened = await _writer.OpenAsync([contact], ActivityKind.AccountCreation, cancellationToken).ConfigureAwait(false);
            work = await _pipeline.ProvisionAsync(rule, contact, prior.GetValueOrDefault(contact.Id), cancellationToken).ConfigureAwait(false);
            await _writer.WriteAsync([work], source, opened).ConfigureAwait(false);
        }
        catch (CmsUserException ex)
        {
            return Record(new ProvisioningOutcome
            {
                ContactId = contactId,
                Kind = OutcomeKind.Failed,
                Rule = rule.DisplayName,
                Error = new ProvisioningError(ex.Kind, CmsUserErrorCodes.For(ex), ex.Message),
            });
        }

        if (options?.IncludeLoginLink == true && work.CmsUserId is long uid && work.Error is null
            && _cms.Capabilities.HasFlag(CmsCapabilities.OneTimeLoginLink)
            && await MayIssueLoginLinkAsync(rule, work, uid, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                work.LoginLink = await _cms.CreateOneTimeLoginLinkAsync(new CmsAccount(uid, work.Username, contact.Email), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ContactPipeline.IsRunCancellation(ex, cancellationToken))
            {
                Log.LoginLinkFailed(_logger, uid, ex is CmsUserException ? ex.Message : ContactPipeline.InternalMessage(ex));
            }
        }

        trace?.SetTag("cmsuser.outcome", work.Kind.ToString());
        return Record(work.ToOutcome());
    }

    public async IAsyncEnumerable<PlanEntry> PlanAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var rule in Options.Rules)
        {
            var source = _triggers.Create(CreationContext(rule));
            await foreach (var page in source.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
            {
                var prior = await CountPriorAsync(page, ActivityKind.AccountCreation, cancellationToken).ConfigureAwait(false);
                foreach (var contact in page)
                {
                    yield return await PlanContactAsync(rule, contact, prior.GetValueOrDefault(contact.Id), cancellationToken).ConfigureAwait(false);
                }
            }

            if (rule.Deprovision is { } deprovision)
            {
                var leaving = _triggers.Create(Deprovisioning.SourceContext(rule, _settings.ExtraFields));
                await foreach (var page in leaving.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
                {
                    var prior = await CountPriorAsync(page, Deprovisioning.ActivityKindOf(deprovision), cancellationToken).ConfigureAwait(false);
                    foreach (var contact in page)
                    {
                        yield return _deprovisioning.Plan(rule, contact, prior.GetValueOrDefault(contact.Id), Options.Retry.MaxAttempts);
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        _readyGate.Dispose();
    }

    private async Task<PlanEntry> PlanContactAsync(ProvisioningRule rule, Contact contact, int prior, CancellationToken cancellationToken)
    {
        try
        {
            return await PlanContactCoreAsync(rule, contact, prior, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex) when (ex.Kind != FailureKind.Configuration)
        {
            return new PlanEntry(contact.Id, rule.DisplayName, PlannedAction.Fail, null, null, ex.Message);
        }
        catch (Exception ex) when (ex is not CmsUserException && !ContactPipeline.IsRunCancellation(ex, cancellationToken))
        {
            // The real run would fail this contact with internal_error (a counted attempt); the plan says so and goes on.
            Log.ContactCrashed(_logger, contact.Id, rule.DisplayName, ex);
            return new PlanEntry(contact.Id, rule.DisplayName, WouldGiveUp(prior), null, null, $"{ContactPipeline.InternalErrorCode}: {ContactPipeline.InternalMessage(ex)}");
        }
    }

    private async Task<PlanEntry> PlanContactCoreAsync(ProvisioningRule rule, Contact contact, int prior, CancellationToken cancellationToken)
    {
        var name = rule.DisplayName;
        if (contact.CurrentDomainLink is { } link)
        {
            return new PlanEntry(contact.Id, name, PlannedAction.AlreadyLinked, link.UfName, link.CmsUserId, null);
        }

        if (contact.Links.FirstOrDefault(l => !l.IsCurrentDomain) is { } other)
        {
            return new PlanEntry(contact.Id, name, PlannedAction.LinkFromOtherDomain, other.UfName, other.CmsUserId, null);
        }

        if (ContactPipeline.CheckEmail(contact) is { } problem)
        {
            return new PlanEntry(contact.Id, name, PlannedAction.GiveUp, null, null, problem.Message);
        }

        if (await _cms.FindByEmailAsync(contact.Email!.Trim(), cancellationToken).ConfigureAwait(false) is { } found)
        {
            return Options.LinkExistingAccounts
                ? new PlanEntry(contact.Id, name, PlannedAction.LinkExisting, found.Username, found.UserId, null)
                : new PlanEntry(contact.Id, name, WouldGiveUp(prior), found.Username, found.UserId, $"The email is used by CMS account {found.UserId} and linking existing accounts is off.");
        }

        var (username, conflict) = await _pipeline.FindFreeUsernameAsync(_pipeline.BaseUsername(rule, contact), 1, cancellationToken).ConfigureAwait(false);
        return username is null
            ? new PlanEntry(contact.Id, name, WouldGiveUp(prior), null, null, conflict)
            : new PlanEntry(contact.Id, name, PlannedAction.Create, username, null, conflict);
    }

    private PlannedAction WouldGiveUp(int prior) =>
        prior + 1 >= Options.Retry.MaxAttempts ? PlannedAction.GiveUp : PlannedAction.Fail;

    private async Task<RunSummary> RunPassesAsync(string kind, ActivityKind activityKind, Pass[] passes, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var state = new RunState(_time.GetUtcNow(), Options.Retry.QuarantineAfterConsecutiveTransientFailures);
        using var trace = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.run");
        trace?.SetTag("cmsuser.kind", kind);
        Log.RunStarted(_logger, passes.Length, Options.PageSize, Options.MaxConcurrency, _cms.Name);
        try
        {
            await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            foreach (var pass in passes)
            {
                if (state.Stopped || cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                Log.RuleStarted(_logger, pass.Name, pass.Context.Trigger.ToString());
                var source = _triggers.Create(pass.Context);
                await foreach (var page in source.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
                {
                    await ProcessPageAsync(pass, source, page, activityKind, state, progress, cancellationToken).ConfigureAwait(false);
                    if (state.Stopped || state.Cancelled)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.Cancelled = true;
        }
        catch (CmsUserException ex) when (ex.Kind == FailureKind.Transient)
        {
            state.Quarantine($"CiviCRM or the CMS is unavailable: {ex.Message}");
        }
        catch (CmsUserException ex)
        {
            state.Stop(ex.Message);
        }
        catch (Exception ex) when (!ContactPipeline.IsRunCancellation(ex, cancellationToken))
        {
            // A defect outside any one contact (reading a page, writing one): the run ends with what it wrote, it does not die.
            Log.RunCrashed(_logger, ex);
            state.Stop(ContactPipeline.InternalMessage(ex));
        }

        state.Cancelled |= cancellationToken.IsCancellationRequested;
        var summary = state.ToSummary(_time.GetElapsedTime(started));
        ReportEnd(kind, summary);
        return summary;
    }

    private async Task ProcessPageAsync(Pass pass, ITriggerSource source, IReadOnlyList<Contact> page, ActivityKind activityKind, RunState state, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var prior = await CountPriorAsync(page, pass.Kind ?? activityKind, cancellationToken).ConfigureAwait(false);
        if (pass.Prefetch is { } prefetch)
        {
            await prefetch(page, cancellationToken).ConfigureAwait(false);
        }

        var opened = await _writer.OpenAsync(page, pass.Kind ?? activityKind, cancellationToken).ConfigureAwait(false);
        var leases = new ConcurrentBag<IDisposable>();
        try
        {
            var tasks = new List<Task<ContactWork?>>(page.Count);
            using (var gate = new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency))
            {
                // A contact listed twice in a page would wait for its own lock (held until the page is written).
                foreach (var contact in page.DistinctBy(c => c.Id))
                {
                    if (state.Stopped)
                    {
                        break;
                    }

                    try
                    {
                        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        state.Cancelled = true;
                        break;
                    }

                    if (state.Stopped)
                    {
                        gate.Release();
                        break;
                    }

                    tasks.Add(ProcessOneAsync(pass, contact, prior.GetValueOrDefault(contact.Id), state, leases, gate, cancellationToken));
                }

                await Task.WhenAll(tasks).ConfigureAwait(false);
            }

            var works = tasks.Select(t => t.Result).OfType<ContactWork>().ToArray();
            try
            {
                await _writer.WriteAsync(works, source, opened).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CmsUserException || !ContactPipeline.IsRunCancellation(ex, cancellationToken))
            {
                var error = ex is CmsUserException civi
                    ? new ProvisioningError(civi.Kind, CmsUserErrorCodes.WriteBackFailed, $"The results could not be written to CiviCRM: {civi.Message}")
                    : new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.WriteBackFailed, $"The results could not be written to CiviCRM: {ContactPipeline.InternalMessage(ex)}");
                foreach (var work in works)
                {
                    // Nothing was counted: the contacts stay in the trigger and the next run finds their accounts.
                    work.Error = error;
                    work.Kind = OutcomeKind.Failed;
                }

                Complete(works, state, progress);
                throw;
            }

            Complete(works, state, progress);
        }
        finally
        {
            // Whatever happened above, no contact stays locked in this process.
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }

    private async Task<ContactWork?> ProcessOneAsync(Pass pass, Contact contact, int prior, RunState state, ConcurrentBag<IDisposable> leases, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            // Held until the page is written, so a racing on-demand call sees the link. Waiting honours the
            // run's cancellation; once the contact's work starts it is finished whatever the token says.
            KeyedLock.Lease lease;
            try
            {
                lease = await _locks.AcquireAsync(contact.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                state.Cancelled = true;
                return null;
            }

            leases.Add(lease);
            if (lease.Waited)
            {
                try
                {
                    contact = await RereadAsync(contact, CancellationToken.None).ConfigureAwait(false) ?? contact;
                    Log.ContactContended(_logger, contact.Id);
                }
                catch (CmsUserException)
                {
                    // The re-read is an optimisation: the pipeline still finds an existing account by email.
                }
            }

            ContactWork work;
            try
            {
                work = await pass.Process(contact, prior).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Pass delegates catch everything already; this is the last line, so one contact never ends the page.
                work = new ContactWork(contact, pass.Name, pass.Context.Purpose, prior);
                _pipeline.FailInternal(work, ex);
            }

            state.Observe(work);
            return work;
        }
        finally
        {
            gate.Release();
        }
    }

    private void Complete(IEnumerable<ContactWork> works, RunState state, IProgress<ProvisioningProgress>? progress)
    {
        foreach (var work in works)
        {
            var outcome = work.ToOutcome();
            var processed = state.Complete(outcome);
            LogOutcome(outcome);
            progress?.Report(new ProvisioningProgress(work.Rule, processed, outcome));
        }
    }

    private ProvisioningOutcome Record(ProvisioningOutcome outcome)
    {
        CmsUserTelemetry.Processed.Add(1, new TagList { { "outcome", outcome.Kind.ToString() }, { "rule", outcome.Rule } });
        LogOutcome(outcome);
        return outcome;
    }

    private void LogOutcome(ProvisioningOutcome outcome)
    {
        if (outcome.Error is { } error)
        {
            Log.ContactFailed(_logger, outcome.ContactId, outcome.Rule ?? "", outcome.Kind, error.Kind, error.Code, outcome.Attempt, error.Message);
        }
        else
        {
            Log.ContactOutcome(_logger, outcome.ContactId, outcome.Rule ?? "", outcome.Kind, outcome.Username, outcome.CmsUserId);
        }
    }

    private void ReportEnd(string kind, RunSummary summary)
    {
        CmsUserTelemetry.Duration.Record(summary.Duration.TotalSeconds, new TagList { { "kind", kind } });
        if (summary.Quarantined)
        {
            Log.Quarantined(_logger, summary.StopReason ?? "unknown");
        }
        else if (summary.StopReason is not null)
        {
            Log.ConfigurationFailure(_logger, summary.StopReason);
        }
        else if (summary.Cancelled)
        {
            Log.RunCancelled(_logger);
        }

        Log.RunFinished(_logger, kind, summary.Duration, summary.Total, summary.Count(OutcomeKind.Created), summary.Count(OutcomeKind.Linked),
            summary.Count(OutcomeKind.AlreadyLinked), summary.Count(OutcomeKind.Failed), summary.Count(OutcomeKind.GaveUp), summary.Count(OutcomeKind.Skipped));
    }

    private async Task<(ProvisioningRule Rule, ITriggerSource? Source, Contact? Contact)> ResolveOnDemandAsync(long contactId, string? ruleName, CancellationToken cancellationToken)
    {
        if (ruleName is not null)
        {
            var named = Options.Rules.FirstOrDefault(r => string.Equals(r.DisplayName, ruleName, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"No rule is named '{ruleName}'. Rules: {string.Join(", ", Options.Rules.Select(r => r.DisplayName))}.", nameof(ruleName));
            var source = _triggers.Create(CreationContext(named));
            var pending = await source.FindPendingAsync(contactId, cancellationToken).ConfigureAwait(false);
            return pending is not null ? (named, source, pending) : (named, null, await GetContactAsync(contactId, cancellationToken).ConfigureAwait(false));
        }

        foreach (var rule in Options.Rules)
        {
            var source = _triggers.Create(CreationContext(rule));
            if (await source.FindPendingAsync(contactId, cancellationToken).ConfigureAwait(false) is { } pending)
            {
                return (rule, source, pending);
            }
        }

        return (Options.Rules[0], null, await GetContactAsync(contactId, cancellationToken).ConfigureAwait(false));
    }

    private async Task<Contact?> GetContactAsync(long contactId, CancellationToken cancellationToken)
    {
        var found = await _directory.GetContactsAsync([contactId], _settings.ExtraFields, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    private async Task<Contact?> RereadAsync(Contact contact, CancellationToken cancellationToken)
    {
        var fresh = await GetContactAsync(contact.Id, cancellationToken).ConfigureAwait(false);
        return fresh is null ? null : fresh with { TriggeredAt = contact.TriggeredAt };
    }

    private async Task<IReadOnlyDictionary<long, int>> CountPriorAsync(IReadOnlyList<Contact> contacts, ActivityKind kind, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var requests = contacts.Select(c => new AttemptCountRequest(c.Id, Options.Retry.CountFailuresSince(now, c.TriggeredAt))).ToArray();
        return requests.Length == 0
            ? new Dictionary<long, int>()
            : await _activities.CountFailedAttemptsAsync(requests, kind, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _readyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                await _activities.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _readyGate.Release();
        }
    }

    private TriggerSourceContext SourceContext(TriggerDefinition trigger, TriggerDefinition? history, ActivityKind purpose) => new()
    {
        Trigger = trigger,
        History = history,
        ExtraFields = _settings.ExtraFields,
        Purpose = purpose,
    };

    private IEnumerable<Pass> RulePasses(ProvisioningRule rule)
    {
        // A trigger that cannot be left (saved search, or an access group kept for deprovisioning) skips a contact
        // whose attempts are used up instead of taking it out.
        var kept = rule.Trigger!.Kind == TriggerKind.SavedSearch || Deprovisioning.KeepsMembers(rule);
        yield return new Pass(
            rule.DisplayName,
            CreationContext(rule),
            (contact, prior) => kept && prior >= Options.Retry.MaxAttempts
                ? Task.FromResult(ContactPipeline.GaveUpEarlier(rule, contact, prior))
                : _pipeline.ProvisionAsync(rule, contact, prior, CancellationToken.None))
        {
            Prefetch = (page, ct) => _pipeline.PrefetchAsync(rule, page, ct),
        };
        if (rule.Deprovision is { } deprovision)
        {
            Log.DeprovisionStarted(_logger, rule.DisplayName, deprovision.When, deprovision.Action);
            yield return new Pass(
                Deprovisioning.PassName(rule),
                Deprovisioning.SourceContext(rule, _settings.ExtraFields),
                (contact, prior) => _deprovisioning.DeprovisionAsync(rule, contact, prior, CancellationToken.None))
            {
                Kind = Deprovisioning.ActivityKindOf(deprovision),
            };
        }
    }

    private TriggerSourceContext CreationContext(ProvisioningRule rule) =>
        new()
        {
            Trigger = rule.Trigger!,
            History = rule.History,
            ExtraFields = _settings.ExtraFields,
            Purpose = ActivityKind.AccountCreation,
            KeepMembers = Deprovisioning.KeepsMembers(rule),
        };

    private async Task<bool> MayIssueLoginLinkAsync(ProvisioningRule rule, ContactWork work, long uid, CancellationToken cancellationToken)
    {
        var reason = await LoginLinkGuard.WithholdReasonAsync(_cms, Options.LoginLinks, rule, work, cancellationToken).ConfigureAwait(false);
        if (reason is null)
        {
            return true;
        }

        work.LoginLinkWithheld = reason;
        Log.LoginLinkWithheld(_logger, work.Contact.Id, uid, reason);
        return false;
    }

    private sealed record Pass(string Name, TriggerSourceContext Context, Func<Contact, int, Task<ContactWork>> Process)
    {
        /// <summary>The activity whose failures count for this pass, when not the run's.</summary>
        public ActivityKind? Kind { get; init; }

        /// <summary>Runs once per page before its contacts (bulk look-ups, see <see cref="ICmsAccountPrefetch"/>).</summary>
        public Func<IReadOnlyList<Contact>, CancellationToken, Task>? Prefetch { get; init; }
    }
}
