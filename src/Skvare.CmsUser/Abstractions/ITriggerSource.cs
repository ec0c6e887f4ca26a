using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>
/// A set of contacts waiting for something (an account, or a password reset email),
/// read page by page and told afterwards what happened to each contact.
/// </summary>
public interface ITriggerSource
{
    /// <summary>The trigger this source reads.</summary>
    TriggerDefinition Trigger { get; }

    /// <summary>
    /// Streams the pending contacts page by page (never all at once), in a stable order
    /// that stays correct while contacts are removed from the set (keyset paging).
    /// </summary>
    /// <param name="pageSize">Contacts per page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    IAsyncEnumerable<IReadOnlyList<Contact>> ReadPendingAsync(int pageSize, CancellationToken cancellationToken = default);

    /// <summary>Returns the contact when it is pending in this trigger, otherwise <see langword="null"/>.</summary>
    /// <param name="contactId">The contact id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    Task<Contact?> FindPendingAsync(long contactId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the contacts among <paramref name="contactIds"/> that are pending in this trigger, each once and in no
    /// particular order, as <see cref="FindPendingAsync(long, CancellationToken)"/> returns each of them. The default asks
    /// <see cref="FindPendingAsync(long, CancellationToken)"/> once per distinct id; a source that can ask for many contacts
    /// at once overrides it.
    /// </summary>
    /// <param name="contactIds">The contact ids.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    async Task<IReadOnlyList<Contact>> FindPendingAmongAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        var pending = new List<Contact>();
        foreach (var contactId in contactIds.Distinct())
        {
            if (await FindPendingAsync(contactId, cancellationToken).ConfigureAwait(false) is { } contact)
            {
                pending.Add(contact);
            }
        }

        return pending;
    }

    /// <summary>
    /// Applies what happened to a page of contacts in bulk: contacts that are done leave the trigger
    /// and join the history target (when one is set); contacts that gave up leave without history.
    /// </summary>
    /// <param name="acknowledgements">One entry per contact that changes state.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task AcknowledgeAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken = default);
}

/// <summary>What the trigger source should do with a contact after processing.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TriggerDisposition>))]
public enum TriggerDisposition
{
    /// <summary>Done: leave the trigger and join the history group/tag when one is set.</summary>
    Completed,

    /// <summary>Gave up (attempts used up, or a permanent data problem such as no email): leave the trigger, no history.</summary>
    GaveUp,
}

/// <summary>One contact's disposition.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Disposition">What to do.</param>
public sealed record TriggerAcknowledgement(long ContactId, TriggerDisposition Disposition);

/// <summary>What a trigger source needs to know when it is created.</summary>
public sealed class TriggerSourceContext
{
    /// <summary>The trigger to read.</summary>
    public required TriggerDefinition Trigger { get; init; }

    /// <summary>Where done contacts go; <see langword="null"/> for none.</summary>
    public TriggerDefinition? History { get; init; }

    /// <summary>
    /// Extra contact fields the engine needs (username pattern and field mapping tokens beyond the
    /// standard ones), to be returned in <see cref="Contact.Fields"/>.
    /// </summary>
    public IReadOnlyCollection<string> ExtraFields { get; init; } = [];

    /// <summary>
    /// For saved searches, which cannot be left: the activity type whose Completed or gave-up
    /// history excludes a contact. The engine sets it; sources that can be left ignore it.
    /// </summary>
    public ActivityKind Purpose { get; init; } = ActivityKind.AccountCreation;

    /// <summary>
    /// Members stay in <see cref="Trigger"/> after processing (an access group or tag that gives the account
    /// while the contact is in it): done contacts only join <see cref="History"/>, and pending means in the
    /// trigger and not in the history target. Set for rules deprovisioned when the contact leaves the trigger.
    /// </summary>
    public bool KeepMembers { get; init; }

    /// <summary>Only members of <see cref="Trigger"/> that are also in this set are pending (deprovisioning: the revoked set).</summary>
    public TriggerDefinition? RequireIn { get; init; }

    /// <summary>Only members of <see cref="Trigger"/> that are not in this group or tag are pending (deprovisioning: contacts who left the access trigger).</summary>
    public TriggerDefinition? RequireNotIn { get; init; }
}

/// <summary>Creates trigger sources for rules. Implemented by the CiviCRM package (and by the in-memory test kit).</summary>
public interface ITriggerSourceFactory
{
    /// <summary>Creates a source for one trigger.</summary>
    /// <param name="context">The trigger, its history target and the fields to read.</param>
    ITriggerSource Create(TriggerSourceContext context);

    /// <summary>
    /// Resolves, once per process and in as few requests as possible, every group, tag and saved search the
    /// configuration names (triggers, history targets, revoked sets), so no run or on-demand call reads them again.
    /// The engine calls it at set-up, again after a run stopped on a configuration error (a renamed or deleted
    /// group). A reference that does not resolve is not an error here: the source that uses it reports it.
    /// </summary>
    /// <param name="definitions">The references.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task PrepareAsync(IReadOnlyCollection<TriggerDefinition> definitions, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>Looks contacts up by id, whether or not they sit in a trigger (on-demand provisioning).</summary>
public interface IContactDirectory
{
    /// <summary>Reads contacts with their primary email and links.</summary>
    /// <param name="contactIds">Contact ids.</param>
    /// <param name="extraFields">Extra fields to fill in <see cref="Contact.Fields"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The contacts found (deleted contacts are absent).</returns>
    Task<IReadOnlyList<Contact>> GetContactsAsync(IReadOnlyCollection<long> contactIds, IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken = default);
}
