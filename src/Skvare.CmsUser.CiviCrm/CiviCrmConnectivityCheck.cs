using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>
/// Checks that CiviCRM answers as the right user with the permissions the SDK needs: who we are, which
/// domain, UFMatch readable, the configured groups/tags/saved searches exist, the activity types exist. The first check is
/// named "Connection" when CiviCRM could not be reached or was unavailable, "Authentication" when it refused the credentials.
/// Also a health check: register it with <c>AddHealthChecks().AddCiviCrmCheck()</c>.
/// </summary>
public sealed class CiviCrmConnectivityCheck : IHealthCheck
{
    private readonly CiviCrmApiClient _client;
    private readonly CiviCrmOptions _options;
    private readonly CmsUserOptions _engine;

    /// <summary>Creates the check.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">CiviCRM options.</param>
    /// <param name="engine">Engine options (for the configured triggers).</param>
    public CiviCrmConnectivityCheck(CiviCrmApiClient client, IOptions<CiviCrmOptions> options, IOptions<CmsUserOptions> engine)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _engine = (engine ?? throw new ArgumentNullException(nameof(engine))).Value;
    }

    /// <summary>Runs every check; never throws for a CiviCRM failure (it becomes a failed check).</summary>
    /// <param name="cancellationToken">Cancels the checks.</param>
    public async Task<ConnectivityReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<ConnectivityCheck>();
        var target = $"CiviCRM {_options.BaseUrl}";
        CiviCrmIdentity identity;
        try
        {
            identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("Authentication", true, $"as contact {identity.ContactId} ({identity.DisplayName}), domain {identity.DomainId}"));
        }
        catch (CmsUserException ex)
        {
            // Named after what failed, so a health check message does not read "Authentication:" when nothing answered.
            checks.Add(ConnectivityCheck.Failed(ex.Kind == FailureKind.Transient ? "Connection" : "Authentication", ex));
            return new ConnectivityReport(target, false, checks);
        }

        await CheckAsync(checks, "UFMatch readable", async () =>
        {
            var probe = new Api4Params { Limit = 1 }.WithSelect("id", "uf.uf_id");
            probe.Join.Add(new Api4Join("UFMatch", "uf", Api4JoinSide.Left, [Api4Condition.Field("uf.contact_id", "=", "id")]));
            probe.Where.Add(Api4Condition.Eq("id", identity.ContactId));
            var row = (await _client.CallAsync("Contact", "get", probe, cancellationToken).ConfigureAwait(false)).Values;
            return row.Count > 0 && row[0].Has("uf.uf_id")
                ? (true, "the UFMatch join is visible")
                : (false, "the UFMatch join was dropped: give the API user's role \"administer CiviCRM\"");
        }).ConfigureAwait(false);

        await CheckAsync(checks, "Activity types", async () =>
        {
            var query = new Api4Params { Limit = 10 }.WithSelect("name").WithWhere(
                Api4Condition.Eq("option_group_id:name", "activity_type"),
                Api4Condition.In("name", new[] { CiviCrmActivityTypes.AccountCreation, CiviCrmActivityTypes.PasswordReset }));
            var found = (await _client.CallAsync("OptionValue", "get", query, cancellationToken).ConfigureAwait(false)).Values.Count;
            return found == 2 ? (true, "both exist") : (true, $"{found} of 2 exist; the first run creates the rest (needs \"administer CiviCRM\")");
        }).ConfigureAwait(false);

        // Each group, tag or saved search once, named by what the settings use it for ("History group:members_done"),
        // a deprovisioning rule's revoked set included (a run stops on a missing one, so the check must find it first).
        var uses = _engine.Rules.SelectMany(r => new[] { ("trigger", r.Trigger), ("history", r.History), ("revoked", r.Deprovision?.Revoked) })
            .Concat(_engine.PasswordResets.Select(p => ("password reset trigger", (TriggerDefinition?)p.Trigger)))
            .Where(u => u.Item2 is not null)
            .GroupBy(u => u.Item2!.ToString(), StringComparer.Ordinal);
        foreach (var use in uses)
        {
            var trigger = use.First().Item2!;
            var roles = string.Join(" and ", use.Select(u => u.Item1).Distinct(StringComparer.Ordinal));
            // Capitalised as every other row name ("Trigger group:members"); the reference keeps its own spelling.
            await CheckAsync(checks, $"{char.ToUpperInvariant(roles[0])}{roles[1..]} {trigger}", async () =>
            {
                // The look-up a run makes (by id; by name, and a group by its title too), so the check agrees with the run.
                var (entity, query) = ReferenceResolver.LookupQuery(trigger);
                var rows = (await _client.CallAsync(entity, "get", query, cancellationToken).ConfigureAwait(false)).Values;
                return rows.Count switch
                {
                    0 => (false, $"no {entity} '{trigger.Reference}' (or the API user cannot see it){await NearestAsync(entity, trigger, cancellationToken).ConfigureAwait(false)}"),
                    1 => (true, $"{entity} {rows[0].GetInt64("id")}"),
                    _ => (false, $"more than one {entity} matches '{trigger.Reference}'; refer to it by id"),
                };
            }).ConfigureAwait(false);
        }

        return new ConnectivityReport(target, checks.TrueForAll(c => c.Passed), checks);
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = await CheckAsync(cancellationToken).ConfigureAwait(false);
        var data = report.Checks.ToDictionary(c => c.Name, c => (object)c.Detail);
        return report.Healthy
            ? HealthCheckResult.Healthy(report.Target, data)
            : new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")), null, data);
    }

    /// <summary>
    /// "; did you mean …?" with the names (and group titles) within two edits of a reference that matched nothing, for a
    /// misspelled group or tag; empty for a saved search, an id, or when nothing is near. One more read, only for a miss.
    /// </summary>
    private async Task<string> NearestAsync(string entity, TriggerDefinition trigger, CancellationToken cancellationToken)
    {
        var reference = trigger.Reference.Trim();
        if (trigger.Kind is not (TriggerKind.Group or TriggerKind.Tag) || reference.Length == 0 || reference.All(char.IsAsciiDigit))
        {
            return "";
        }

        var fields = trigger.Kind == TriggerKind.Group ? new[] { "name", "title" } : ["name"];
        var rows = (await _client.CallAsync(entity, "get", new Api4Params { Limit = 1000 }.WithSelect(fields), cancellationToken).ConfigureAwait(false)).Values;
        var names = rows.SelectMany(r => fields.Select(f => r.GetString(f))).OfType<string>().Distinct(StringComparer.Ordinal);
        var nearest = Shared.EditDistance.DidYouMean(reference, names, maxDistance: 2, show: n => $"'{n}'");
        return nearest.Length == 0 ? "" : "; " + nearest;
    }

    private static async Task CheckAsync(List<ConnectivityCheck> checks, string name, Func<Task<(bool, string)>> check)
    {
        try
        {
            var (passed, detail) = await check().ConfigureAwait(false);
            checks.Add(new ConnectivityCheck(name, passed, detail));
        }
        catch (CmsUserException ex)
        {
            checks.Add(ConnectivityCheck.Failed(name, ex));
        }
    }
}
