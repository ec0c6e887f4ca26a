using System.Runtime.CompilerServices;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// One trigger in CiviCRM. Groups (static and smart) are read with <c>groups IN</c> and an EXCLUDE join on
/// <c>Removed</c> rows (the smart-group cache may still list a removed contact); tags with <c>tags IN</c>;
/// saved searches by running their <c>api_params</c> on Contact, minus contacts already linked here.
/// </summary>
internal sealed class CiviCrmTriggerSource : ITriggerSource
{
    private readonly CiviCrmApiClient _client;
    private readonly ContactReader _reader;
    private readonly ReferenceResolver _resolver;
    private readonly TriggerSourceContext _context;

    public CiviCrmTriggerSource(CiviCrmApiClient client, ContactReader reader, ReferenceResolver resolver, TriggerSourceContext context)
    {
        _client = client;
        _reader = reader;
        _resolver = resolver;
        _context = context;
    }

    public TriggerDefinition Trigger => _context.Trigger;

    public async IAsyncEnumerable<IReadOnlyList<Contact>> ReadPendingAsync(int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = await PendingQueryAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var rows in _client.StreamPagesAsync("Contact", query, pageSize, cancellationToken).ConfigureAwait(false))
        {
            yield return await _reader.ToContactsAsync(rows, _context.ExtraFields, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<Contact?> FindPendingAsync(long contactId, CancellationToken cancellationToken = default)
    {
        var query = await PendingQueryAsync(cancellationToken).ConfigureAwait(false);
        query.Where.Add(Api4Condition.Eq("id", contactId));
        query.Limit = 1;
        var result = await _client.CallAsync("Contact", "get", query, cancellationToken).ConfigureAwait(false);
        var contacts = await _reader.ToContactsAsync(result.Values, _context.ExtraFields, cancellationToken).ConfigureAwait(false);
        return contacts.Count > 0 ? contacts[0] : null;
    }

    public async Task AcknowledgeAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(acknowledgements);
        var leaving = acknowledgements.Select(a => a.ContactId).Distinct().ToArray();
        if (leaving.Length > 0 && Trigger.Kind != TriggerKind.SavedSearch)
        {
            await LeaveAsync(Trigger, leaving, cancellationToken).ConfigureAwait(false);
        }

        var done = acknowledgements.Where(a => a.Disposition == TriggerDisposition.Completed).Select(a => a.ContactId).Distinct().ToArray();
        if (done.Length > 0 && _context.History is { } history)
        {
            await JoinAsync(history, done, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Api4Params> PendingQueryAsync(CancellationToken cancellationToken)
    {
        var query = await _reader.BaseQueryAsync(_context.ExtraFields, cancellationToken).ConfigureAwait(false);
        switch (Trigger.Kind)
        {
            case TriggerKind.Group:
                var groupId = await _resolver.IdAsync(Trigger, cancellationToken).ConfigureAwait(false);
                query.Where.Add(Api4Condition.In("groups", new[] { groupId }));
                query.Join.Add(new Api4Join("GroupContact", "gcr", Api4JoinSide.Exclude,
                [
                    Api4Condition.Field("gcr.contact_id", "=", "id"),
                    Api4Condition.Field("gcr.group_id", "=", groupId),
                    Api4Condition.Field("gcr.status", "=", "'Removed'"),
                ]));
                break;
            case TriggerKind.Tag:
                var tagId = await _resolver.IdAsync(Trigger, cancellationToken).ConfigureAwait(false);
                query.Where.Add(Api4Condition.In("tags", new[] { tagId }));
                break;
            default:
                await AddSavedSearchAsync(query, cancellationToken).ConfigureAwait(false);
                break;
        }

        return query;
    }

    private async Task AddSavedSearchAsync(Api4Params query, CancellationToken cancellationToken)
    {
        var search = await _resolver.RowAsync(Trigger, cancellationToken).ConfigureAwait(false);
        var entity = search.GetString("api_entity");
        if (entity is not ("Contact" or "Individual" or "Organization" or "Household"))
        {
            throw new CiviCrmApiException(FailureKind.Configuration, $"The saved search '{Trigger.Reference}' searches {entity}; a trigger needs a search on contacts.") { Entity = "SavedSearch", Action = "get" };
        }

        if (search.TryGetProperty("api_params", out var apiParams) && apiParams.ValueKind == JsonValueKind.Object)
        {
            if (apiParams.TryGetProperty("where", out var where) && where.ValueKind == JsonValueKind.Array)
            {
                foreach (var condition in where.EnumerateArray())
                {
                    query.Where.Add(Api4Condition.Raw(condition));
                }
            }

            if (apiParams.TryGetProperty("join", out var joins) && joins.ValueKind == JsonValueKind.Array)
            {
                foreach (var join in joins.EnumerateArray())
                {
                    query.RawJoins.Add(join.Clone());
                }
            }
        }

        if (entity != "Contact")
        {
            query.Where.Add(Api4Condition.Eq("contact_type", entity));
        }

        // A saved search cannot be left: contacts already linked in this domain are excluded instead.
        query.Where.Add(Api4Condition.Field("uf.uf_id", "IS NULL"));
    }

    private async Task LeaveAsync(TriggerDefinition trigger, long[] contactIds, CancellationToken cancellationToken)
    {
        var id = await _resolver.IdAsync(trigger, cancellationToken).ConfigureAwait(false);
        if (trigger.Kind == TriggerKind.Group)
        {
            // save + match: updates the membership to Removed, or writes a Removed row that also hides a smart-group member.
            var save = new Api4Params { Match = { "group_id", "contact_id" } };
            foreach (var contactId in contactIds)
            {
                save.Records.Add(new Dictionary<string, object?> { ["group_id"] = id, ["contact_id"] = contactId, ["status"] = "Removed" });
            }

            await _client.CallAsync("GroupContact", "save", save, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var delete = new Api4Params().WithWhere(
                Api4Condition.Eq("entity_table", "civicrm_contact"),
                Api4Condition.Eq("tag_id", id),
                Api4Condition.In("entity_id", contactIds));
            await _client.CallAsync("EntityTag", "delete", delete, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task JoinAsync(TriggerDefinition history, long[] contactIds, CancellationToken cancellationToken)
    {
        var id = await _resolver.IdAsync(history, cancellationToken).ConfigureAwait(false);
        var save = new Api4Params();
        if (history.Kind == TriggerKind.Group)
        {
            save.Match.Add("group_id");
            save.Match.Add("contact_id");
            foreach (var contactId in contactIds)
            {
                save.Records.Add(new Dictionary<string, object?> { ["group_id"] = id, ["contact_id"] = contactId, ["status"] = "Added" });
            }

            await _client.CallAsync("GroupContact", "save", save, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            save.Match.Add("entity_table");
            save.Match.Add("entity_id");
            save.Match.Add("tag_id");
            foreach (var contactId in contactIds)
            {
                save.Records.Add(new Dictionary<string, object?> { ["entity_table"] = "civicrm_contact", ["entity_id"] = contactId, ["tag_id"] = id });
            }

            await _client.CallAsync("EntityTag", "save", save, cancellationToken).ConfigureAwait(false);
        }
    }
}
