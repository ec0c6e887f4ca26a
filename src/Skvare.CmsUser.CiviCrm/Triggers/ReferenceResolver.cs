using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>Resolves groups, tags and saved searches named by id or name, once per process.</summary>
internal sealed class ReferenceResolver
{
    private readonly CiviCrmApiClient _client;
    private readonly ConcurrentDictionary<string, Task<JsonElement>> _cache = new(StringComparer.OrdinalIgnoreCase);

    public ReferenceResolver(CiviCrmApiClient client)
    {
        _client = client;
    }

    /// <summary>The id of a group or tag.</summary>
    public async Task<long> IdAsync(TriggerDefinition definition, CancellationToken cancellationToken) =>
        (await RowAsync(definition, cancellationToken).ConfigureAwait(false)).GetInt64("id")!.Value;

    /// <summary>The row of the group, tag or saved search (id, name, and for saved searches api_entity and api_params).</summary>
    public Task<JsonElement> RowAsync(TriggerDefinition definition, CancellationToken cancellationToken)
    {
        var key = definition.ToString();
        var task = _cache.GetOrAdd(key, _ => LoadAsync(definition));
        if (task.IsFaulted || task.IsCanceled)
        {
            _cache.TryRemove(new KeyValuePair<string, Task<JsonElement>>(key, task));
            task = _cache.GetOrAdd(key, _ => LoadAsync(definition));
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task<JsonElement> LoadAsync(TriggerDefinition definition)
    {
        var (entity, select) = definition.Kind switch
        {
            TriggerKind.Group => ("Group", new[] { "id", "name", "title", "saved_search_id" }),
            TriggerKind.Tag => ("Tag", new[] { "id", "name" }),
            _ => ("SavedSearch", new[] { "id", "name", "api_entity", "api_params" }),
        };
        var reference = definition.Reference.Trim();
        var byId = long.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
        var query = new Api4Params { Limit = 2 }.WithSelect(select);
        query.Where.Add(byId
            ? Api4Condition.Eq("id", id)
            : definition.Kind == TriggerKind.Group
                ? Api4Condition.Or(Api4Condition.Eq("name", reference), Api4Condition.Eq("title", reference))
                : Api4Condition.Eq("name", reference));
        var result = await _client.CallAsync(entity, "get", query, CancellationToken.None).ConfigureAwait(false);
        return result.Values.Count switch
        {
            1 => result.Values[0],
            0 => throw new CiviCrmApiException(FailureKind.Configuration, $"The {entity} '{reference}' ({definition}) does not exist in CiviCRM, or the API user cannot see it. Check the rule's Trigger/History reference.") { Entity = entity, Action = "get" },
            _ => throw new CiviCrmApiException(FailureKind.Configuration, $"More than one {entity} matches '{reference}'; refer to it by id.") { Entity = entity, Action = "get" },
        };
    }
}
