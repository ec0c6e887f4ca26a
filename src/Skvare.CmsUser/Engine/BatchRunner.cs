using System.Diagnostics;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>One pass of a batch: a trigger read page by page and what happens to each of its contacts.</summary>
/// <param name="Name">The rule or campaign, in logs and outcomes.</param>
/// <param name="Context">The trigger to read.</param>
/// <param name="Process">The contact's job (with its prior failures and its page's look-up plan, when the pass has
/// <see cref="Lookups"/>); never throws but for the caller's cancellation.</param>
internal sealed record BatchPass(string Name, TriggerSourceContext Context, Func<Contact, int, PageLookup?, Task<ContactResult>> Process)
{
    /// <summary>The activity whose failures count for this pass, when not the run's.</summary>
    public ActivityKind? Kind { get; init; }

    /// <summary>Which pages are looked up in the CMS before their contacts (see <see cref="ICmsAccountPrefetch"/>), or none.</summary>
    public PageLookups? Lookups { get; init; }

    /// <summary>The pass's position in its run, from 1 (set by <see cref="BatchRunner.RunAsync"/>).</summary>
    public int Number { get; init; } = 1;

    /// <summary>How many passes its run has.</summary>
    public int Count { get; init; } = 1;
}

/// <summary>
/// Runs batches: passes over triggers, page by page, up to <see cref="CmsUserOptions.MaxConcurrency"/> contacts at
/// once, each page written back in bulk; the run ends with a summary, never with an exception but the caller's.
/// </summary>
/// <remarks>
/// The flow keeps the workers on CMS creates: the first page is read while the set-up finishes; each page is read and
/// prepared (failure count, Scheduled records, the page look-up when wanted) while the page before is provisioned; a
/// page is written back in the background once its contacts are done, at most <see cref="MaxPagesBehind"/> pages
/// behind. With a listener on <see cref="CmsUserTelemetry.Name"/> each step is a span (<c>cmsuser.batch.*</c>,
/// docs/observability.md), which is how the benchmark's <c>--trace</c> tells what the workers wait on.
/// </remarks>
internal sealed class BatchRunner
{
    /// <summary>
    /// How many pages may wait for or be in their write-back while the next page's contacts start (the background
    /// write-back's bound): pages are written one at a time, in order; a page's contacts stay locked until it is written.
    /// </summary>
    internal const int MaxPagesBehind = 2;

    private readonly EngineContext _engine;

    /// <summary>Quarantined runs in a row, so an outage is logged as an Error once, not once per scheduled run.</summary>
    private readonly QuarantineStreak _quarantines = new();

    public BatchRunner(EngineContext engine) => _engine = engine;

    private CmsUserOptions Options => _engine.Options;

    private ILogger Logger => _engine.Logger;

    /// <summary>The passes of the provisioning rules: creation, then deprovisioning where the rule asks for it.</summary>
    public BatchPass[] RulePasses() => Options.Rules.SelectMany(RulePasses).ToArray();

    public async Task<RunSummary> RunAsync(string kind, ActivityKind activityKind, BatchPass[] passes, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var started = _engine.Time.GetTimestamp();
        passes = passes.Select((p, i) => p with { Number = i + 1, Count = passes.Length }).ToArray();
        var state = new RunState(_engine.Time.GetUtcNow(), _engine.Attempts);
        using var trace = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.run");
        trace?.SetTag("cmsuser.kind", kind);
        Log.RunStarted(Logger, kind, passes.Length, Options.PageSize, Options.MaxConcurrency, _engine.Cms.Name);
        PageFeed? first = null;
        try
        {
            first = await SetUpAsync(passes, activityKind, cancellationToken).ConfigureAwait(false);
            foreach (var pass in passes)
            {
                var feed = first ?? new PageFeed(this, pass, pass.Kind ?? activityKind, cancellationToken);
                first = null;
                await using (feed.ConfigureAwait(false))
                {
                    if (state.Stopped || cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    Log.RuleStarted(Logger, pass.Name, pass.Context.Trigger.ToString());
                    await RunPassAsync(pass, feed, state, progress, cancellationToken).ConfigureAwait(false);
                }
            }

            if (Options.CheckCmsCredentials && !state.CmsReached && !state.Stopped && !state.Cancelled && !cancellationToken.IsCancellationRequested)
            {
                await CheckCredentialsAsync(state, cancellationToken).ConfigureAwait(false);
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
            state.Stop(RunStopKind.Configuration, ex.Message);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // A defect outside any one contact (reading a page, writing one): the run ends with what it wrote, it does not die.
            Log.RunCrashed(Logger, ex);
            state.Stop(RunStopKind.InternalError, RunCrashMessage(ex));
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync().ConfigureAwait(false);
            }
        }

        state.Cancelled |= cancellationToken.IsCancellationRequested;
        RunCycle.Current?.Record(_engine, state.CmsReached, state.CmsCredentialsCheck);
        var summary = state.ToSummary(_engine.Time.GetElapsedTime(started));
        if (summary.StopKind is RunStopKind.Configuration or RunStopKind.InternalError)
        {
            // A configuration error (or a defect): what this process cached at set-up may be what is wrong.
            _engine.Invalidate();
        }

        ReportEnd(kind, summary);
        return summary;
    }

    /// <summary>
    /// The set-up of the process (once), with the first pass's first page read early: a source that prepares its pages
    /// (it waits for the set-up itself before any activity, <see cref="PagePreparation.Ready"/>) reads as soon as the
    /// set-up's requests are sent, so a cold run's first read goes with them; another source reads once the triggers are
    /// resolved, while the rest of the set-up (identity, activity types) is still in flight. Returns that pass's feed.
    /// </summary>
    private async Task<PageFeed?> SetUpAsync(BatchPass[] passes, ActivityKind activityKind, CancellationToken cancellationToken)
    {
        using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.setup");
        PageFeed? first = null;
        try
        {
            if (passes.Length > 0)
            {
                first = new PageFeed(this, passes[0], passes[0].Kind ?? activityKind, cancellationToken);
            }

            await _engine.EnsureReadyAsync(
                ct =>
                {
                    if (!ct.IsCancellationRequested)
                    {
                        first?.StartReading();
                    }

                    return Task.FromResult(true);
                },
                static () => { },
                cancellationToken,
                started: () =>
                {
                    if (first is { ReadsBeforeSetUp: true } && !cancellationToken.IsCancellationRequested)
                    {
                        first.StartReading();
                    }
                }).ConfigureAwait(false);
            first?.SetUp();
            return first;
        }
        catch
        {
            if (first is not null)
            {
                await first.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// The run needed the CMS for no contact (none waiting, all already linked, without an email, or skipped): the CMS
    /// credentials are checked with one request, so wrong ones end this run as a configuration error (an unreachable CMS
    /// as a quarantine) instead of passing unnoticed until the first contact needs an account. A failure the provider
    /// throws is read as a returned one; the caller's cancellation and a defect go to the run's own handlers. In a
    /// scheduled cycle (<see cref="RunCycle"/>) a run after one that learned about the credentials sends nothing: contacts
    /// the CMS took end it as they are, an earlier check is taken as this run's.
    /// </summary>
    private async Task CheckCredentialsAsync(RunState state, CancellationToken cancellationToken)
    {
        var earlier = RunCycle.Current?.Earlier(_engine);
        if (earlier is { Check: null })
        {
            return;
        }

        var check = earlier?.Check ?? await CheckNowAsync(cancellationToken).ConfigureAwait(false);
        state.CmsCredentialsCheck = check;
        if (check.Passed)
        {
            return;
        }

        var reason = EngineContext.CredentialsRefusal(_engine.Cms.Name, check, "run");
        if (check.Failure == FailureKind.Transient)
        {
            // A quarantine's reason is read inside a sentence ("Stopped (quarantined): …. The remaining …").
            state.Quarantine(reason.TrimEnd().TrimEnd('.'));
        }
        else
        {
            state.Stop(RunStopKind.Configuration, reason);
        }
    }

    private async Task<ConnectivityCheck> CheckNowAsync(CancellationToken cancellationToken)
    {
        using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.credentials");
        var check = await _engine.CheckCmsCredentialsAsync(cancellationToken).ConfigureAwait(false);
        span?.SetTag("cmsuser.passed", check.Passed);
        return check;
    }

    private IEnumerable<BatchPass> RulePasses(ProvisioningRule rule)
    {
        // A trigger that cannot be left (saved search, or an access group kept for deprovisioning) skips a contact
        // whose attempts are used up instead of taking it out.
        var kept = rule.Trigger!.Kind == TriggerKind.SavedSearch || Deprovisioning.KeepsMembers(rule);
        yield return new BatchPass(
            rule.DisplayName,
            _engine.CreationContext(rule),
            (contact, prior, page) => kept && _engine.Attempts.UsedUp(prior)
                ? Task.FromResult(UsedUp(rule, contact, prior))
                : _engine.Pipeline.ProvisionAsync(rule, contact, prior, page, CancellationToken.None))
        {
            Lookups = _engine.Pipeline.LookupsFor(rule),
        };
        if (rule.Deprovision is { } deprovision)
        {
            Log.DeprovisionStarted(Logger, rule.DisplayName, deprovision.When, deprovision.Action);
            yield return new BatchPass(
                Deprovisioning.PassName(rule),
                Deprovisioning.SourceContext(rule, _engine.Settings.ExtraFields),
                (contact, prior, _) => _engine.Deprovisioning.DeprovisionAsync(rule, contact, prior, CancellationToken.None))
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
    /// One pass, pipelined: while a page's contacts are provisioned, the next page is already read and prepared (see
    /// <see cref="PageFeed"/>), so a worker that finishes the last contact of a page starts the first of the next one
    /// at once. A page is written back in the background once its contacts are done, pages in order, each page's write
    /// in its own order (links, audit, trigger); at most <see cref="MaxPagesBehind"/> pages wait for their write when
    /// the next page starts. Whatever ends the pass (a stop, cancellation, a failed write), every page whose contacts
    /// started is written; a page prepared but not started gives its Scheduled records back.
    /// </summary>
    private async Task RunPassAsync(BatchPass pass, PageFeed feed, RunState state, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        var gate = new WorkerGate(Options.MaxConcurrency);
        var behind = new Queue<Task>();
        Task? writing = null;
        Exception? failure = null;
        try
        {
            feed.StartPreparing();
            while (await WaitOn("page", feed.TakeAsync()).ConfigureAwait(false) is { } page)
            {
                if (state.Stopped || state.Cancelled)
                {
                    await feed.GiveBackAsync(page).ConfigureAwait(false);
                    break;
                }

                if (pass.Lookups is { } lookups && page.Lookup is { } plan && lookups.CatchUp(plan))
                {
                    // Creates started to be refused after this page was prepared: its accounts are looked up now, so
                    // its refusals cost no request each.
                    try
                    {
                        await WaitOn("lookup", plan.LookUpAsync(cancellationToken)).ConfigureAwait(false);
                    }
                    catch
                    {
                        await feed.GiveBackAsync(page).ConfigureAwait(false);
                        throw;
                    }
                }

                var leases = new ConcurrentBag<IDisposable>();
                var contacts = await LaunchAsync(pass, page, state, leases, gate, cancellationToken).ConfigureAwait(false);
                writing = WritePageAsync(writing, pass, page, contacts, feed.Source, leases, state, progress, cancellationToken);
                behind.Enqueue(writing);
                while (behind.Count > MaxPagesBehind)
                {
                    await WaitOn("write", behind.Dequeue()).ConfigureAwait(false);
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

        // The pages whose contacts started are written whatever ended the loop (each write waits for the one before).
        if (writing is not null)
        {
            try
            {
                await WaitOn("drain", writing).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure ??= ex;
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>Starts the page's contacts as workers become free; stops starting them when the run stops or is cancelled.</summary>
    private async Task<List<Task<ContactResult?>>> LaunchAsync(BatchPass pass, PreparedPage page, RunState state, ConcurrentBag<IDisposable> leases, WorkerGate gate, CancellationToken cancellationToken)
    {
        var tasks = new List<Task<ContactResult?>>(page.Contacts.Count);

        // A contact listed twice in a page would wait for its own lock (held until the page is written).
        foreach (var contact in page.Contacts.DistinctBy(c => c.Id))
        {
            if (state.Stopped)
            {
                break;
            }

            try
            {
                if (!gate.TryTake())
                {
                    // Resumed by the worker that frees its place, on its thread: it goes on to start this contact.
                    await WaitOn("worker", gate.TakeAsync(cancellationToken)).ConfigureAwait(false);
                }
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

            // Started inline: a contact that finishes synchronously (a stop, a quarantine) is seen before the next starts.
            tasks.Add(ProcessOneAsync(pass, contact, page.Prior.GetValueOrDefault(contact.Id), page.Lookup, page.Opened.NotOpened.GetValueOrDefault(contact.Id), state, leases, gate, cancellationToken));
        }

        return tasks;
    }

    /// <summary>
    /// Waits for the page before (pages are written in order), then for this page's contacts, and writes this page.
    /// Its accounts exist, so it is written even when the page before failed to; that failure is thrown afterwards.
    /// </summary>
    private async Task WritePageAsync(Task? previous, BatchPass pass, PreparedPage page, List<Task<ContactResult?>> contacts, ITriggerSource source, ConcurrentBag<IDisposable> leases, RunState state, IProgress<ProvisioningProgress>? progress, CancellationToken cancellationToken)
    {
        Exception? earlier = null;
        try
        {
            // Contacts never throw (each has its failure boundary). The page before is written first, whatever happens.
            ContactResult[] results;
            try
            {
                results = (await Task.WhenAll(contacts).ConfigureAwait(false)).OfType<ContactResult>().ToArray();
                if (page.Lookup is { } plan)
                {
                    pass.Lookups?.Finished(plan);
                }
            }
            finally
            {
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
            }

            IReadOnlyList<ContactResult> written;
            try
            {
                using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.write");
                span?.SetTag("cmsuser.page", page.Number);
                written = await _engine.Writer.WriteAsync(results, source, page.Opened, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CmsUserException || !ContactResult.IsRunCancellation(ex, cancellationToken))
            {
                // Nothing was counted: the contacts stay in the trigger and the next run finds their accounts.
                var error = ex is CmsUserException civi
                    ? new ProvisioningError(civi.Kind, CmsUserErrorCodes.WriteBackFailed, $"The results could not be written to CiviCRM: {civi.Message}")
                    : new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.WriteBackFailed, $"The results could not be written to CiviCRM: {ContactResult.InternalMessage(ex)}");
                // After a lost answer the page was read back: the contacts found written are reported as they are.
                Complete(pass, ex is PageNotWrittenException { Results.Count: > 0 } partly ? partly.Results : results.Select(r => NotWritten(r, error)), state, progress);
                throw;
            }

            Complete(pass, written, state, progress);
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

    private async Task<ContactResult?> ProcessOneAsync(BatchPass pass, Contact contact, int prior, PageLookup? page, string? notOpened, RunState state, ConcurrentBag<IDisposable> leases, WorkerGate gate, CancellationToken cancellationToken)
    {
        var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.contact");
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
                // CiviCRM refused this contact's Scheduled record: no CMS call without it (a crash would leave no trace).
                result = notOpened is not null
                    ? NotOpened(pass, contact, prior, notOpened)
                    : await pass.Process(contact, prior, page).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Pass delegates catch everything already; this is the last line, so one contact never ends the page.
                result = new ContactResult(contact, pass.Name, pass.Context.Purpose, prior).Catch(_engine.Attempts, ex, Logger);
            }

            state.Observe(result);
            span?.SetTag("cmsuser.outcome", result.Kind.ToString());
            return result;
        }
        finally
        {
            // The span ends first: the release may start the next contact on this thread (WorkerGate).
            span?.Dispose();
            gate.Release();
        }
    }

    /// <summary>
    /// Awaits <paramref name="task"/>; when it is not done yet, the wait is a <c>cmsuser.batch.wait</c> span tagged with
    /// what the pass waits on (<c>page</c>: the next page's read and preparation; <c>lookup</c>: a page look-up
    /// caught up at launch; <c>worker</c>: every worker busy; <c>write</c>: the write-back bound; <c>drain</c>: the
    /// last pages' write-back).
    /// </summary>
    private static async Task<T> WaitOn<T>(string on, Task<T> task)
    {
        if (!task.IsCompleted)
        {
            using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.wait");
            span?.SetTag("cmsuser.wait", on);
            return await task.ConfigureAwait(false);
        }

        return await task.ConfigureAwait(false);
    }

    private static async Task WaitOn(string on, Task task)
    {
        if (!task.IsCompleted)
        {
            using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.wait");
            span?.SetTag("cmsuser.wait", on);
            await task.ConfigureAwait(false);
            return;
        }

        await task.ConfigureAwait(false);
    }

    private void Complete(BatchPass pass, IEnumerable<ContactResult> results, RunState state, IProgress<ProvisioningProgress>? progress)
    {
        foreach (var result in results)
        {
            var outcome = result.ToOutcome();
            var processed = state.Complete(outcome, pass.Number);
            _engine.LogOutcome(outcome);
            progress?.Report(new ProvisioningProgress(result.Rule, processed.Run, outcome)
            {
                Pass = pass.Name,
                PassProcessed = processed.Pass,
                PassNumber = pass.Number,
                PassCount = pass.Count,
            });
        }
    }

    /// <summary>The stop reason of a run ended by a defect: the exception's type only (its message may quote data).</summary>
    internal static string RunCrashMessage(Exception ex) =>
        $"Unexpected {ex.GetType().Name} outside any contact (a defect, not a setting); the log has the details.";

    private void ReportEnd(string kind, RunSummary summary)
    {
        CmsUserTelemetry.Duration.Record(summary.Duration.TotalSeconds, new TagList { { "kind", kind } });
        // The credentials check comes after the run's last contact: a quarantine there left no contact undone.
        _quarantines.Report(Logger, summary, summary.CmsCredentialsCheck is { Passed: false }
            ? "No contact was left undone: the check came after the run's last contact."
            : "Remaining contacts were left untouched.");
        if (summary.StopKind == RunStopKind.Configuration)
        {
            Log.ConfigurationFailure(Logger, summary.StopReason ?? "unknown");
        }
        else if (summary.Cancelled && !summary.Quarantined)
        {
            Log.RunCancelled(Logger);
        }

        Log.RunFinished(Logger, kind, summary.Duration, summary.Total, summary.Count(OutcomeKind.Created), summary.Count(OutcomeKind.Linked),
            summary.Count(OutcomeKind.AlreadyLinked), summary.Count(OutcomeKind.Failed), summary.Count(OutcomeKind.GaveUp), summary.Count(OutcomeKind.Skipped));
    }

    /// <summary>The result of a contact whose Scheduled record CiviCRM refused: failed for good, audited by a Failed record when CiviCRM takes one.</summary>
    private ContactResult NotOpened(BatchPass pass, Contact contact, int prior, string reason) =>
        new ContactResult(contact, pass.Name, pass.Context.Purpose, prior)
            .Fail(_engine.Attempts, FailureKind.Permanent, CmsUserErrorCodes.WriteBackFailed, pass.Context.Purpose == ActivityKind.PasswordReset
                ? $"CiviCRM refused the contact's Scheduled audit record, so no reset email was sent: {reason}"
                : $"CiviCRM refused the contact's Scheduled audit record, so no account was made: {reason}");

    /// <summary>
    /// A page read and prepared: its contacts, their counted failures, their Scheduled records (with the contacts whose
    /// record the store refused), its look-up plan.
    /// </summary>
    private sealed record PreparedPage(int Number, IReadOnlyList<Contact> Contacts, IReadOnlyDictionary<long, int> Prior, OpenedPage Opened, PageLookup? Lookup);

    /// <summary>
    /// A pass's pages, read and prepared ahead: when the launcher takes a page, the next one is prepared (failure count,
    /// Scheduled records and, when the pass's <see cref="PageLookups"/> wants it, the page look-up, at once) and the one
    /// after it is read. Keyset paging makes the early read safe: each read asks for the ids after the page before,
    /// whatever has been written meanwhile. The source ends the stream itself when a page comes back shorter than asked
    /// (counted in rows, before a contact's repeated rows are merged), so a short last page costs no confirming read;
    /// after a full last page the empty read was sent ahead and is not waited for. Contacts that join the trigger
    /// behind the read position during the run are left to the next run, as before.
    /// </summary>
    private sealed class PageFeed : IAsyncDisposable
    {
        private readonly BatchRunner _runner;
        private readonly BatchPass _pass;
        private readonly ActivityKind _kind;
        private readonly CancellationToken _cancellationToken;
        private readonly IAsyncEnumerator<PreparedContactPage> _pages;
        private readonly TaskCompletionSource _setUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly bool _preparedBySource;
        private Task<bool>? _reading;
        private Task<PreparedPage?>? _next;
        private int _number;

        public PageFeed(BatchRunner runner, BatchPass pass, ActivityKind kind, CancellationToken cancellationToken)
        {
            _runner = runner;
            _pass = pass;
            _kind = kind;
            _cancellationToken = cancellationToken;
            Source = runner._engine.Triggers.Create(pass.Context);
            var engine = runner._engine;
            if (Source is IPreparingTriggerSource preparing && preparing.CanPrepareFor(engine.Activities))
            {
                // Each page comes with its failure count, Scheduled records and audit snapshot, from the page's own requests.
                _preparedBySource = true;
                var preparation = new PagePreparation
                {
                    Kind = kind,
                    CountFailuresSince = at => engine.Options.Retry.CountFailuresSince(engine.Time.GetUtcNow(), at),
                    Open = PageWriter.OpensRecords(kind) ? c => PageWriter.Scheduled(kind, c, engine.Time.GetUtcNow()) : null,
                    Ready = ct => _setUp.Task.WaitAsync(ct),
                };
                _pages = preparing.ReadPreparedAsync(runner.Options.PageSize, preparation, cancellationToken).GetAsyncEnumerator(cancellationToken);
            }
            else
            {
                _setUp.TrySetResult();
                _pages = Unprepared(Source.ReadPendingAsync(runner.Options.PageSize, cancellationToken), cancellationToken).GetAsyncEnumerator(cancellationToken);
            }
        }

        public ITriggerSource Source { get; }

        /// <summary>Whether the first read may go before the set-up is done (the source waits for it before any activity).</summary>
        public bool ReadsBeforeSetUp => _preparedBySource;

        /// <summary>Sends the first read (it needs only the triggers resolved).</summary>
        public void StartReading() => _reading ??= ReadAsync();

        /// <summary>The set-up is done: the pages' activities may be read and written.</summary>
        public void SetUp() => _setUp.TrySetResult();

        /// <summary>Starts preparing the first page (it needs the set-up done).</summary>
        public void StartPreparing()
        {
            SetUp();
            StartReading();
            _next ??= PrepareInBackground();
        }

        /// <summary>The next page, read and prepared, or <see langword="null"/> when the trigger is drained; starts preparing the one after.</summary>
        public async Task<PreparedPage?> TakeAsync()
        {
            StartPreparing();
            var page = await _next!.ConfigureAwait(false);
            if (page is not null)
            {
                _next = PrepareInBackground();
            }

            return page;
        }

        /// <summary>A prepared page that will not start: its Scheduled records are removed (best effort).</summary>
        public Task GiveBackAsync(PreparedPage page) => GiveBackAsync(page.Opened.Records);

        private async Task GiveBackAsync(IReadOnlyDictionary<long, long> opened)
        {
            if (opened.Count == 0)
            {
                return;
            }

            try
            {
                await _runner._engine.Activities.DiscardAsync(opened.Values.ToArray(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException or OperationCanceledException)
            {
                // Left Scheduled: the contact's next success completes or removes it.
            }
        }

        /// <summary>Settles what was sent ahead (a page read or prepared gives its records back), then closes the stream.</summary>
        public async ValueTask DisposeAsync()
        {
            // A set-up that failed never completed: what waits for it stops.
            _setUp.TrySetCanceled(CancellationToken.None);
            if (_next is not null)
            {
                try
                {
                    if (await _next.ConfigureAwait(false) is { } unused)
                    {
                        await GiveBackAsync(unused).ConfigureAwait(false);
                    }
                }
                catch (Exception)
                {
                    // Not needed any more; a failure that ended the pass was thrown by TakeAsync.
                }
            }

            if (_reading is not null)
            {
                try
                {
                    if (await _reading.ConfigureAwait(false) && _preparedBySource)
                    {
                        // Read ahead and never taken: the source opened its records with the read.
                        await GiveBackAsync(_pages.Current.Opened).ConfigureAwait(false);
                    }
                }
                catch (Exception)
                {
                    // Not needed any more.
                }
            }

            await _pages.DisposeAsync().ConfigureAwait(false);
        }

        private static async IAsyncEnumerable<PreparedContactPage> Unprepared(IAsyncEnumerable<IReadOnlyList<Contact>> pages, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var contacts in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return new PreparedContactPage { Contacts = contacts, FailedAttempts = NoFailures };
            }
        }

        private static readonly IReadOnlyDictionary<long, int> NoFailures = new Dictionary<long, int>();

        private async Task<bool> ReadAsync()
        {
            using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.read");
            span?.SetTag("cmsuser.prepared", _preparedBySource);
            return await _pages.MoveNextAsync().ConfigureAwait(false);
        }

        /// <summary>
        /// Prepares the next page on the thread pool: starting the next read and this page's preparation (building and sending
        /// requests) is CPU the launcher would otherwise spend while the workers that finished the page before wait for a contact.
        /// </summary>
        private Task<PreparedPage?> PrepareInBackground() => Task.Run(PrepareNextAsync, CancellationToken.None);

        private async Task<PreparedPage?> PrepareNextAsync()
        {
            if (!await _reading!.ConfigureAwait(false))
            {
                return null;
            }

            var read = _pages.Current;
            var contacts = read.Contacts;

            // The read after this one goes now, while this page is prepared and the page before it provisioned.
            _reading = ReadAsync();
            var number = ++_number;
            var lookup = _pass.Lookups?.Plan(contacts);
            using var span = CmsUserTelemetry.ActivitySource.StartActivity("cmsuser.batch.prepare");
            span?.SetTag("cmsuser.page", number);
            span?.SetTag("cmsuser.lookup", lookup?.Planned ?? false);
            Func<IReadOnlyList<Contact>, CancellationToken, Task>? prefetch = lookup is { Planned: true } ? (_, ct) => lookup.LookUpAsync(ct) : null;
            if (!_preparedBySource)
            {
                var (prior, opened) = await _runner._engine.PreparePageAsync(contacts, _kind, prefetch, _cancellationToken).ConfigureAwait(false);
                return new PreparedPage(number, contacts, prior, opened, lookup);
            }

            // The source read the failures and opened the records with the page: only the look-up is left.
            var page = new PreparedPage(number, contacts, read.FailedAttempts, PageWriter.Opened(read.Opened, read.Audits, _kind) with { NotOpened = read.NotOpened }, lookup);
            if (prefetch is not null)
            {
                try
                {
                    await prefetch(contacts, _cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await GiveBackAsync(page).ConfigureAwait(false);
                    throw;
                }
            }

            return page;
        }
    }
}
