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
    private Task _preloading = Task.CompletedTask;

    public ReferenceResolver(CiviCrmApiClient client)
    {
        _client = client;
    }

    /// <summary>The id of a group or tag.</summary>
    public async Task<long> IdAsync(TriggerDefinition definition, CancellationToken cancellationToken) =>
        (await RowAsync(definition, cancellationToken).ConfigureAwait(false)).GetInt64("id")!.Value;

    /// <summary>The row of the group, tag or saved search (id, name, and for saved searches api_entity and api_params).</summary>
    /// <remarks>While a <see cref="PreloadAsync"/> is in flight it is waited for first (it may replace what is cached), so a
    /// read that starts with the set-up sends no look-up of its own and uses what the set-up resolved.</remarks>
    public Task<JsonElement> RowAsync(TriggerDefinition definition, CancellationToken cancellationToken)
    {
        var preloading = Volatile.Read(ref _preloading);
        return preloading.IsCompleted ? CachedRowAsync(definition, cancellationToken) : AfterPreloadAsync(preloading, definition, cancellationToken);
    }

    private async Task<JsonElement> AfterPreloadAsync(Task preloading, TriggerDefinition definition, CancellationToken cancellationToken)
    {
        // Its failure is the set-up's to report; a reference it left unresolved is looked up on its own below.
        await Task.WhenAny(preloading.WaitAsync(cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return await CachedRowAsync(definition, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the reference is resolved and no <see cref="PreloadAsync"/> that may replace it is in flight: then its id is
    /// known without a request.
    /// </summary>
    public bool IsSettled(TriggerDefinition definition) =>
        Volatile.Read(ref _preloading).IsCompleted
        && _cache.TryGetValue(definition.ToString(), out var task)
        && task.IsCompletedSuccessfully;

    private Task<JsonElement> CachedRowAsync(TriggerDefinition definition, CancellationToken cancellationToken)
    {
        var key = definition.ToString();

        // A look-up that failed earlier is tried again. Only one found in the cache before this call: the look-up started
        // here may already have failed by the time it is checked, and is this call's answer, not a reason to send another.
        if (_cache.TryGetValue(key, out var earlier) && (earlier.IsFaulted || earlier.IsCanceled))
        {
            _cache.TryRemove(new KeyValuePair<string, Task<JsonElement>>(key, earlier));
        }

        return _cache.GetOrAdd(key, _ => LoadAsync(definition)).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Resolves many references in one <c>get</c> per entity (groups, tags, saved searches; the entities at once) and caches those that
    /// resolve to exactly one row, replacing what was cached; the others are dropped from the cache, so the source
    /// that uses one reports it as before.
    /// </summary>
    public Task PreloadAsync(IReadOnlyCollection<TriggerDefinition> definitions, CancellationToken cancellationToken)
    {
        // The kinds at once: a cold on-demand call waits for the slowest, not for their sum.
        var preload = Task.WhenAll(definitions.GroupBy(d => d.Kind).Select(kind => PreloadKindAsync(kind, cancellationToken)));
        Volatile.Write(ref _preloading, preload);
        return preload;
    }

    private async Task PreloadKindAsync(IGrouping<TriggerKind, TriggerDefinition> kind, CancellationToken cancellationToken)
    {
        var (entity, select) = Shape(kind.Key);
        var references = kind.Select(d => d.Reference.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var ids = references.Select(r => long.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : (long?)null).OfType<long>().ToArray();
        var names = references.Where(r => !long.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _)).ToArray();
        var any = new List<Api4Condition>();
        if (ids.Length > 0)
        {
            any.Add(Api4Condition.In("id", ids));
        }

        if (names.Length > 0)
        {
            any.Add(Api4Condition.In("name", names));
            if (kind.Key == TriggerKind.Group)
            {
                any.Add(Api4Condition.In("title", names));
            }
        }

        if (any.Count == 0)
        {
            return;
        }

        var query = new Api4Params { Limit = 0 }.WithSelect(select);
        query.Where.Add(any.Count == 1 ? any[0] : Api4Condition.Or([.. any]));
        var rows = (await _client.CallAsync(entity, "get", query, cancellationToken).ConfigureAwait(false)).Values;
        foreach (var definition in kind)
        {
            var matches = rows.Where(r => Matches(r, definition)).ToArray();
            var key = definition.ToString();
            if (matches.Length == 1)
            {
                _cache[key] = Task.FromResult(matches[0]);
            }
            else
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    private static bool Matches(JsonElement row, TriggerDefinition definition)
    {
        var reference = definition.Reference.Trim();
        if (long.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return row.GetInt64("id") == id;
        }

        return string.Equals(row.GetString("name"), reference, StringComparison.OrdinalIgnoreCase)
            || (definition.Kind == TriggerKind.Group && string.Equals(row.GetString("title"), reference, StringComparison.OrdinalIgnoreCase));
    }

    private static (string Entity, string[] Select) Shape(TriggerKind kind) => kind switch
    {
        TriggerKind.Group => ("Group", ["id", "name", "title", "saved_search_id"]),
        TriggerKind.Tag => ("Tag", ["id", "name"]),
        _ => ("SavedSearch", ["id", "name", "api_entity", "api_params"]),
    };

    /// <summary>
    /// The look-up of one reference (by id, or by name, and for a group also by title; at most two rows, so an ambiguous
    /// name shows): the entity and its <c>get</c> parameters. A read can be chained onto it with <c>$id</c>.
    /// </summary>
    public static (string Entity, Api4Params Query) LookupQuery(TriggerDefinition definition)
    {
        var (entity, select) = Shape(definition.Kind);
        var reference = definition.Reference.Trim();
        var byId = long.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
        var query = new Api4Params { Limit = 2 }.WithSelect(select);
        query.Where.Add(byId
            ? Api4Condition.Eq("id", id)
            : definition.Kind == TriggerKind.Group
                ? Api4Condition.Or(Api4Condition.Eq("name", reference), Api4Condition.Eq("title", reference))
                : Api4Condition.Eq("name", reference));
        return (entity, query);
    }

    /// <summary>
    /// The look-up of a group or tag as a join onto another look-up (<paramref name="alias"/>, INNER: the row comes back only
    /// when the reference matches, once per match, so an ambiguous name shows as more than one row), with the same
    /// conditions as <see cref="LookupQuery"/>: by id, or by name and, for a group, title. Its id is then the row's
    /// <c>alias.id</c>, which a read chained onto the row names as <c>"$alias.id"</c>. <see langword="null"/> for a saved
    /// search, or a name that a join condition cannot quote plainly (a quote or a backslash in it).
    /// </summary>
    public static Api4Join? LookupJoin(TriggerDefinition definition, string alias)
    {
        if (definition.Kind is not (TriggerKind.Group or TriggerKind.Tag))
        {
            return null;
        }

        // "alias.id = alias.id" first: without a condition CiviCRM takes for a link to the joined row's key, it guesses one
        // from the schema and adds it (checked on 6.17.2: a Tag joined onto a Tag gets "parent_id = id", a Group onto a
        // SavedSearch "saved_search_id = id", a Tag onto a Contact "created_id = id"), and the row is not found.
        var entity = Shape(definition.Kind).Entity;
        var keyed = Api4Condition.Field(alias + ".id", "=", alias + ".id");
        var reference = definition.Reference.Trim();
        if (long.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return new Api4Join(entity, alias, Api4JoinSide.Inner, [keyed, Api4Condition.Field(alias + ".id", "=", id)]);
        }

        if (reference.Length == 0 || reference.AsSpan().IndexOfAny("'\"\\") >= 0)
        {
            return null;
        }

        // In a join condition a bare string is a field: the name is a quoted literal.
        var literal = "'" + reference + "'";
        var byName = Api4Condition.Field(alias + ".name", "=", literal);
        return new Api4Join(entity, alias, Api4JoinSide.Inner,
            [keyed, definition.Kind == TriggerKind.Group ? Api4Condition.Or(byName, Api4Condition.Field(alias + ".title", "=", literal)) : byName]);
    }

    private async Task<JsonElement> LoadAsync(TriggerDefinition definition)
    {
        var reference = definition.Reference.Trim();
        var (entity, query) = LookupQuery(definition);
        // Shared by every caller (cached): it ends with the client, not with the caller that started it.
        var result = await _client.CallAsync(entity, "get", query, _client.Stopping).ConfigureAwait(false);
        return result.Values.Count switch
        {
            // Every row is used by its id (memberships, the history write): a row without a readable positive one is no
            // usable trigger, rather than an InvalidOperationException later.
            1 when result.Values[0].GetInt64("id") is not > 0 =>
                throw new CiviCrmApiException(FailureKind.Configuration, $"CiviCRM answered {entity}.get for '{reference}' ({definition}) with a row whose id is not a positive whole number.", entity, "get"),
            1 => result.Values[0],
            0 => throw new CiviCrmApiException(FailureKind.Configuration, $"The {entity} '{reference}' ({definition}) does not exist in CiviCRM, or the API user cannot see it. Check the Trigger, History or Deprovision:Revoked reference in CmsUser:Rules, or the Trigger in CmsUser:PasswordResets.", entity, "get"),
            _ => throw new CiviCrmApiException(FailureKind.Configuration, $"More than one {entity} matches '{reference}'; refer to it by id.", entity, "get"),
        };
    }
}
