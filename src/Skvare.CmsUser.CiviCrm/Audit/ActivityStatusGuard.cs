using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Audit;

/// <summary>
/// Keeps the SDK's activity records in the status they were written with. CiviCRM 6.17.2's API v4 takes a
/// <c>status_id:name</c> that names no status (the "Failed" option deleted or renamed by an admin while a host runs) without
/// a word: a new record is stored Completed (the BAO's default), an update stores no status. Every <c>Activity.save</c>
/// answer carries the <c>status_id</c> stored, so the guard compares it with the value each status had at set-up (read in
/// the set-up's own request) and adds no request while they agree. When one does not, the guard sets the status up again
/// (the Failed option is created or switched on again, as at set-up), writes the records' status again and checks that
/// answer too; a status that cannot be set up (a core status deleted, or the API user may not write option values) stops
/// the work with a configuration error naming the fix, and the records written with the wrong status are removed rather
/// than left Completed. One guard per client (per site), shared by the recorder, the page write-back and the trigger source.
/// </summary>
internal sealed class ActivityStatusGuard
{
    /// <summary>The key of the statuses read chained onto the set-up's request.</summary>
    internal const string StatusesKey = "statuses";

    /// <summary>The statuses the SDK writes records in.</summary>
    internal static readonly string[] Written = ["Scheduled", "Completed", CiviCrmActivityTypes.FailedStatus];

    private IReadOnlyDictionary<string, long>? _values;
    private string? _broken;

    /// <summary>The value of each status the SDK writes, as last read (null before the set-up).</summary>
    internal IReadOnlyDictionary<string, long>? Values => Volatile.Read(ref _values);

    /// <summary>The read of the statuses' values, chained after the set-up's conditional writes.</summary>
    internal static Api4Chain StatusesCall() =>
        new("OptionValue", "get", new Api4Params().WithSelect("name", "value").WithWhere(
            Api4Condition.Eq("option_group_id:name", "activity_status"),
            Api4Condition.In("name", Written)));

    /// <summary>Takes the statuses' values from an answer of <see cref="StatusesCall"/>.</summary>
    /// <returns>The statuses the SDK writes that the answer did not name.</returns>
    internal string[] Learn(IEnumerable<JsonElement> rows)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.GetString("name") is { } name && Written.Contains(name, StringComparer.Ordinal)
                && long.TryParse(row.GetString("value"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                values[name] = value;
            }
        }

        Volatile.Write(ref _values, values);
        return Written.Where(w => !values.ContainsKey(w)).ToArray();
    }

    /// <summary>
    /// The records of a save whose answer shows another status than the one sent: id, status sent, and whether the record
    /// was created by the save (else updated). A record the answer does not name (no row, no id) is left out. Without the
    /// values of a set-up, only a record stored without a status is one.
    /// </summary>
    internal static IReadOnlyList<(long Id, string Status, bool Created)> Mismatches(
        IList<IDictionary<string, object?>> sent, IReadOnlyList<JsonElement> rows, IReadOnlyDictionary<string, long>? values)
    {
        var found = new List<(long, string, bool)>();
        for (var n = 0; n < sent.Count && n < rows.Count; n++)
        {
            if (!sent[n].TryGetValue("status_id:name", out var sentStatus) || sentStatus is not string status || rows[n].GetInt64("id") is not long id || !rows[n].Has("status_id"))
            {
                continue;
            }

            var stored = rows[n].GetInt64("status_id");
            var wanted = values is not null && values.TryGetValue(status, out var v) ? v : (long?)null;
            if (stored is null || (wanted is not null && stored != wanted) || (wanted is null && values is not null))
            {
                found.Add((id, status, !sent[n].ContainsKey("id")));
            }
        }

        return found;
    }

    /// <summary>Throws the configuration error when a status could not be set up again, after trying once more.</summary>
    internal async Task ThrowIfBrokenAsync(CiviCrmApiClient client, ILogger logger, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _broken) is null)
        {
            return;
        }

        // The admin may have put it right meanwhile: one request, only while the status is known missing.
        string[] missing;
        try
        {
            missing = await SetUpAgainAsync(client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException)
        {
            throw Broken(logger, Volatile.Read(ref _broken) ?? Describe([CiviCrmActivityTypes.FailedStatus]), "OptionValue", "save", ex);
        }

        if (missing.Length > 0)
        {
            throw Broken(logger, Describe(missing), "OptionValue", "get");
        }

        Volatile.Write(ref _broken, null);
    }

    /// <summary>
    /// Checks a save's answer (<paramref name="rows"/>, in the order of <paramref name="sent"/>) and puts right the records
    /// stored in another status; see the class remarks.
    /// </summary>
    /// <param name="client">The client the save went through.</param>
    /// <param name="sent">The records as sent (<c>status_id:name</c>, and <c>id</c> for an update).</param>
    /// <param name="rows">The save's answer.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="throwIfUnfixed">
    /// Whether to throw when the status cannot be set up; otherwise the next write throws (a page's chained write must not
    /// fail after it landed: the engine would write its parts again).
    /// </param>
    /// <param name="cancellationToken">Cancels the repair.</param>
    internal async Task VerifyAsync(
        CiviCrmApiClient client, IList<IDictionary<string, object?>> sent, IReadOnlyList<JsonElement> rows, ILogger logger, bool throwIfUnfixed, CancellationToken cancellationToken)
    {
        var wrong = Mismatches(sent, rows, Values);
        if (wrong.Count == 0)
        {
            return;
        }

        var statuses = string.Join(", ", wrong.Select(w => w.Status).Distinct(StringComparer.Ordinal));
        Log.ActivityStatusMismatch(logger, wrong.Count, statuses);
        string? problem = null;
        try
        {
            var missing = await SetUpAgainAsync(client, cancellationToken).ConfigureAwait(false);
            if (missing.Length > 0)
            {
                problem = Describe(missing);
            }
            else
            {
                var again = new Api4Params();
                foreach (var (id, status, _) in wrong)
                {
                    again.Records.Add(new Dictionary<string, object?> { ["id"] = id, ["status_id:name"] = status });
                }

                var answer = await client.CallAsync("Activity", "save", again, cancellationToken).ConfigureAwait(false);
                if (Mismatches(again.Records, answer.Values, Values).Count > 0)
                {
                    problem = $"CiviCRM kept storing another status than {statuses} for the SDK's activity records; check the activity statuses (Administer » Customize Data and Screens » Dropdown Options » Activity Status).";
                }
            }
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException)
        {
            problem = ex is CmsUserException { Kind: FailureKind.Configuration }
                ? $"The activity status {statuses} is missing and the API user could not set it up again ({ex.Message}). Restore it in CiviCRM (Administer » Customize Data and Screens » Dropdown Options » Activity Status: name \"{CiviCrmActivityTypes.FailedStatus}\", closed) or give the API user the permission \"administer CiviCRM\"."
                : $"The activity status {statuses} was missing and setting it up again failed ({ex.Message}); the next write tries again. If it stays missing, restore it in CiviCRM (Administer » Customize Data and Screens » Dropdown Options » Activity Status: name \"{CiviCrmActivityTypes.FailedStatus}\", closed).";
        }

        if (problem is null)
        {
            return;
        }

        // Never leave a failure recorded as Completed (or without a status): the record goes, the contact is tried again.
        try
        {
            await client.CallAsync("Activity", "delete", new Api4Params().WithWhere(Api4Condition.In("id", wrong.Select(w => w.Id))), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CmsUserException or HttpRequestException or TimeoutException)
        {
            problem += $" The records {string.Join(", ", wrong.Select(w => w.Id.ToString(CultureInfo.InvariantCulture)))} are stored in the wrong status and could not be removed ({ex.GetType().Name}).";
        }

        Volatile.Write(ref _broken, problem);
        var error = Broken(logger, problem, "Activity", "save");
        if (throwIfUnfixed)
        {
            throw error;
        }
    }

    /// <summary>
    /// The set-up's conditional write of the Failed status and the statuses' read, in one request.
    /// </summary>
    /// <returns>The statuses still missing.</returns>
    internal async Task<string[]> SetUpAgainAsync(CiviCrmApiClient client, CancellationToken cancellationToken)
    {
        var answers = await Api4Carrier.SendAsync(client,
            [("ensure", new Api4Chain("OptionGroup", "get", CiviCrmActivityRecorder.EnsureQuery("activity_status", CiviCrmActivityTypes.FailedStatus))), (StatusesKey, StatusesCall())],
            cancellationToken).ConfigureAwait(false);
        return Learn(answers.TryGetValue(StatusesKey, out var rows) ? rows : []);
    }

    /// <summary>The configuration error of statuses missing from CiviCRM.</summary>
    internal static string Describe(IEnumerable<string> missing) =>
        $"The activity status {string.Join(", ", missing.Select(m => "\"" + m + "\""))} does not exist in CiviCRM (option group activity_status), so the SDK cannot record its work truthfully. "
        + "Restore it under Administer » Customize Data and Screens » Dropdown Options » Activity Status (\"Scheduled\" and \"Completed\" are CiviCRM's own; \"Failed\" is created by the SDK when the API user has the permission \"administer CiviCRM\").";

    private static CiviCrmApiException Broken(ILogger logger, string problem, string entity, string action, Exception? cause = null)
    {
        Log.ActivityStatusBroken(logger, problem);
        return new CiviCrmApiException(FailureKind.Configuration, problem, entity, action, innerException: cause);
    }
}
