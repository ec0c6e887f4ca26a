using System.Diagnostics;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>One pass of a batch: a trigger read page by page and what happens to each of its contacts.</summary>
/// <param name="Name">The rule or campaign, in logs and outcomes.</param>
/// <param name="Context">The trigger to read.</param>
/// <param name="Process">The contact's job; never throws but for the caller's cancellation.</param>
internal sealed record BatchPass(string Name, TriggerSourceContext Context, Func<Contact, int, Task<ContactResult>> Process)
{
    /// <summary>The activity whose failures count for this pass, when not the run's.</summary>
    public ActivityKind? Kind { get; init; }

    /// <summary>Runs once per page before its contacts (bulk look-ups, see <see cref="ICmsAccountPrefetch"/>).</summary>
    public Func<IReadOnlyList<Contact>, CancellationToken, Task>? Prefetch { get; init; }
}

/// <summary>
/// Runs batches: passes over triggers, page by page, up to <see cref="CmsUserOptions.MaxConcurrency"/> contacts at
/// once, each page written back in bulk; the run ends with a summary, never with an exception but the caller's.
/// </summary>
internal sealed class BatchRunner
{
    private readonly EngineContext _engine;

    public BatchRunner(EngineContext engine) => _engine = engine;

    private CmsUserOptions Options => _engine.Options;

    private ILogger Logger => _engine.Logger;

    /// <summary>The passes of the provisioning rules: creation, then deprovisioning where the rule asks for it.</summary>
    public BatchPass[] RulePasses() => Options.Rules.SelectMany(RulePasses).ToArray();

    public async Task<RunSummary> RunAsync(string kind, ActivityKind activityKind, BatchPass[] passes, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var started = _engine.Time.GetTimestamp();
        var state = new RunState(_engine.Time.GetUtcNow(), _engine.Attempts);
        using var trace = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.run");
        trace?.SetTag("cmsuser.kind", kind);
        Log.RunStarted(Logger, passes.Length, Options.PageSize, Options.MaxConcurrency, _engine.Cms.Name);
        try
        {
            await _engine.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            foreach (var pass in passes)
            {
                if (state.Stopped || cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                Log.RuleStarted(Logger, pass.Name, pass.Context.Trigger.ToString());
                var source = _engine.Triggers.Create(pass.Context);
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
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // A defect outside any one contact (reading a page, writing one): the run ends with what it wrote, it does not die.
            Log.RunCrashed(Logger, ex);
            state.Stop(ContactResult.InternalMessage(ex));
        }

        state.Cancelled |= cancellationToken.IsCancellationRequested;
        var summary = state.ToSummary(_engine.Time.GetElapsedTime(started));
        if (summary.StopReason is not null && !summary.Quarantined)
        {
            // A configuration error: what this process cached at set-up may be what is wrong.
            _engine.Invalidate();
        }

        ReportEnd(kind, summary);
        return summary;
    }

    private IEnumerable<BatchPass> RulePasses(ProvisioningRule rule)
    {
        // A trigger that cannot be left (saved search, or an access group kept for deprovisioning) skips a contact
        // whose attempts are used up instead of taking it out.
        var kept = rule.Trigger!.Kind == TriggerKind.SavedSearch || Deprovisioning.KeepsMembers(rule);
        yield return new BatchPass(
            rule.DisplayName,
            _engine.CreationContext(rule),
            (contact, prior) => kept && _engine.Attempts.UsedUp(prior)
                ? Task.FromResult(UsedUp(rule, contact, prior))
                : _engine.Pipeline.ProvisionAsync(rule, contact, prior, CancellationToken.None))
        {
            Prefetch = (page, ct) => _engine.Pipeline.PrefetchAsync(rule, page, ct),
        };
        if (rule.Deprovision is { } deprovision)
        {
            Log.DeprovisionStarted(Logger, rule.DisplayName, deprovision.When, deprovision.Action);
            yield return new BatchPass(
                Deprovisioning.PassName(rule),
                Deprovisioning.SourceContext(rule, _engine.Settings.ExtraFields),
                (contact, prior) => _engine.Deprovisioning.DeprovisionAsync(rule, contact, prior, CancellationToken.None))
            {
                Kind = Deprovisioning.ActivityKindOf(deprovision),
            };
        }
    }

    /// <summary>
    /// A contact of a trigger that cannot be left whose attempts are used up: skipped (no CMS call, no activity)
    /// until its failures age out of the attempt window.
    /// </summary>
    private static ContactResult UsedUp(ProvisioningRule rule, Contact contact, int priorFailures) =>
        new(contact, rule.DisplayName, ActivityKind.AccountCreation, priorFailures)
        {
            Kind = OutcomeKind.Skipped,
            Attempt = priorFailures,
            Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.AttemptsUsedUp, $"{priorFailures} recent failed attempts; the contact is skipped until they age out of the attempt window."),
        };

    private async Task ProcessPageAsync(BatchPass pass, ITriggerSource source, IReadOnlyList<Contact> page, ActivityKind activityKind, RunState state, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var prior = await _engine.CountPriorAsync(page, pass.Kind ?? activityKind, cancellationToken).ConfigureAwait(false);
        if (pass.Prefetch is { } prefetch)
        {
            await prefetch(page, cancellationToken).ConfigureAwait(false);
        }

        var opened = await _engine.Writer.OpenAsync(page, pass.Kind ?? activityKind, cancellationToken).ConfigureAwait(false);
        var leases = new ConcurrentBag<IDisposable>();
        try
        {
            var tasks = new List<Task<ContactResult?>>(page.Count);
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

            var results = tasks.Select(t => t.Result).OfType<ContactResult>().ToArray();
            IReadOnlyList<ContactResult> written;
            try
            {
                written = await _engine.Writer.WriteAsync(results, source, opened).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CmsUserException || !ContactResult.IsRunCancellation(ex, cancellationToken))
            {
                // Nothing was counted: the contacts stay in the trigger and the next run finds their accounts.
                var error = ex is CmsUserException civi
                    ? new ProvisioningError(civi.Kind, CmsUserErrorCodes.WriteBackFailed, $"The results could not be written to CiviCRM: {civi.Message}")
                    : new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.WriteBackFailed, $"The results could not be written to CiviCRM: {ContactResult.InternalMessage(ex)}");
                Complete(results.Select(r => NotWritten(r, error)), state, progress);
                throw;
            }

            Complete(written, state, progress);
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

    private static ContactResult NotWritten(ContactResult result, ProvisioningError error)
    {
        var verdict = AttemptPolicy.NotWritten(result.PriorFailures);
        return result with { Error = error, Kind = verdict.Kind, Attempt = verdict.Attempt, RecordActivity = verdict.RecordActivity, Disposition = verdict.Disposition };
    }

    private async Task<ContactResult?> ProcessOneAsync(BatchPass pass, Contact contact, int prior, RunState state, ConcurrentBag<IDisposable> leases, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            // Held until the page is written, so a racing on-demand call sees the link. Waiting honours the
            // run's cancellation; once the contact's work starts it is finished whatever the token says.
            KeyedLock.Lease lease;
            try
            {
                lease = await _engine.Locks.AcquireAsync(contact.Id, cancellationToken).ConfigureAwait(false);
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
                    contact = await _engine.RereadAsync(contact, CancellationToken.None).ConfigureAwait(false) ?? contact;
                    Log.ContactContended(Logger, contact.Id);
                }
                catch (CmsUserException)
                {
                    // The re-read is an optimisation: the pipeline still finds an existing account by email.
                }
            }

            ContactResult result;
            try
            {
                result = await pass.Process(contact, prior).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Pass delegates catch everything already; this is the last line, so one contact never ends the page.
                result = new ContactResult(contact, pass.Name, pass.Context.Purpose, prior).Catch(_engine.Attempts, ex, Logger);
            }

            state.Observe(result);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    private void Complete(IEnumerable<ContactResult> results, RunState state, IProgress<ProvisioningProgress>? progress)
    {
        foreach (var result in results)
        {
            var outcome = result.ToOutcome();
            var processed = state.Complete(outcome);
            _engine.LogOutcome(outcome);
            progress?.Report(new ProvisioningProgress(result.Rule, processed, outcome));
        }
    }

    private void ReportEnd(string kind, RunSummary summary)
    {
        CmsUserTelemetry.Duration.Record(summary.Duration.TotalSeconds, new TagList { { "kind", kind } });
        if (summary.Quarantined)
        {
            Log.Quarantined(Logger, summary.StopReason ?? "unknown");
        }
        else if (summary.StopReason is not null)
        {
            Log.ConfigurationFailure(Logger, summary.StopReason);
        }
        else if (summary.Cancelled)
        {
            Log.RunCancelled(Logger);
        }

        Log.RunFinished(Logger, kind, summary.Duration, summary.Total, summary.Count(OutcomeKind.Created), summary.Count(OutcomeKind.Linked),
            summary.Count(OutcomeKind.AlreadyLinked), summary.Count(OutcomeKind.Failed), summary.Count(OutcomeKind.GaveUp), summary.Count(OutcomeKind.Skipped));
    }
}
