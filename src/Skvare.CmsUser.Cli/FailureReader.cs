using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm;

namespace Skvare.CmsUser.Cli;

/// <summary>What the next run does with a contact that failed.</summary>
internal enum FailureNext
{
    /// <summary>The contact still waits in a trigger with attempts left: the next run tries again.</summary>
    Retry,

    /// <summary>The contact still waits in a trigger (a saved search cannot be left) but its attempts are used up: skipped until they age out.</summary>
    AttemptsUsedUp,

    /// <summary>The contact waits in no trigger: it gave up (or was removed); adding it to the trigger again retries it.</summary>
    NotWaiting,
}

/// <summary>A contact whose latest account attempt failed.</summary>
internal sealed record FailureRecord(long ContactId, int Attempts, DateTimeOffset LastAttemptAt, string LastError, FailureNext Next, string? Rule);

/// <summary>
/// Reads failed "User Account Creation" activities from CiviCRM (read-only: no CMS call, no write) and
/// counts them per contact inside the attempt window, as the engine counts them; then asks each rule's
/// trigger whether the contact still waits there, which decides what the next run does.
/// </summary>
internal static class FailureReader
{
    public static async Task<(IReadOnlyList<FailureRecord> Failures, int MaxAttempts, TimeSpan Window)> ReadAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        var client = services.GetRequiredService<CiviCrmApiClient>();
        var time = services.GetRequiredService<TimeProvider>();
        var since = time.GetUtcNow() - options.Retry.AttemptWindow;
        var query = new Api4Params()
            .WithSelect("contact_id", "act.activity_date_time", "act.details", "act.status_id:name")
            .WithWhere(
                Api4Condition.Eq("record_type_id:name", "Activity Targets"),
                Api4Condition.Eq("act.activity_type_id:name", CiviCrmActivityTypes.AccountCreation),
                Api4Condition.Eq("act.is_deleted", false),
                Api4Condition.Field("act.activity_date_time", ">=", since.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
        query.Join.Add(new Api4Join("Activity", "act", Api4JoinSide.Inner, [Api4Condition.Field("act.id", "=", "activity_id")]));
        query.OrderBy.Add(new("act.activity_date_time", "ASC"));
        query.OrderBy.Add(new("activity_id", "ASC"));

        var perContact = new Dictionary<long, (int Failed, DateTimeOffset Last, string Error, bool LastFailed)>();
        await foreach (var page in client.StreamPagesAsync("ActivityContact", query, 500, cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in page)
            {
                if (row.GetInt64("contact_id") is not long id)
                {
                    continue;
                }

                var at = row.GetDateTime("act.activity_date_time") ?? since;
                var failed = row.GetString("act.status_id:name") == CiviCrmActivityTypes.FailedStatus;
                var current = perContact.GetValueOrDefault(id);
                perContact[id] = failed
                    ? (current.Failed + 1, at, row.GetString("act.details") ?? "", true)
                    : (current.Failed, at, current.Error, false);
            }
        }

        var max = options.Retry.MaxAttempts;
        var triggers = services.GetRequiredService<ITriggerSourceFactory>();
        var sources = options.Rules
            .Select(r => (r.DisplayName, Source: triggers.Create(new TriggerSourceContext { Trigger = r.Trigger!, History = r.History })))
            .ToList();
        var failures = new List<FailureRecord>();
        foreach (var (id, state) in perContact.Where(p => p.Value.LastFailed).OrderByDescending(p => p.Value.Last).ThenBy(p => p.Key))
        {
            string? waitingIn = null;
            foreach (var (rule, source) in sources)
            {
                if (await source.FindPendingAsync(id, cancellationToken).ConfigureAwait(false) is not null)
                {
                    waitingIn = rule;
                    break;
                }
            }

            var next = waitingIn is null ? FailureNext.NotWaiting : state.Failed >= max ? FailureNext.AttemptsUsedUp : FailureNext.Retry;
            failures.Add(new FailureRecord(id, state.Failed, state.Last, state.Error, next, waitingIn));
        }

        return (failures, max, options.Retry.AttemptWindow);
    }
}
