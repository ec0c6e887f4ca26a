using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// What the engine's jobs (batch runs, on-demand calls, dry runs, reset campaigns) share: the services, the parsed
/// options, the per-contact pipeline, the page writer, the per-contact locks, and the one-time set-up of the process.
/// </summary>
internal sealed class EngineContext : IDisposable
{
    private readonly SemaphoreSlim _readyGate = new(1, 1);
    private volatile bool _ready;

    public EngineContext(
        ICmsAccountProvider cms,
        ITriggerSourceFactory triggers,
        IContactDirectory directory,
        IActivityRecorder activities,
        IAccountLinkStore links,
        EngineSettings settings,
        TimeProvider time,
        ILogger logger,
        IPageWriteBackStore? writeBack = null,
        IProvisioningContactReader? reader = null)
    {
        Cms = cms;
        Triggers = triggers;
        Directory = directory;
        Activities = activities;
        Settings = settings;
        Time = time;
        Logger = logger;
        Links = links;
        WriteBack = writeBack;
        Reader = reader ?? new ComposedProvisioningContactReader(triggers, directory, activities);
        Pipeline = new ContactPipeline(cms, links, settings, logger) { Restorer = new AccessRestorer(cms, activities, time, logger) };
        Writer = new PageWriter(links, activities, cms, settings.Attempts, time, logger, writeBack);
        Deprovisioning = new Deprovisioning(cms, settings.Attempts, logger);
    }

    public ICmsAccountProvider Cms { get; }

    public ITriggerSourceFactory Triggers { get; }

    public IContactDirectory Directory { get; }

    public IActivityRecorder Activities { get; }

    public IAccountLinkStore Links { get; }

    /// <summary>The one-request page write-back, when registered (<see langword="null"/>: the page is written one call per part).</summary>
    public IPageWriteBackStore? WriteBack { get; }

    /// <summary>
    /// Reads one contact across every rule for an on-demand call: the registered reader (the CiviCRM package's answers in
    /// one request), else the trigger sources, the directory and the recorder one after another.
    /// </summary>
    public IProvisioningContactReader Reader { get; }

    public EngineSettings Settings { get; }

    public CmsUserOptions Options => Settings.Options;

    public AttemptPolicy Attempts => Settings.Attempts;

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public ContactPipeline Pipeline { get; }

    public PageWriter Writer { get; }

    public Deprovisioning Deprovisioning { get; }

    /// <summary>One caller per contact at a time within the process (held until the contact's page is written).</summary>
    public KeyedLock Locks { get; } = new();

    /// <summary>
    /// The set-up of the process, once: the activity types and statuses exist (with the identity of the API user), and
    /// every group, tag and saved search the configuration names is resolved, both at once.
    /// </summary>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
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
                await Task.WhenAll(
                    Activities.EnsureReadyAsync(cancellationToken),
                    Triggers.PrepareAsync(ConfiguredTriggers(), cancellationToken)).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _readyGate.Release();
        }
    }

    /// <summary>
    /// The set-up of the process (as <see cref="EnsureReadyAsync(CancellationToken)"/>) with work that needs only the
    /// triggers resolved (the batch's first page read): that work starts as soon as the triggers are resolved, while the
    /// activity set-up is still in flight, so a cold call costs one round trip less per set-up step. A failure of the
    /// set-up calls <paramref name="setupFailed"/> before it is thrown (the caller reports it as a set-up failure); a
    /// failure of <paramref name="afterTriggers"/> is thrown as it is. <paramref name="started"/>, when given, runs as soon as
    /// the set-up's requests are sent (work that can go with them: the first read of a source that waits for the set-up
    /// itself); on a warm process it runs just before <paramref name="afterTriggers"/>.
    /// </summary>
    public async Task<T> EnsureReadyAsync<T>(Func<CancellationToken, Task<T>> afterTriggers, Action setupFailed, CancellationToken cancellationToken, Action? started = null)
    {
        if (_ready)
        {
            started?.Invoke();
            return await afterTriggers(cancellationToken).ConfigureAwait(false);
        }

        await _readyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task<T> work;
        try
        {
            if (_ready)
            {
                started?.Invoke();
                work = afterTriggers(cancellationToken);
            }
            else
            {
                var activities = Activities.EnsureReadyAsync(cancellationToken);
                try
                {
                    var triggers = Triggers.PrepareAsync(ConfiguredTriggers(), cancellationToken);
                    started?.Invoke();
                    await triggers.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    await Observe(activities).ConfigureAwait(false);
                    if (!ContactResult.IsRunCancellation(ex, cancellationToken))
                    {
                        setupFailed();
                    }

                    throw;
                }

                work = afterTriggers(cancellationToken);
                try
                {
                    await activities.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    await Observe(work).ConfigureAwait(false);
                    if (!ContactResult.IsRunCancellation(ex, cancellationToken))
                    {
                        setupFailed();
                    }

                    throw;
                }

                _ready = true;
            }
        }
        finally
        {
            _readyGate.Release();
        }

        return await work.ConfigureAwait(false);
    }

    /// <summary>Waits for a task whose failure is not the one reported (it must not go unobserved).</summary>
    private static async Task Observe(Task task)
    {
        await Task.WhenAny(task).ConfigureAwait(false);
        _ = task.Exception;
    }

    /// <summary>
    /// Forgets the set-up after a configuration error (a deleted activity type, a renamed group): the next run or
    /// on-demand call does it again instead of trusting what this process cached.
    /// </summary>
    public void Invalidate() => _ready = false;

    private TriggerDefinition[] ConfiguredTriggers() =>
        Options.Rules.SelectMany(r => new[] { r.Trigger, r.History, r.Deprovision?.Revoked })
            .Concat(Options.PasswordResets.Select(c => c.Trigger))
            .OfType<TriggerDefinition>()
            .ToArray();

    public async Task<Contact?> GetContactAsync(long contactId, CancellationToken cancellationToken)
    {
        var found = await Directory.GetContactsAsync([contactId], Settings.ExtraFields, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Reads a contact again after waiting for its lock (another caller may have linked it).</summary>
    public async Task<Contact?> RereadAsync(Contact contact, CancellationToken cancellationToken)
    {
        var fresh = await GetContactAsync(contact.Id, cancellationToken).ConfigureAwait(false);
        return fresh is null ? null : fresh with { TriggeredAt = contact.TriggeredAt };
    }

    /// <summary>Counted failures of each contact within its attempt window, in one call.</summary>
    public async Task<IReadOnlyDictionary<long, int>> CountPriorAsync(IReadOnlyList<Contact> contacts, ActivityKind kind, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var requests = contacts.Select(c => new AttemptCountRequest(c.Id, Options.Retry.CountFailuresSince(now, c.TriggeredAt))).ToArray();
        return requests.Length == 0
            ? new Dictionary<long, int>()
            : await Activities.CountFailedAttemptsAsync(requests, kind, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What a page needs before its contacts, at once: the counted failures, the provider's bulk look-up and the
    /// Scheduled audit records. When one of them fails, the records already written are removed (best effort) and
    /// the failure is thrown.
    /// </summary>
    public async Task<(IReadOnlyDictionary<long, int> Prior, OpenedPage Opened)> PreparePageAsync(
        IReadOnlyList<Contact> page, ActivityKind kind, Func<IReadOnlyList<Contact>, CancellationToken, Task>? prefetch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prior = CountPriorAsync(page, kind, cancellationToken);
        var fetched = prefetch?.Invoke(page, cancellationToken) ?? Task.CompletedTask;

        // Once sent, the Scheduled records' write is not abandoned at a cancellation: the store may have written them, and
        // only its answer names them, so they can be given back.
        var opened = Writer.OpenAsync(page, kind, CancellationToken.None);
        try
        {
            await Task.WhenAll(prior, fetched, opened).ConfigureAwait(false);
        }
        catch when (opened.IsCompletedSuccessfully && opened.Result.Records.Count > 0)
        {
            await DiscardQuietlyAsync(opened.Result.Records.Values.ToArray()).ConfigureAwait(false);
            throw;
        }

        return (prior.Result, opened.Result);
    }

    /// <summary>Removes Scheduled records of attempts that did not start (best effort: left Scheduled, the contact's next success completes or removes them).</summary>
    public async Task DiscardQuietlyAsync(IReadOnlyCollection<long> records)
    {
        try
        {
            await Activities.DiscardAsync(records, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // Left Scheduled: the contact's next success completes or removes them.
        }
    }

    public TriggerSourceContext SourceContext(TriggerDefinition trigger, TriggerDefinition? history, ActivityKind purpose) => new()
    {
        Trigger = trigger,
        History = history,
        ExtraFields = Settings.ExtraFields,
        Purpose = purpose,
    };

    /// <summary>The creation trigger of a rule.</summary>
    public TriggerSourceContext CreationContext(ProvisioningRule rule) => new()
    {
        Trigger = rule.Trigger!,
        History = rule.History,
        ExtraFields = Settings.ExtraFields,
        Purpose = ActivityKind.AccountCreation,
        KeepMembers = Deprovisioning.KeepsMembers(rule),
    };

    /// <summary>
    /// The CMS credentials check of a run or dry run that needed the CMS for no contact
    /// (<see cref="ICmsAccountProvider.CheckCredentialsAsync"/>): a failure the provider throws instead of returning is
    /// returned as a failed check of its kind; the caller's cancellation and anything unexpected are thrown.
    /// </summary>
    public async Task<ConnectivityCheck> CheckCmsCredentialsAsync(CancellationToken cancellationToken)
    {
        ConnectivityCheck check;
        try
        {
            check = await Cms.CheckCredentialsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex)
        {
            check = ConnectivityCheck.Failed(CredentialsCheck.Name, ex);
        }

        Log.CmsCredentialsChecked(Logger, Cms.Name, check.Passed, check.Detail);
        return check;
    }

    /// <summary>
    /// Why a run (<paramref name="what"/> <c>run</c>) or dry run (<c>plan</c>) that needed the CMS for no contact stopped on
    /// its credentials check: what was checked and what the CMS said.
    /// </summary>
    public static string CredentialsRefusal(string cms, ConnectivityCheck check, string what) =>
        $"No contact needed {cms} in this {what}, so its credentials were checked: {check.Detail}";

    /// <summary>Counts and logs the outcome of an on-demand call.</summary>
    public ProvisioningOutcome Record(ProvisioningOutcome outcome)
    {
        CmsUserTelemetry.Processed.Add(1, new TagList { { "outcome", outcome.Kind.ToString() }, { "rule", outcome.Rule } });
        LogOutcome(outcome);
        return outcome;
    }

    public void LogOutcome(ProvisioningOutcome outcome)
    {
        if (outcome.Error is { } error && outcome.Attempt is null)
        {
            // A failure that used no attempt (a server outage, a contact that does not exist) has no attempt number to show.
            Log.ContactFailedUncounted(Logger, outcome.ContactId, outcome.Rule ?? "", outcome.Kind, error.Kind, error.Code, error.Message);
        }
        else if (outcome.Error is { } counted)
        {
            Log.ContactFailed(Logger, outcome.ContactId, outcome.Rule ?? "", outcome.Kind, counted.Kind, counted.Code, outcome.Attempt, counted.Message);
        }
        else
        {
            Log.ContactOutcome(Logger, outcome.ContactId, outcome.Rule ?? "", outcome.Kind, outcome.Username, outcome.CmsUserId);
        }
    }

    public void Dispose() => _readyGate.Dispose();
}
