namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>Who the CiviCRM client is.</summary>
/// <param name="ContactId">The API contact.</param>
/// <param name="DisplayName">Its display name.</param>
/// <param name="DomainId">The current CiviCRM domain.</param>
internal sealed record CiviCrmIdentity(long ContactId, string? DisplayName, long DomainId);

/// <summary>
/// Finds who a <see cref="CiviCrmApiClient"/> acts as. Shared source (<c>InjectSharedCiviCrmApi</c>): the CiviCRM
/// package's client caches it (its own <c>GetIdentityAsync</c>, which wins over the extension below); another package
/// on the same client (Standalone's connectivity check) asks through the extension, uncached.
/// </summary>
internal static class CiviCrmIdentityLookup
{
    /// <summary>
    /// The API contact and the current domain. Confirms the key really authenticated (an unknown or missing credential
    /// runs as anonymous and silently reads nothing).
    /// </summary>
    /// <exception cref="CiviCrmApiException">The call ran as anonymous, or a permission is missing.</exception>
    public static async Task<CiviCrmIdentity> LoadAsync(CiviCrmApiClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        // One request: the API contact, with the current domain chained onto its row.
        var query = new Api4Params { Limit = 1 }.WithSelect("id", "display_name").WithWhere(Api4Condition.Eq("id", "user_contact_id"));
        query.Chain["domain"] = new Api4Chain("Domain", "get", new Api4Params { Limit = 1, Extra = { ["currentDomain"] = true } }.WithSelect("id", "name"));
        var me = await client.CallAsync("Contact", "get", query, cancellationToken).ConfigureAwait(false);
        if (me.Values.Count == 0 || me.Values[0].GetInt64("id") is not long contactId)
        {
            throw new CiviCrmApiException(FailureKind.Configuration, "CiviCRM answered as an anonymous user: the API key did not authenticate (no X-Civi-Auth reached CiviCRM, or authx ignored it). Without this check every trigger would look empty. Check CmsUser:CiviCrm:ApiKey, that the authx extension is enabled, and that no proxy strips the X-Civi-Auth header.", "Contact", "get");
        }

        var domainId = me.Values[0].TryGetProperty("domain", out var domains) && domains.ValueKind == System.Text.Json.JsonValueKind.Array && domains.GetArrayLength() > 0
            ? domains[0].GetInt64("id") ?? 1
            : 1;
        return new CiviCrmIdentity(contactId, me.Values[0].GetString("display_name"), domainId);
    }

    /// <summary>Who <paramref name="client"/> acts as (uncached; see <see cref="LoadAsync"/>).</summary>
    public static Task<CiviCrmIdentity> GetIdentityAsync(this CiviCrmApiClient client, CancellationToken cancellationToken = default) =>
        LoadAsync(client, cancellationToken);
}
