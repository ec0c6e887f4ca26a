using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm;

namespace Skvare.CmsUser.Cli;

/// <summary>What the next run does with a contact that failed.</summary>
internal enum FailureNext
{
    /// <summary>The contact still waits in a trigger with attempts left, or was put back into a group or tag after giving up: the next run tries again.</summary>
    Retry,

    /// <summary>The contact still waits in a trigger (a saved search cannot be left) but its attempts are used up: skipped until they age out.</summary>
    AttemptsUsedUp,

    /// <summary>The contact waits in no trigger: it gave up (or was removed); adding it to the trigger again retries it.</summary>
    NotWaiting,
}

/// <summary>A contact whose latest account attempt failed.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Attempts">Its counted failed attempts.</param>
/// <param name="LastAttemptAt">When its latest attempt failed.</param>
/// <param name="LastError">The latest Failed record's details (<c>code: message</c>).</param>
/// <param name="Next">What the next run does with it.</param>
/// <param name="Rule">The rule whose trigger it waits in, or <see langword="null"/> when no rule's trigger holds it.</param>
/// <param name="DisplayName">CiviCRM's display name of the contact (read with its activities), or <see langword="null"/>.</param>
internal sealed record FailureRecord(long ContactId, int Attempts, DateTimeOffset LastAttemptAt, string LastError, FailureNext Next, string? Rule, string? DisplayName = null);

/// <summary>
/// Reads failed "User Account Creation" activities from CiviCRM (read-only: no CMS call, no write) and
/// counts them per contact inside the attempt window, as the engine counts them; then asks each rule's
/// trigger which of the contacts still wait there (many contacts a request), which decides what the next run does.
/// </summary>
internal static class FailureReader
{
    /// <summary>How many contacts' attempts are counted in one request (a run's page).</summary>
    private const int CountPageSize = 100;

    /// <summary>
    /// The contacts whose latest attempt failed, each with the rule whose trigger it waits in (asked of
    /// <paramref name="rules"/> in order, <paramref name="first"/>'s trigger before the others) and its display name (read
    /// in the same request as the activities).
    /// </summary>
    public static async Task<(IReadOnlyList<FailureRecord> Failures, int MaxAttempts, TimeSpan Window)> ReadAsync(IServiceProvider services, IReadOnlyList<ProvisioningRule> rules, ProvisioningRule? first, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        var client = services.GetRequiredService<CiviCrmApiClient>();
        var time = services.GetRequiredService<TimeProvider>();
        var since = time.GetUtcNow() - options.Retry.AttemptWindow;
        var query = new Api4Params()
            .WithSelect("contact_id", "act.activity_date_time", "act.details", "act.status_id:name", "contact.display_name")
            .WithWhere(
                Api4Condition.Eq("record_type_id:name", "Activity Targets"),
                Api4Condition.Eq("act.activity_type_id:name", CiviCrmActivityTypes.AccountCreation),
                Api4Condition.Eq("act.is_deleted", false),
                Api4Condition.Field("act.activity_date_time", ">=", since.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
        query.Join.Add(new Api4Join("Activity", "act", Api4JoinSide.Inner, [Api4Condition.Field("act.id", "=", "activity_id")]));
        // The contact's name in the same request: a list of ids alone sends an admin to CiviCRM once per row.
        query.Join.Add(new Api4Join("Contact", "contact", Api4JoinSide.Left, [Api4Condition.Field("contact.id", "=", "contact_id")]));
        query.OrderBy.Add(new("act.activity_date_time", "ASC"));
        query.OrderBy.Add(new("activity_id", "ASC"));

        var rows = new List<AttemptRow>();
        await foreach (var page in client.StreamPagesAsync("ActivityContact", query, 500, cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in page)
            {
                if (row.GetInt64("contact_id") is long id)
                {
                    rows.Add(new AttemptRow(id, row.GetDateTime("act.activity_date_time") ?? since, row.GetString("act.status_id:name"), row.GetString("act.details"), row.GetString("contact.display_name")));
                }
            }
        }

        var perContact = Tally(rows);
        var max = options.Retry.MaxAttempts;
        var triggers = services.GetRequiredService<ITriggerSourceFactory>();
        // With --rule its trigger is asked first, so a contact in the triggers of two rules is listed under the rule asked for.
        var sources = rules.OrderBy(r => ReferenceEquals(r, first) ? 0 : 1)
            .Select(r => (r.DisplayName, Source: triggers.Create(new TriggerSourceContext { Trigger = r.Trigger!, History = r.History }), Kept: KeepsMembers(r)))
            .ToList();
        var activities = services.GetRequiredService<IActivityRecorder>();
        var listed = perContact.Where(p => p.Value.LastFailed).OrderByDescending(p => p.Value.Last).ThenBy(p => p.Key).ToArray();

        // Which trigger each contact waits in: each source asked for every contact not found in one before it, many contacts
        // a request (found in trial19: after a bulk import of 3,000 contacts on the real CiviCRM, 614 failed contacts asked one
        // request each took 8 minutes, still 4.5 minutes four at a time).
        var waiting = new (string Rule, bool Kept, DateTimeOffset? Joined)?[listed.Length];
        var index = Enumerable.Range(0, listed.Length).ToDictionary(i => listed[i].Key);
        foreach (var (rule, source, keeps) in sources)
        {
            var unplaced = index.Where(p => waiting[p.Value] is null).Select(p => p.Key).ToArray();
            if (unplaced.Length == 0)
            {
                break;
            }

            foreach (var pending in await source.FindPendingAmongAsync(unplaced, cancellationToken).ConfigureAwait(false))
            {
                if (index.TryGetValue(pending.Id, out var i) && waiting[i] is null)
                {
                    waiting[i] = (rule, keeps, pending.TriggeredAt);
                }
            }
        }

        // As the engine counts: a contact re-added to a group trigger starts over, so only the failures since its latest
        // join count, not every failure in the window. Asked for a page of contacts at once, as a run asks.
        var joins = Enumerable.Range(0, listed.Length).Where(i => waiting[i]?.Joined is not null)
            .Select(i => new AttemptCountRequest(listed[i].Key, waiting[i]!.Value.Joined!.Value)).ToArray();
        var counted = new Dictionary<long, int>();
        foreach (var chunk in joins.Chunk(CountPageSize))
        {
            foreach (var (id, count) in await activities.CountFailedAttemptsAsync(chunk, ActivityKind.AccountCreation, cancellationToken).ConfigureAwait(false))
            {
                counted[id] = count;
            }
        }

        var failures = new List<FailureRecord>(listed.Length);
        for (var i = 0; i < listed.Length; i++)
        {
            var (id, state) = (listed[i].Key, listed[i].Value);
            var where = waiting[i];
            var attempts = where?.Joined is not null ? counted.GetValueOrDefault(id) : state.Failed;

            // Only a trigger the contact cannot be taken out of skips it once its attempts are used up; from a group or tag
            // it was put back into, the next run tries it again (and a failure takes it out again).
            var next = where is null ? FailureNext.NotWaiting : attempts >= max && where.Value.Kept ? FailureNext.AttemptsUsedUp : FailureNext.Retry;
            failures.Add(new FailureRecord(id, attempts, state.Last, state.Error, next, where?.Rule, string.IsNullOrWhiteSpace(state.Name) ? null : state.Name));
        }

        return (failures, max, options.Retry.AttemptWindow);
    }

    /// <summary>One "User Account Creation" record of a contact, in date order (as read, oldest first).</summary>
    internal sealed record AttemptRow(long ContactId, DateTimeOffset At, string? Status, string? Details, string? DisplayName);

    /// <summary>What a contact's records say: its failed attempts, its latest attempt and whether that one failed.</summary>
    internal readonly record struct ContactTally(int Failed, DateTimeOffset Last, string Error, bool LastFailed, string? Name);

    /// <summary>
    /// Each contact's records, oldest first, as attempts: a Failed record is a failed attempt, a Completed one a success
    /// that clears "last attempt failed"; any other status is no attempt at all and changes nothing. A Scheduled record is
    /// a run's open record (finished later, or an orphan), a Cancelled one an orphan <c>--close-orphans</c> closed: neither
    /// is an attempt, so a contact whose last attempt failed stays listed after either (and the retry's count and date do
    /// not move). Rows of several contacts may interleave; each contact's own order is kept.
    /// </summary>
    internal static Dictionary<long, ContactTally> Tally(IEnumerable<AttemptRow> rows)
    {
        var perContact = new Dictionary<long, ContactTally>();
        foreach (var row in rows)
        {
            var current = perContact.GetValueOrDefault(row.ContactId);
            var name = row.DisplayName ?? current.Name;
            perContact[row.ContactId] = row.Status switch
            {
                CiviCrmActivityTypes.FailedStatus => new ContactTally(current.Failed + 1, row.At, row.Details ?? "", true, name),
                CompletedStatus => current with { Last = row.At, LastFailed = false, Name = name },
                _ => current with { Name = name },
            };
        }

        return perContact;
    }

    /// <summary>The status of an attempt that succeeded.</summary>
    private const string CompletedStatus = "Completed";

    /// <summary>
    /// Whether the rule's trigger keeps a contact whose attempts are used up (a saved search, or a trigger kept for
    /// deprovisioning), so the engine skips it instead of trying it again.
    /// </summary>
    private static bool KeepsMembers(ProvisioningRule rule) =>
        rule.Trigger!.Kind == TriggerKind.SavedSearch || rule.Deprovision?.When == DeprovisionWhen.LeftTrigger;
}
