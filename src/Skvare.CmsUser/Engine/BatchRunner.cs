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
                await RunPassAsync(pass, pass.Kind ?? activityKind, state, progress, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// One pass, pipelined: the next page is read while the current one is provisioned; a page is written back in the
    /// background once its contacts are done, at most one page behind (the page before must be written before the
    /// next page's contacts start), pages in order, and each page's write keeps its order (links, audit, trigger).
    /// Whatever ends the pass (a stop, cancellation, a failed write), every page whose contacts started is written.
    /// </summary>
    private async Task RunPassAsync(BatchPass pass, ActivityKind kind, RunState state, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var source = _engine.Triggers.Create(pass.Context);
        using var gate = new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency);
        var pages = source.ReadPendingAsync(Options.PageSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
        Task<bool>? reading = null;
        Task? writing = null;
        Exception? failure = null;
        try
        {
            reading = pages.MoveNextAsync().AsTask();
            while (await reading.ConfigureAwait(false))
            {
                var page = pages.Current;
                if (state.Stopped || state.Cancelled)
                {
                    break;
                }

                // Keyset paging reads the ids after this page's last, so the next page can be read now.
                reading = pages.MoveNextAsync().AsTask();
                var (prior, opened) = await _engine.PreparePageAsync(page, kind, pass.Prefetch, cancellationToken).ConfigureAwait(false);
                var leases = new ConcurrentBag<IDisposable>();
                var contacts = await LaunchAsync(pass, page, prior, state, leases, gate, cancellationToken).ConfigureAwait(false);
                var previous = writing;
                writing = WritePageAsync(previous, contacts, source, opened, leases, state, progress, cancellationToken);
                if (previous is not null)
                {
                    await previous.ConfigureAwait(false);
                }

                if (state.Stopped || state.Cancelled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        // The pages whose contacts started are written whatever ended the loop; the read ahead is settled before
        // the reader goes.
        if (writing is not null)
        {
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
        }

        if (reading is not null)
        {
            try
            {
                await reading.ConfigureAwait(false);
            }
            catch (Exception ex) when (failure is not null || state.Stopped || state.Cancelled || ContactResult.IsRunCancellation(ex, cancellationToken))
            {
                // Not needed any more.
            }
        }

        await pages.DisposeAsync().ConfigureAwait(false);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>Starts the page's contacts as workers become free; stops starting them when the run stops or is cancelled.</summary>
    private async Task<List<Task<ContactResult?>>> LaunchAsync(BatchPass pass, IReadOnlyList<Contact> page, IReadOnlyDictionary<long, int> prior, RunState state, ConcurrentBag<IDisposable> leases, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var tasks = new List<Task<ContactResult?>>(page.Count);

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

        return tasks;
    }

    /// <summary>
    /// Waits for the page before (pages are written in order), then for this page's contacts, and writes this page.
    /// Its accounts exist, so it is written even when the page before failed to; that failure is thrown afterwards.
    /// </summary>
    private async Task WritePageAsync(Task? previous, List<Task<ContactResult?>> contacts, ITriggerSource source, IReadOnlyDictionary<long, long> opened, ConcurrentBag<IDisposable> leases, RunState state, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        Exception? earlier = null;
        if (previous is not null)
        {
            try
            {
                await previous.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                earlier = ex;
            }
        }

        try
        {
            // Contacts never throw (each has its failure boundary).
            var results = (await Task.WhenAll(contacts).ConfigureAwait(false)).OfType<ContactResult>().ToArray();
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

        if (earlier is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(earlier).Throw();
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
