namespace Skvare.CmsUser;

/// <summary>
/// Reads one contact for on-demand provisioning across every rule at once: the contact and its links, the first rule
/// whose trigger it is pending in, its counted failed attempts, and (optionally) its audit records and a Scheduled
/// record opened for this attempt. The CiviCRM package answers it in one request; when none is registered (or the
/// registration answers <see langword="null"/>), the engine composes the trigger sources, the contact directory and the
/// recorder, one call after another.
/// </summary>
/// <remarks>
/// An implementation stands for the registered <see cref="ITriggerSourceFactory"/>, <see cref="IContactDirectory"/>
/// and <see cref="IActivityRecorder"/> together and must answer exactly as they would: a package that registers one
/// registers none (a <see langword="null"/> factory result) when a host replaced one of those stores, so the engine
/// composes the stores instead.
/// </remarks>
public interface IProvisioningContactReader
{
    /// <summary>Reads the contact; <see langword="null"/> when it does not exist, is deleted or deceased.</summary>
    /// <param name="query">The contact, the rules' triggers and what else to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<ProvisioningContactRead?> ReadAsync(ProvisioningContactQuery query, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IProvisioningContactReader.ReadAsync"/> reads.</summary>
public sealed class ProvisioningContactQuery
{
    /// <summary>The contact id.</summary>
    public required long ContactId { get; init; }

    /// <summary>
    /// The triggers to test, in rule order (one per rule, as <see cref="ITriggerSourceFactory.Create"/> gets them): the
    /// contact is pending in the first one whose <see cref="ITriggerSource.FindPendingAsync"/> would return it.
    /// </summary>
    public required IReadOnlyList<TriggerSourceContext> Triggers { get; init; }

    /// <summary>Extra contact fields to fill in <see cref="Contact.Fields"/>.</summary>
    public IReadOnlyCollection<string> ExtraFields { get; init; } = [];

    /// <summary>Which activity type the failed attempts and audit records belong to.</summary>
    public ActivityKind Kind { get; init; } = ActivityKind.AccountCreation;

    /// <summary>
    /// The instant from which failed attempts count, given when the contact entered the trigger it is pending in
    /// (<see cref="Contact.TriggeredAt"/>; <see langword="null"/> when unknown or pending in none).
    /// </summary>
    public required Func<DateTimeOffset?, DateTimeOffset> CountFailuresSince { get; init; }

    /// <summary>Whether to return the contact's Completed and Scheduled records of <see cref="Kind"/> (<see cref="ProvisioningContactRead.Audits"/>).</summary>
    public bool ReadAudits { get; init; }

    /// <summary>
    /// A Scheduled record to open (<see cref="IActivityRecorder.OpenAsync"/>) when the contact exists and is not linked
    /// in the current domain, or <see langword="null"/> for none. Its <see cref="ActivityEntry.ContactId"/> is
    /// <see cref="ContactId"/>.
    /// </summary>
    public ActivityEntry? Open { get; init; }
}

/// <summary>What <see cref="IProvisioningContactReader.ReadAsync"/> found.</summary>
public sealed class ProvisioningContactRead
{
    /// <summary>
    /// The contact with its links, and <see cref="Contact.TriggeredAt"/> as the trigger it is pending in knows it
    /// (<see langword="null"/> when pending in none).
    /// </summary>
    public required Contact Contact { get; init; }

    /// <summary>The index in <see cref="ProvisioningContactQuery.Triggers"/> of the first trigger the contact is pending in, or <see langword="null"/>.</summary>
    public int? PendingIn { get; init; }

    /// <summary>Failed attempts of the query's kind since <see cref="ProvisioningContactQuery.CountFailuresSince"/> of <see cref="Contact"/>.</summary>
    public int FailedAttempts { get; init; }

    /// <summary>
    /// The contact's Completed and Scheduled records of the query's kind, read after the record of
    /// <see cref="ProvisioningContactQuery.Open"/> was opened (so they include it), or <see langword="null"/> when not read
    /// (<see cref="ProvisioningContactQuery.ReadAudits"/> unset, or a reader that reads them only separately). The page
    /// write-back may decide on them as on the snapshot of <see cref="IPageWriteBackStore.OpenAsync"/>.
    /// </summary>
    public IReadOnlyList<AuditRecord>? Audits { get; init; }

    /// <summary>The id of the record opened from <see cref="ProvisioningContactQuery.Open"/>, or <see langword="null"/> when none was.</summary>
    public long? OpenedRecord { get; init; }

    /// <summary>
    /// The contact's latest record of the query's kind, as <see cref="IActivityRecorder.FindLatestRecordAsync"/> reads it,
    /// read before the record of <see cref="ProvisioningContactQuery.Open"/> was opened (so never that one); <see langword="null"/>
    /// when the contact has none, or the reader does not read it. An on-demand call for a contact that still has a
    /// permanent defect answers from it when it is that defect's Failed record with the same details.
    /// </summary>
    public ActivityEntry? LatestRecord { get; init; }
}

/// <summary>
/// The engine's <see cref="IProvisioningContactReader"/> when none is registered: <see cref="ITriggerSource.FindPendingAsync"/> rule after rule
/// until one finds the contact, <see cref="IContactDirectory"/> when none does, then the failed-attempt count and the
/// latest record at once, and the Scheduled record once the latest record is read (a recorder that reads none answers at
/// once, so nothing waits). Reads no audit records (the page write reads them).
/// </summary>
internal sealed class ComposedProvisioningContactReader : IProvisioningContactReader
{
    private readonly ITriggerSourceFactory _triggers;
    private readonly IContactDirectory _directory;
    private readonly IActivityRecorder _activities;

    /// <summary>Creates the reader over the registered stores.</summary>
    /// <param name="triggers">The trigger sources.</param>
    /// <param name="directory">The contact directory.</param>
    /// <param name="activities">The activity recorder.</param>
    public ComposedProvisioningContactReader(ITriggerSourceFactory triggers, IContactDirectory directory, IActivityRecorder activities)
    {
        _triggers = triggers ?? throw new ArgumentNullException(nameof(triggers));
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _activities = activities ?? throw new ArgumentNullException(nameof(activities));
    }

    /// <inheritdoc />
    public async Task<ProvisioningContactRead?> ReadAsync(ProvisioningContactQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        Contact? contact = null;
        int? pendingIn = null;
        for (var i = 0; i < query.Triggers.Count && contact is null; i++)
        {
            contact = await _triggers.Create(query.Triggers[i]).FindPendingAsync(query.ContactId, cancellationToken).ConfigureAwait(false);
            pendingIn = contact is null ? null : i;
        }

        if (contact is null)
        {
            var found = await _directory.GetContactsAsync([query.ContactId], query.ExtraFields, cancellationToken).ConfigureAwait(false);
            contact = found.Count > 0 ? found[0] : null;
            if (contact is null)
            {
                return null;
            }
        }

        var counted = _activities.CountFailedAttemptsAsync([new AttemptCountRequest(contact.Id, query.CountFailuresSince(contact.TriggeredAt))], query.Kind, cancellationToken);
        var latest = _activities.FindLatestRecordAsync(contact.Id, query.Kind, cancellationToken);
        var opened = query.Open is { } open && contact.CurrentDomainLink is null
            ? OpenAfterAsync(latest, open with { ContactId = contact.Id }, cancellationToken)
            : Task.FromResult<IReadOnlyList<long>?>(null);
        try
        {
            await Task.WhenAll(counted, latest, opened).ConfigureAwait(false);
        }
        catch when (opened.IsCompletedSuccessfully && opened.Result is { Count: > 0 } ids)
        {
            // The count failed after the record was written: remove it (best effort; left Scheduled, the contact's
            // next success completes or removes it).
            try
            {
                await _activities.DiscardAsync(ids.ToArray(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException or OperationCanceledException)
            {
            }

            throw;
        }

        return new ProvisioningContactRead
        {
            Contact = contact,
            PendingIn = pendingIn,
            FailedAttempts = counted.Result.GetValueOrDefault(contact.Id),
            OpenedRecord = opened.Result is { Count: 1 } one ? one[0] : null,
            LatestRecord = latest.Result,
        };
    }

    /// <summary>Opens the attempt's record once the latest record is read, so that the latest record is never this one.</summary>
    private async Task<IReadOnlyList<long>?> OpenAfterAsync(Task<ActivityEntry?> latest, ActivityEntry open, CancellationToken cancellationToken)
    {
        await latest.ConfigureAwait(false);
        return await _activities.OpenAsync([open], cancellationToken).ConfigureAwait(false);
    }
}
