using System.Text.Json;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// Several API v4 calls in one request: chained onto a one-row read of the API user's own contact (a chain runs once per
/// result row, in the order of its keys). One call is sent as it is.
/// </summary>
internal static class Api4Carrier
{
    /// <summary>The one-row read of the API user's own contact that the calls are chained onto.</summary>
    public static Api4Params Query() =>
        new Api4Params { Limit = 1 }.WithSelect("id").WithWhere(Api4Condition.Eq("id", "user_contact_id"));

    /// <summary>
    /// Sends the calls in one request and returns each call's rows by key. A carrier that found no row ran nothing: that
    /// is a configuration error, never an empty answer.
    /// </summary>
    public static async Task<Dictionary<string, JsonElement[]>> SendAsync(CiviCrmApiClient client, IReadOnlyList<(string Key, Api4Chain Call)> calls, CancellationToken cancellationToken)
    {
        if (calls.Count == 1)
        {
            var (key, call) = calls[0];
            var single = await client.CallAsync(call.Entity, call.Action, call.Params, cancellationToken).ConfigureAwait(false);
            return new Dictionary<string, JsonElement[]>(StringComparer.Ordinal) { [key] = single.Values.ToArray() };
        }

        var carrier = Query();
        foreach (var (key, call) in calls)
        {
            carrier.Chain[key] = call;
        }

        var result = await client.CallAsync("Contact", "get", carrier, cancellationToken).ConfigureAwait(false);
        var row = result.Values.Count > 0 ? result.Values[0] : default;
        var answers = new Dictionary<string, JsonElement[]>(StringComparer.Ordinal);
        foreach (var (key, _) in calls)
        {
            if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(key, out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                throw new CiviCrmApiException(FailureKind.Configuration,
                    "CiviCRM did not return the API user's own contact (Contact.get id = user_contact_id), which the SDK chains its writes onto: give the API user's contact \"view\" access to itself.",
                    "Contact", "get");
            }

            answers[key] = rows.EnumerateArray().ToArray();
        }

        return answers;
    }
}
