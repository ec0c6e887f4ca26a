using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;

namespace Skvare.CmsUser.Cli;

/// <summary>What the next run does with a contact that failed.</summary>
internal enum FailureNext
{
    /// <summary>Attempts are left: the next run tries again.</summary>
    Retry,

    /// <summary>Attempts are used up: the contact left the trigger.</summary>
    GaveUp,
}

/// <summary>A contact whose latest account attempt failed.</summary>
internal sealed record FailureRecord(long ContactId, int Attempts, DateTimeOffset LastAttemptAt, string LastError, FailureNext Next);

/// <summary>
/// Reads failed "User Account Creation" activities from CiviCRM (read-only: no CMS call, no write) and
/// counts them per contact inside the attempt window, as the engine counts them.
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
                Api4Condition.Eq("act.activity_type_id:name", CiviCrmActivityRecorder.AccountCreationType),
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
                var failed = row.GetString("act.status_id:name") == CiviCrmActivityRecorder.FailedStatus;
                var current = perContact.GetValueOrDefault(id);
                perContact[id] = failed
                    ? (current.Failed + 1, at, row.GetString("act.details") ?? "", true)
                    : (current.Failed, at, current.Error, false);
            }
        }

        var max = options.Retry.MaxAttempts;
        var failures = perContact
            .Where(p => p.Value.LastFailed)
            .Select(p => new FailureRecord(p.Key, p.Value.Failed, p.Value.Last, p.Value.Error, p.Value.Failed >= max ? FailureNext.GaveUp : FailureNext.Retry))
            .OrderByDescending(f => f.LastAttemptAt)
            .ThenBy(f => f.ContactId)
            .ToList();
        return (failures, max, options.Retry.AttemptWindow);
    }
}
