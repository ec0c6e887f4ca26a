using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>A failure the fake answers as CiviCRM would (status 403 or 500 with this message).</summary>
internal sealed class FakeApi4Error(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>Fails a <c>get</c> even from its <c>select</c> (where an unknown field is dropped).</summary>
    public bool FailsSelect { get; init; }
}

/// <summary>The part of API v4 the SDK uses, evaluated over <see cref="FakeApi4Store"/>.</summary>
internal sealed partial class FakeApi4Engine
{
    private readonly FakeCiviCrmServer _server;

    public FakeApi4Engine(FakeCiviCrmServer server)
    {
        _server = server;
    }

    private FakeApi4Store Store => _server.Store;

    /// <summary>How deep in a chain the call being executed is (0: the request's own call).</summary>
    private int _chainDepth;

    public (List<Dictionary<string, object?>> Values, int Count, int? CountMatched) Execute(string entity, string action, JsonElement p)
    {
        // Membership rows, primary emails, activity contacts and tags are indexed on first use within a call.
        ResetIndexes();
        if (ExecuteSettings(entity, action, p) is { } settings)
        {
            return settings;
        }

        if (!FakeApi4Store.Schema.ContainsKey(entity))
        {
            throw new FakeApi4Error(500, $"API ({entity}, {action}) does not exist (or the extension it belongs to is not enabled).");
        }

        if (!_server.AdministerCiviCrm && (entity is "UFMatch" or "Domain" || (entity == "OptionValue" && action != "get")))
        {
            throw new FakeApi4Error(403, $"Authorization failed: CiviCRM APIv4 ({entity}::{action})");
        }

        foreach (var property in p.EnumerateObject())
        {
            if (property.Name is not ("select" or "where" or "join" or "orderBy" or "limit" or "offset" or "values" or "records" or "defaults" or "match" or "groupBy" or "chain" or "currentDomain" or "reload" or "checkPermissions" or "debug" or "language" or "actorPassword" or "timeout" or "identifier" or "useTrash" or "action"))
            {
                throw new FakeApi4Error(500, $"Unknown api parameter: set{char.ToUpperInvariant(property.Name[0])}{property.Name[1..]}");
            }
        }

        if (_server.RefuseWhere?.Invoke(new FakeApi4Call(entity, action, _chainDepth > 0, p.GetRawText())) is { } refusal)
        {
            // CiviCRM refuses this call (at the top level or chained): what earlier calls of the request wrote stays.
            throw new FakeApi4Error(500, refusal);
        }

        if (entity is "User")
        {
            return ExecuteUser(action, p);
        }

        var result = action switch
        {
            "get" => Get(entity, p),
            "create" => CreateOne(entity, p),
            "update" => Update(entity, p),
            "save" => Save(entity, p),
            "delete" => Delete(entity, p),
            _ => throw new FakeApi4Error(500, $"Api {entity} {action} version 4 does not exist."),
        };
        ResetIndexes();
        RunChains(p, result.Item1);
        return result;
    }

    /// <summary>
    /// API v4 <c>chain</c>: for each result row, each <c>"key": [Entity, action, params, index?]</c> runs with
    /// every <c>"$field"</c> string replaced by that row's value, and its result goes into the row under the key
    /// (the rows, or the single row at <c>index</c>).
    /// </summary>
    private void RunChains(JsonElement p, List<Dictionary<string, object?>> rows)
    {
        if (!p.TryGetProperty("chain", out var chain) || chain.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var row in rows)
        {
            foreach (var link in chain.EnumerateObject())
            {
                var items = link.Value.ValueKind == JsonValueKind.Array ? link.Value.EnumerateArray().ToArray() : [];
                if (items.Length < 2 || items[0].ValueKind != JsonValueKind.String || items[1].ValueKind != JsonValueKind.String)
                {
                    throw new FakeApi4Error(500, $"Invalid chain: {link.Name}");
                }

                var entity = Substitute(items[0].GetString()!, row) as string ?? items[0].GetString()!;
                var action = Substitute(items[1].GetString()!, row) as string ?? items[1].GetString()!;
                var parameters = items.Length > 2 && items[2].ValueKind == JsonValueKind.Object ? SubstituteJson(items[2], row) : JsonDocument.Parse("{}").RootElement.Clone();
                List<Dictionary<string, object?>> values;
                _chainDepth++;
                try
                {
                    (values, _, _) = Execute(entity, action, parameters);
                }
                finally
                {
                    _chainDepth--;
                }

                if (items.Length > 3 && items[3].ValueKind == JsonValueKind.Number)
                {
                    var index = items[3].GetInt32();
                    row[link.Name] = index >= 0 && index < values.Count ? values[index] : null;
                }
                else
                {
                    row[link.Name] = values.Cast<object?>().ToList();
                }
            }
        }
    }

    /// <summary>
    /// <c>"$key"</c>: the row's value under that key (<c>"$set0.id"</c> is a joined field's own key), else the path into the
    /// row's nested values (<c>"$api_params.where"</c>: a saved search's conditions, an array), else the text unchanged, as
    /// CiviCRM's chain does (its <c>$row[$key] ?? pathGet($row, explode('.', $key)) ?? $val</c>).
    /// </summary>
    private static object? Substitute(string text, Dictionary<string, object?> row)
    {
        if (text.Length < 2 || text[0] != '$')
        {
            return text;
        }

        var key = text[1..];
        if (row.TryGetValue(key, out var value) && value is not null)
        {
            return value;
        }

        var path = key.Split('.');
        if (path.Length < 2 || !row.TryGetValue(path[0], out var node))
        {
            return text;
        }

        foreach (var step in path.Skip(1))
        {
            switch (node)
            {
                case string json when json.StartsWith('{'):
                    try
                    {
                        using (var document = JsonDocument.Parse(json))
                        {
                            node = document.RootElement.TryGetProperty(step, out var inner) ? inner.Clone() : null;
                        }
                    }
                    catch (JsonException)
                    {
                        return text;
                    }

                    break;
                case JsonElement { ValueKind: JsonValueKind.Object } element:
                    node = element.TryGetProperty(step, out var property) ? property.Clone() : null;
                    break;
                case IReadOnlyDictionary<string, object?> nested:
                    node = nested.GetValueOrDefault(step);
                    break;
                default:
                    return text;
            }

            if (node is null or JsonElement { ValueKind: JsonValueKind.Null })
            {
                return text;
            }
        }

        return node;
    }

    private static JsonElement SubstituteJson(JsonElement element, Dictionary<string, object?> row)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, element);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();

        void Write(Utf8JsonWriter w, JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    w.WriteStartObject();
                    foreach (var property in e.EnumerateObject())
                    {
                        w.WritePropertyName(property.Name);
                        Write(w, property.Value);
                    }

                    w.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    w.WriteStartArray();
                    foreach (var item in e.EnumerateArray())
                    {
                        Write(w, item);
                    }

                    w.WriteEndArray();
                    break;
                case JsonValueKind.String when e.GetString()! is var text && Substitute(text, row) is var value && !ReferenceEquals(value, text):
                    // Any value the row has, a text too ("$contact_type_op" becomes the row's "IS NOT NULL").
                    FakeCiviCrmServer.WriteValue(w, value);
                    break;
                default:
                    e.WriteTo(w);
                    break;
            }
        }
    }

    private (List<Dictionary<string, object?>>, int, int?) CreateOne(string entity, JsonElement p)
    {
        if (p.TryGetProperty("values", out var sent))
        {
            RefuseRecord(entity, "create", sent);
        }

        List<Dictionary<string, object?>> rows = [Create(entity, Values(entity, p, "values"))];
        MarkLastGroupContact(entity, rows);
        return (rows, 1, null);
    }

    // ---------- get ----------

    private (List<Dictionary<string, object?>>, int, int?) Get(string entity, JsonElement p)
    {
        if (entity == "Domain" && p.TryGetProperty("currentDomain", out var current) && current.ValueKind == JsonValueKind.True)
        {
            var domain = Store.Find("Domain", _server.DomainId)!;
            return ([new() { ["id"] = domain["id"], ["name"] = domain["name"] }], 1, null);
        }

        if (!FullPathOnly && TryGetEarly(entity, p) is { } early)
        {
            // The page in the call's order was complete before the table was: the same rows as below, sooner.
            return early;
        }

        var where = Array(p, "where");
        var table = Store.Table(entity);
        var hideDeleted = table.Count > 0 && table[0].ContainsKey("is_deleted") && !Mentions(where, "is_deleted") && !FetchesById(where);

        var joins = Array(p, "join");
        var aliases = joins.Select(j => ParseJoinTarget(j[0].GetString()!).Alias + ".").ToArray();
        bool UsesAlias(JsonElement w) => aliases.Any(a => w.GetRawText().Contains("\"" + a, StringComparison.Ordinal));

        // Conditions on the entity's own fields first: joins then run on the remaining rows only.
        var ownFields = CompileAll(where.Where(w => !UsesAlias(w)), inJoin: false);
        var contexts = new List<Ctx>();
        foreach (var row in table)
        {
            if (!(hideDeleted && row.GetValueOrDefault("is_deleted") is true) && new Ctx(entity, row) is var ctx && ownFields(ctx))
            {
                contexts.Add(ctx);
            }
        }

        foreach (var join in joins)
        {
            contexts = ApplyJoin(contexts, join);
        }

        var lateClauses = where.Where(UsesAlias).ToArray();
        if (lateClauses.Length > 0)
        {
            var late = CompileAll(lateClauses, inJoin: false);
            contexts = contexts.Where(late).ToList();
        }

        var select = Array(p, "select").Select(s => s.GetString()!).ToList();
        var groupBy = Array(p, "groupBy").Select(s => s.GetString()!).ToList();
        if (select.Count == 1 && select[0] == "row_count")
        {
            return ([], contexts.Count, contexts.Count);
        }

        foreach (var (field, direction) in OrderBy(p).Reverse())
        {
            // A stable sort, one key at a time from the last: ties keep the order of the next key, then the table's
            // and the joins' order (what the early-stop walk produces).
            var sign = direction == "DESC" ? -1 : 1;
            contexts = contexts.Select(c => (c, k: Key.Of(Resolve(c, field, quiet: true)))).OrderBy(x => x.k, Comparer<Key>.Create((a, b) => Key.Compare(a, b) * sign)).Select(x => x.c).ToList();
        }

        var offset = p.TryGetProperty("offset", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32() : 0;
        var limit = p.TryGetProperty("limit", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt32() : 0;
        List<Dictionary<string, object?>> page;
        int total;
        if (groupBy.Count > 0 || select.Any(s => s.StartsWith("COUNT(", StringComparison.OrdinalIgnoreCase) || s.StartsWith("MAX(", StringComparison.OrdinalIgnoreCase)))
        {
            var rows = contexts.GroupBy(c => string.Join("\u0001", groupBy.Select(g => Convert.ToString(Resolve(c, g, quiet: true), CultureInfo.InvariantCulture))))
                .Select(g => WithMax(Project(g.First(), select, g.Count(), aggregate: true), g.ToList(), select)).ToList();
            total = rows.Count;
            page = rows.Skip(offset).Take(limit > 0 ? limit : int.MaxValue).ToList();
        }
        else
        {
            // One output row per context: only the page's rows are projected.
            total = contexts.Count;
            page = contexts.Skip(offset).Take(limit > 0 ? limit : int.MaxValue).Select(c => Project(c, select, 0, aggregate: false)).ToList();
        }

        if (select.Contains("row_count"))
        {
            // DAOGetAction: with row_count among the fields, count and countMatched are the full match count even
            // when the limit cut the page.
            return (page, total, total);
        }

        var count = limit > 0 && page.Count == limit ? page.Count : page.Count + offset;
        return (page, count, null);
    }

    private Dictionary<string, object?> Project(Ctx ctx, List<string> select, int groupCount, bool aggregate)
    {
        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        var fields = select.Count == 0 || select.Contains("*") ? FakeApi4Store.Schema[ctx.Entity].Where(f => ctx.Row.ContainsKey(f)).ToList() : select;
        if (!aggregate && !fields.Contains("id"))
        {
            row["id"] = ctx.Row["id"];
        }

        foreach (var field in fields)
        {
            var count = CountAlias().Match(field);
            if (count.Success)
            {
                row[count.Groups[1].Value] = (long)groupCount;
                continue;
            }

            if (field == "*" || field == "row_count")
            {
                continue;
            }

            if (NowAlias().Match(field) is { Success: true } now)
            {
                // MySQL's NOW() in the session time zone CiviCRM set from the site's: the site's wall-clock time.
                row[now.Groups[1].Value] = Now();
                continue;
            }

            if (IfAlias().Match(field) is { Success: true } choice)
            {
                // IF((field = "text"), "then", "else") AS alias: a text chosen by one of the row's fields.
                var equal = string.Equals(Convert.ToString(Resolve(ctx, choice.Groups[1].Value, quiet: true), CultureInfo.InvariantCulture), choice.Groups[2].Value, StringComparison.Ordinal);
                row[choice.Groups[5].Value] = equal ? choice.Groups[3].Value : choice.Groups[4].Value;
                continue;
            }

            if (ctx.Entity == "User" && field is "roles" or "roles:name")
            {
                // Standalone answers role ids as strings, names via roles:name, and null (not []) for none.
                var ids = (ctx.Row.GetValueOrDefault("roles") as List<object?> ?? []).Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToList();
                row[field] = ids.Count == 0 ? null : field == "roles"
                    ? ids.Select(i => (object?)i.ToString(CultureInfo.InvariantCulture)).ToList()
                    : ids.Select(i => (object?)(Store.Find("Role", i)?["name"] as string)).ToList();
                continue;
            }

            if (ctx.Entity == "Contact" && IsIndividualOnly(ctx.Row, field, fields))
            {
                continue;
            }

            try
            {
                row[field] = Resolve(ctx, field, quiet: false);
            }
            catch (FakeApi4Error error) when (!error.FailsSelect)
            {
                // An unknown select field is silently dropped, as CiviCRM does.
            }
        }

        return row;
    }

    private List<Ctx> ApplyJoin(List<Ctx> contexts, JsonElement join) =>
        PlanJoin(join, lazy: false) is { } plan ? plan.Apply(contexts) : contexts;

    /// <summary>
    /// A join's ON clause prepared once for the call: the joined rows a context may match (filtered by the conditions
    /// against literals, or, <paramref name="lazy"/>, indexed first and filtered per look-up), and the rest as a
    /// predicate. <see langword="null"/> when CiviCRM skips the join.
    /// </summary>
    private JoinPlan? PlanJoin(JsonElement join, bool lazy)
    {
        var items = join.EnumerateArray().ToArray();
        var (joinEntity, alias) = ParseJoinTarget(items[0].GetString()!);
        var side = items[1].GetString()!.ToUpperInvariant();
        if (side is not ("LEFT" or "INNER" or "EXCLUDE"))
        {
            throw new FakeApi4Error(500, $"Illegal value for join side: '{side}'.");
        }

        if (joinEntity == "UFMatch" && !_server.AdministerCiviCrm)
        {
            // CiviCRM skips a join to an entity the user may not read, silently.
            return null;
        }

        if (!FakeApi4Store.Schema.ContainsKey(joinEntity))
        {
            throw new FakeApi4Error(500, $"Illegal join alias: \"{items[0].GetString()}\"");
        }

        var conditions = items.Skip(2).ToArray();
        var prefix = alias + ".";

        // Conditions between a joined field and a literal do not depend on the row: filter the joined table once.
        bool IsLiteral(JsonElement c) => c.ValueKind == JsonValueKind.Array && c.GetArrayLength() >= 3 && c[0].GetString()?.StartsWith(prefix, StringComparison.Ordinal) == true
            && (c[2].ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False || (c[2].ValueKind == JsonValueKind.String && c[2].GetString() is { Length: >= 2 } q && (q[0] == '\'' || q[0] == '"')));
        var literal = conditions.Where(IsLiteral).ToArray();
        var rest = conditions.Where(c => !IsLiteral(c)).ToArray();
        var literalTest = CompileAll(literal, inJoin: true);
        bool Literal(Dictionary<string, object?> candidate) => literalTest(new Ctx(joinEntity, candidate).With(alias, joinEntity, candidate));
        var filtered = lazy ? null : literal.Length == 0 ? [.. Store.Table(joinEntity)] : Store.Table(joinEntity).Where(Literal).ToList();

        // "alias.x = field" becomes a lookup on x.
        var keyed = rest.FirstOrDefault(c => c.GetArrayLength() == 3 && c[1].GetString() == "=" && c[0].GetString()!.StartsWith(prefix, StringComparison.Ordinal)
            && c[2].ValueKind == JsonValueKind.String && !c[2].GetString()!.StartsWith(prefix, StringComparison.Ordinal) && c[2].GetString() is { Length: > 0 } e && e[0] is not ('\'' or '"'));

        // Lazy (the early-stop walk, whose clauses cannot fail): only the pools looked up are filtered.
        var candidates = filtered ?? (keyed.ValueKind != JsonValueKind.Undefined ? Store.Table(joinEntity) : literal.Length == 0 ? [.. Store.Table(joinEntity)] : Store.Table(joinEntity).Where(Literal).ToList());
        ILookup<string, Dictionary<string, object?>>? index = keyed.ValueKind == JsonValueKind.Undefined ? null
            : candidates.ToLookup(r => Convert.ToString(r.GetValueOrDefault(keyed[0].GetString()![prefix.Length..]), CultureInfo.InvariantCulture) ?? "\u0000");
        var restTest = CompileAll(rest, inJoin: true);
        var keyPath = keyed.ValueKind == JsonValueKind.Undefined ? null : keyed[2].GetString()!;
        return new JoinPlan(alias, joinEntity, side, candidates, index, keyPath, restTest, lazy && index is not null && literal.Length > 0 ? Literal : null, this);
    }

    private sealed class JoinPlan(
        string alias,
        string entity,
        string side,
        List<Dictionary<string, object?>> candidates,
        ILookup<string, Dictionary<string, object?>>? index,
        string? keyPath,
        Func<Ctx, bool> restTest,
        Func<Dictionary<string, object?>, bool>? literal,
        FakeApi4Engine engine)
    {
        public List<Ctx> Apply(List<Ctx> contexts)
        {
            var result = new List<Ctx>();
            foreach (var ctx in contexts)
            {
                IEnumerable<Dictionary<string, object?>> pool = index is null ? candidates : index[Convert.ToString(engine.Resolve(ctx, keyPath!, quiet: true), CultureInfo.InvariantCulture) ?? "\u0001"];
                if (literal is not null)
                {
                    pool = pool.Where(literal);
                }

                var matches = pool.Where(candidate => restTest(ctx.With(alias, entity, candidate))).ToList();
                switch (side)
                {
                    case "EXCLUDE" when matches.Count == 0:
                    case "LEFT" when matches.Count == 0:
                        result.Add(ctx.With(alias, entity, null));
                        break;
                    case "LEFT" or "INNER":
                        result.AddRange(matches.Select(m => ctx.With(alias, entity, m)));
                        break;
                }
            }

            return result;
        }
    }

    private static (string Entity, string Alias) ParseJoinTarget(string target)
    {
        var parts = target.Split(" AS ", StringSplitOptions.TrimEntries);
        return parts.Length == 2 ? (parts[0], parts[1]) : (parts[0], parts[0].ToLowerInvariant());
    }

    // ---------- where ----------

    private bool Evaluate(Ctx ctx, JsonElement clause, bool inJoin)
    {
        var items = clause.EnumerateArray().ToArray();
        if (items.Length == 2 && items[0].ValueKind == JsonValueKind.String && items[0].GetString() is "OR" or "AND" or "NOT" && items[1].ValueKind == JsonValueKind.Array)
        {
            var members = items[1].EnumerateArray().Select(m => Evaluate(ctx, m, inJoin));
            return items[0].GetString() switch
            {
                "OR" => members.Any(x => x),
                "AND" => members.All(x => x),
                _ => !members.All(x => x),
            };
        }

        var field = items[0].GetString()!;
        var op = items[1].GetString()!;
        if (!Operators.Contains(op))
        {
            throw new FakeApi4Error(500, "Illegal operator");
        }

        var isExpression = items.Length > 3 && items[3].ValueKind == JsonValueKind.True;
        object? right = items.Length > 2 ? RightValue(ctx, field, items[2], inJoin, isExpression) : null;

        if (ctx.Entity == "Contact" && !field.Contains('.', StringComparison.Ordinal) && field is "groups" or "tags")
        {
            var ids = (right as List<object?> ?? [right]).Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
            var contactId = (long)ctx.Row["id"]!;
            var member = field == "groups" ? ids.Any(g => _server.IsInGroup(contactId, g, GroupRows)) : ids.Any(t => HasTag(contactId, t));
            return op switch
            {
                "IN" => member,
                "NOT IN" => !member,
                _ => throw new FakeApi4Error(500, "Illegal operator"),
            };
        }

        var left = Resolve(ctx, field, quiet: false);
        if (left is List<object?> many && op is "=" or "!=" or "<>" or "IN" or "NOT IN")
        {
            // A multi-valued field (target_contact_id, assignee_contact_id) matches when its list holds the value.
            var wanted = op is "IN" or "NOT IN" ? right as List<object?> ?? [] : [right];
            var holds = many.Any(item => wanted.Any(w => Equal(item, w)));
            return op is "=" or "IN" ? holds : !holds;
        }

        return Compare(left, op, right);
    }

    private object? RightValue(Ctx ctx, string field, JsonElement value, bool inJoin, bool isExpression)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (inJoin)
            {
                // In a join ON clause a bare string is a field; a literal is quoted.
                if (text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[^1] == text[0])
                {
                    return Magic(field, text[1..^1]);
                }

                return Resolve(ctx, text, quiet: false);
            }

            return isExpression ? Resolve(ctx, text, quiet: false) : Magic(field, text);
        }

        var literal = FakeApi4Store.FromJson(value);
        return literal is List<object?> list ? list.Select(v => v is string s ? Magic(field, s) : v).ToList() : literal;
    }

    private object? Magic(string field, string text) => text switch
    {
        "user_contact_id" when field.EndsWith("contact_id", StringComparison.Ordinal) || field.EndsWith("id", StringComparison.Ordinal) => _server.ApiContactId,
        "current_domain" => _server.DomainId,
        _ => text,
    };

    private object? Resolve(Ctx ctx, string path, bool quiet)
    {
        var parts = PathOf(path);
        string entity;
        IReadOnlyDictionary<string, object?>? row;
        if (parts.Prefix is not null && ctx.Aliases.TryGetValue(parts.Prefix, out var joined))
        {
            entity = joined.Entity;
            row = joined.Row;
        }
        else if (parts.Prefix == "email_primary" && ctx.Entity == "Contact")
        {
            entity = "Email";
            row = PrimaryEmail(ctx.Row["id"]);
        }
        else if (ResolveMore(ctx, path, parts, out var more))
        {
            return more;
        }
        else if (!parts.Dotted)
        {
            entity = ctx.Entity;
            row = ctx.Row;
        }
        else
        {
            return quiet ? null : throw new FakeApi4Error(500, $"Invalid field '{parts.Path}'");
        }

        var field = parts.Field;
        if (!SchemaFields[entity].Contains(field))
        {
            return quiet ? null : throw new FakeApi4Error(500, $"Invalid field '{parts.Path}'");
        }

        var value = row is null ? null : entity == "Activity" && field is "source_contact_id" or "target_contact_id" or "assignee_contact_id" ? ActivityContacts(row, field) : row.GetValueOrDefault(field);
        return parts.Suffix == "name" ? OptionName(entity, field, value) : value;
    }

    /// <summary>The schema's fields per entity, as sets.</summary>
    private static readonly Dictionary<string, HashSet<string>> SchemaFields =
        FakeApi4Store.Schema.ToDictionary(kv => kv.Key, kv => kv.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>
    /// A field path split as <see cref="Resolve"/> reads it: <c>:suffix</c> after a colon past the start, then the part
    /// before a dot past the start (<see cref="PathParts.Dotted"/> for any dot, which alone makes the path invalid).
    /// </summary>
    private sealed record PathParts(string Path, string? Suffix, string? Prefix, bool Dotted, string Field);

    private readonly Dictionary<string, PathParts> _paths = new(StringComparer.Ordinal);

    private PathParts PathOf(string path)
    {
        if (_paths.TryGetValue(path, out var parts))
        {
            return parts;
        }

        var full = path;
        string? suffix = null;
        var colon = path.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            suffix = path[(colon + 1)..];
            path = path[..colon];
        }

        var dot = path.IndexOf('.', StringComparison.Ordinal);
        parts = new PathParts(path, suffix, dot > 0 ? path[..dot] : null, dot >= 0, dot > 0 ? path[(dot + 1)..] : path);
        if (_paths.Count >= 4096)
        {
            // Paths come from requests: keep the cache bounded.
            _paths.Clear();
        }

        _paths[full] = parts;
        return parts;
    }

    /// <summary><see cref="FakeApi4Store.OptionNameFor"/>, remembered for the call (the option tables do not change within an action).</summary>
    private string? OptionName(string entity, string field, object? value)
    {
        if (value is null)
        {
            return Store.OptionNameFor(entity, field, value);
        }

        _optionNames ??= [];
        var key = (entity, field, value);
        if (!_optionNames.TryGetValue(key, out var name))
        {
            _optionNames[key] = name = Store.OptionNameFor(entity, field, value);
        }

        return name;
    }

    private Dictionary<(string Entity, string Field, object Value), string?>? _optionNames;

    private object? ActivityContacts(IReadOnlyDictionary<string, object?> activity, string field)
    {
        var type = field switch { "source_contact_id" => 2L, "target_contact_id" => 3L, _ => 1L };
        var ids = ActivityContactRows(activity["id"]).Where(ac => Equals(ac["record_type_id"], type)).Select(ac => ac["contact_id"]).ToList();
        return field == "source_contact_id" ? ids.FirstOrDefault() : ids;
    }

    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "=", "<=", ">=", ">", "<", "LIKE", "<>", "!=", "NOT LIKE", "IN", "NOT IN", "BETWEEN", "NOT BETWEEN", "IS NOT NULL", "IS NULL",
        "CONTAINS", "NOT CONTAINS", "IS EMPTY", "IS NOT EMPTY", "REGEXP", "NOT REGEXP",
    };

    private static bool Compare(object? left, string op, object? right)
    {
        switch (op)
        {
            case "IS NULL": return left is null;
            case "IS NOT NULL": return left is not null;
            case "IS EMPTY": return left is null || (left is string s && s.Length == 0) || (left is List<object?> l && l.Count == 0);
            case "IS NOT EMPTY": return !Compare(left, "IS EMPTY", null);
            case "IN": return left is not null && (right as List<object?> ?? []).Any(r => Equal(left, r));
            case "NOT IN": return left is not null && !(right as List<object?> ?? []).Any(r => Equal(left, r));
            case "CONTAINS": return left is List<object?> items ? items.Any(i => Equal(i, right)) : Convert.ToString(left, CultureInfo.InvariantCulture)?.Contains(Convert.ToString(right, CultureInfo.InvariantCulture) ?? "", StringComparison.OrdinalIgnoreCase) == true;
            case "NOT CONTAINS": return !Compare(left, "CONTAINS", right);
            case "LIKE": return left is not null && Like(left, right);
            case "NOT LIKE": return left is not null && !Like(left, right);
            case "BETWEEN": return right is List<object?> { Count: 2 } b && Compare(left, b[0]) >= 0 && Compare(left, b[1]) <= 0;
            case "NOT BETWEEN": return !Compare(left, "BETWEEN", right);
            case "REGEXP": return left is not null && Regex.IsMatch(Convert.ToString(left, CultureInfo.InvariantCulture)!, Convert.ToString(right, CultureInfo.InvariantCulture)!, RegexOptions.IgnoreCase);
            case "NOT REGEXP": return !Compare(left, "REGEXP", right);
        }

        if (left is null || right is null)
        {
            return false;
        }

        var c = Compare(left, right);
        return op switch
        {
            "=" => c == 0,
            "!=" or "<>" => c != 0,
            ">" => c > 0,
            ">=" => c >= 0,
            "<" => c < 0,
            _ => c <= 0,
        };
    }

    private static bool Equal(object? a, object? b) => a is not null && b is not null && Compare(a, b) == 0;

    private static int Compare(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }

        if (a is bool ab)
        {
            a = ab ? 1L : 0L;
        }

        if (b is bool bb)
        {
            b = bb ? 1L : 0L;
        }

        var sa = Convert.ToString(a, CultureInfo.InvariantCulture)!;
        var sb = Convert.ToString(b, CultureInfo.InvariantCulture)!;
        if (decimal.TryParse(sa, NumberStyles.Number, CultureInfo.InvariantCulture, out var da) && decimal.TryParse(sb, NumberStyles.Number, CultureInfo.InvariantCulture, out var db))
        {
            return da.CompareTo(db);
        }

        return string.Compare(sa, sb, StringComparison.OrdinalIgnoreCase);
    }

    private static bool Like(object left, object? pattern)
    {
        var regex = "^" + Regex.Escape(Convert.ToString(pattern, CultureInfo.InvariantCulture) ?? "").Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(Convert.ToString(left, CultureInfo.InvariantCulture)!, regex, RegexOptions.IgnoreCase | RegexOptions.Singleline);
    }

    private static bool Mentions(JsonElement[] where, string field) => where.Any(w => w.GetRawText().Contains($"\"{field}\"", StringComparison.Ordinal));

    private static bool FetchesById(JsonElement[] where) => where.Any(w =>
        w.ValueKind == JsonValueKind.Array && w.GetArrayLength() >= 3 && w[0].ValueKind == JsonValueKind.String && w[0].GetString() == "id" && w[1].GetString() is "=" or "IN");

    private static IEnumerable<(string Field, string Direction)> OrderBy(JsonElement p)
    {
        if (!p.TryGetProperty("orderBy", out var orderBy) || orderBy.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var property in orderBy.EnumerateObject())
        {
            var direction = property.Value.GetString();
            if (direction is not ("ASC" or "DESC"))
            {
                throw new FakeApi4Error(500, $"Invalid sort direction. Cannot order by {property.Name} {direction}");
            }

            yield return (property.Name, direction);
        }
    }

    internal static JsonElement[] Array(JsonElement p, string name) =>
        p.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToArray() : [];

    [GeneratedRegex(@"^IF\(\(([\w.]+) = ""([^""]*)""\), ""([^""]*)"", ""([^""]*)""\) AS (\w+)$")]
    private static partial Regex IfAlias();

    [GeneratedRegex(@"^NOW\(\)\s+AS\s+(\w+)$", RegexOptions.IgnoreCase)]
    private static partial Regex NowAlias();

    [GeneratedRegex(@"^COUNT\([^)]*\)\s+AS\s+(\w+)$", RegexOptions.IgnoreCase)]
    private static partial Regex CountAlias();

    [GeneratedRegex(@"^MAX\(([\w.:]+)\)\s+AS\s+(\w+)$", RegexOptions.IgnoreCase)]
    private static partial Regex MaxAlias();

    /// <summary><c>MAX(field) AS alias</c> over a group (dates compare as their text, as MySQL's <c>Y-m-d H:i:s</c> does).</summary>
    private Dictionary<string, object?> WithMax(Dictionary<string, object?> row, List<Ctx> group, List<string> select)
    {
        foreach (var field in select)
        {
            var max = MaxAlias().Match(field);
            if (max.Success)
            {
                row.Remove(field);
                row[max.Groups[2].Value] = group.Select(c => Resolve(c, max.Groups[1].Value, quiet: true)).Where(v => v is not null)
                    .OrderByDescending(v => v, Comparer<object?>.Create((a, b) => Compare(a, b))).FirstOrDefault();
            }
        }

        return row;
    }

    private sealed class Ctx
    {
        public Ctx(string entity, Dictionary<string, object?> row)
        {
            Entity = entity;
            Row = row;
        }

        public string Entity { get; }

        public Dictionary<string, object?> Row { get; }

        public Dictionary<string, (string Entity, Dictionary<string, object?>? Row)> Aliases { get; private init; } = new(StringComparer.Ordinal);

        public Ctx With(string alias, string entity, Dictionary<string, object?>? row)
        {
            var copy = new Ctx(Entity, Row) { Aliases = new(Aliases, StringComparer.Ordinal) };
            copy.Aliases[alias] = (entity, row);
            return copy;
        }
    }
}
