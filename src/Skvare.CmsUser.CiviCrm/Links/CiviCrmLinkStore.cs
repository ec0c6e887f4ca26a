using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Links;

/// <summary>
/// UFMatch, in bulk. Linking is find-then-create-or-repair: the CMS's CiviCRM plugin often links a new
/// user by itself (to our contact, or to a duplicate contact it made), and writing the same link
/// again fails with "DB Error: already exists".
/// </summary>
internal sealed class CiviCrmLinkStore : IAccountLinkStore, IAccountLinkLookup
{
    private readonly CiviCrmApiClient _client;
    private readonly ILogger _logger;

    /// <summary>Creates the store.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="logger">The logger.</param>
    public CiviCrmLinkStore(CiviCrmApiClient client, ILogger<CiviCrmLinkStore>? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        if (contactIds.Count == 0)
        {
            return [];
        }

        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        var result = await _client.CallAsync("UFMatch", "get", new Api4Params { Limit = contactIds.Count * 10 }
            .WithSelect("id", "uf_id", "uf_name", "contact_id", "domain_id")
            .WithWhere(Api4Condition.In("contact_id", contactIds)), cancellationToken).ConfigureAwait(false);
        return result.Values.Select(r => new AccountLink(r.GetInt64("contact_id") ?? 0, r.GetInt64("uf_id") ?? 0, r.GetString("uf_name"), r.GetInt64("domain_id") == identity.DomainId)).ToArray();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }

        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        var existing = await _client.CallAsync("UFMatch", "get", InDomainQuery(requests, identity.DomainId), cancellationToken).ConfigureAwait(false);
        var decisions = AccountLinkClaims.Decide(requests, ToLinks(existing.Values));

        var results = new AccountLinkResult?[requests.Count];
        var writes = new List<(int Index, Dictionary<string, object?> Record, long? Previous)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var decision = decisions[i];
            if (decision.Kind is AccountLinkResultKind.Created or AccountLinkResultKind.Repaired)
            {
                writes.Add((i, Record(requests[i], identity.DomainId), decision.PreviousContactId));
            }
            else
            {
                results[i] = decision;
            }
        }

        if (writes.Count > 0)
        {
            await WriteAsync(requests, writes, results, cancellationToken).ConfigureAwait(false);
        }

        return results.Select((r, i) => r ?? new AccountLinkResult(requests[i], AccountLinkResultKind.Failed, "No result.")).ToArray();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccountLink>> FindLinksInDomainAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }

        // The read EnsureLinksAsync decides on, alone: one UFMatch get (the identity is cached after the set-up).
        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        var existing = await _client.CallAsync("UFMatch", "get", InDomainQuery(requests, identity.DomainId), cancellationToken).ConfigureAwait(false);
        return ToLinks(existing.Values);
    }

    /// <summary>The links in the domain of the requests' CMS users or contacts (the read <see cref="AccountLinkClaims.Decide"/> needs).</summary>
    internal static Api4Params InDomainQuery(IReadOnlyList<AccountLinkRequest> requests, long domainId) =>
        new Api4Params { Limit = requests.Count * 3 }
            .WithSelect("id", "uf_id", "uf_name", "contact_id")
            .WithWhere(
                Api4Condition.Eq("domain_id", domainId),
                Api4Condition.Or(
                    Api4Condition.In("uf_id", requests.Select(r => r.CmsUserId)),
                    Api4Condition.In("contact_id", requests.Select(r => r.ContactId))));

    /// <summary>Rows of <see cref="InDomainQuery"/> as links of the current domain.</summary>
    internal static AccountLink[] ToLinks(IEnumerable<JsonElement> rows) =>
        rows.Where(r => r.GetInt64("uf_id") is not null && r.GetInt64("contact_id") is not null)
            .Select(r => new AccountLink(r.GetInt64("contact_id")!.Value, r.GetInt64("uf_id")!.Value, r.GetString("uf_name")))
            .ToArray();

    /// <summary>The UFMatch record of a link write: an upsert on (<c>uf_id</c>, <c>domain_id</c>).</summary>
    internal static Dictionary<string, object?> Record(AccountLinkRequest request, long domainId) => new()
    {
        ["uf_id"] = request.CmsUserId,
        ["uf_name"] = request.UfName,
        ["contact_id"] = request.ContactId,
        ["domain_id"] = domainId,
    };

    private async Task WriteAsync(IReadOnlyList<AccountLinkRequest> requests, List<(int Index, Dictionary<string, object?> Record, long? Previous)> writes, AccountLinkResult?[] results, CancellationToken cancellationToken)
    {
        // save + match on (uf_id, domain_id): creates the missing links and repoints links of the same CMS user, idempotently.
        try
        {
            var save = new Api4Params { Match = { "uf_id", "domain_id" } };
            foreach (var write in writes)
            {
                save.Records.Add(write.Record);
            }

            await _client.CallAsync("UFMatch", "save", save, cancellationToken).ConfigureAwait(false);
            foreach (var write in writes)
            {
                results[write.Index] = Success(requests[write.Index], write.Previous);
            }
        }
        catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Permanent && writes.Count > 1)
        {
            // One bad record (e.g. its email is the uf_name of another link) must not lose the others.
            Log.BulkFallback(_logger, "UFMatch", ex.Message, writes.Count);
            foreach (var write in writes)
            {
                try
                {
                    var one = new Api4Params { Match = { "uf_id", "domain_id" } };
                    one.Records.Add(write.Record);
                    await _client.CallAsync("UFMatch", "save", one, cancellationToken).ConfigureAwait(false);
                    results[write.Index] = Success(requests[write.Index], write.Previous);
                }
                catch (CiviCrmApiException single) when (single.Kind == FailureKind.Permanent)
                {
                    results[write.Index] = new AccountLinkResult(requests[write.Index], AccountLinkResultKind.Failed, single.ServerMessage ?? single.Message);
                }
            }
        }
        catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Permanent)
        {
            results[writes[0].Index] = new AccountLinkResult(requests[writes[0].Index], AccountLinkResultKind.Failed, ex.ServerMessage ?? ex.Message);
        }
    }

    private AccountLinkResult Success(AccountLinkRequest request, long? previous)
    {
        if (previous is long from)
        {
            Log.LinkRepaired(_logger, request.CmsUserId, from, request.ContactId);
            return new AccountLinkResult(request, AccountLinkResultKind.Repaired, PreviousContactId: from);
        }

        return new AccountLinkResult(request, AccountLinkResultKind.Created);
    }
}
