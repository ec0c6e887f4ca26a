using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>
/// A <c>get</c> whose order is the table's (no <c>orderBy</c>, or <c>id</c> over a table whose ids ascend) and that
/// has a limit walks the rows in that order (from the keyset, when a top-level clause bounds <c>id</c>), joins each
/// row as it goes, and stops once the page is filled: the batch's page read no longer scans and joins every pending
/// contact. Only calls that cannot fail take this path (every clause and join checked up front: fields, operators,
/// groups and tags ids, patterns, the rows the per-call indexes read), so they answer what the full evaluation
/// answers; everything else, and any surprise, goes the full way.
/// </summary>
internal sealed partial class FakeApi4Engine
{
    /// <summary>Every <c>get</c> takes the full path (the property tests compare both).</summary>
    internal bool FullPathOnly { get; set; }

    /// <summary>
    /// For the property tests: a <c>get</c> answered by the early-stop path (when it takes it) and by the full path,
    /// each as its JSON rows and counts or the exception's type and message; and whether the early path was taken.
    /// </summary>
    internal (string EarlyStop, string Full, bool Early) CompareEarlyStop(string entity, JsonElement p)
    {
        var early = Outcome(() => TryGetEarly(entity, p) ?? throw new NotSupportedException("full path"));
        var taken = !early.StartsWith(nameof(NotSupportedException), StringComparison.Ordinal);
        FullPathOnly = true;
        try
        {
            var full = Outcome(() => Get(entity, p));
            return (taken ? early : full, full, taken);
        }
        finally
        {
            FullPathOnly = false;
        }

        string Outcome(Func<(List<Dictionary<string, object?>> Values, int Count, int? CountMatched)> run)
        {
            ResetIndexes();
            try
            {
                var (values, count, matched) = run();
                using var stream = new MemoryStream();
                using (var writer = new Utf8JsonWriter(stream))
                {
                    FakeCiviCrmServer.WriteValue(writer, values.Select(v => (object?)v).ToList());
                }

                return $"{System.Text.Encoding.UTF8.GetString(stream.ToArray())} count={count} matched={matched}";
            }
            catch (Exception e)
            {
                return e.GetType().Name + ": " + e.Message;
            }
        }
    }

    private (List<Dictionary<string, object?>>, int, int?)? TryGetEarly(string entity, JsonElement p)
    {
        if (!p.TryGetProperty("limit", out var l) || l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out var limit) || limit <= 0)
        {
            return null;
        }

        var offset = 0;
        if (p.TryGetProperty("offset", out var o) && o.ValueKind == JsonValueKind.Number && (!o.TryGetInt32(out offset) || offset < 0))
        {
            return null;
        }

        if (p.TryGetProperty("groupBy", out var g) && g.ValueKind == JsonValueKind.Array && g.GetArrayLength() > 0)
        {
            return null;
        }

        var select = new List<string>();
        foreach (var item in Array(p, "select"))
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { } field || field == "row_count"
                || field.StartsWith("COUNT(", StringComparison.OrdinalIgnoreCase) || field.StartsWith("MAX(", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            select.Add(field);
        }

        // The order: the table's, or id (either way) when the ids ascend.
        int? idDirection = null;
        if (p.TryGetProperty("orderBy", out var orderBy) && orderBy.ValueKind == JsonValueKind.Object)
        {
            var keys = orderBy.EnumerateObject().ToArray();
            if (keys.Length > 1 || (keys.Length == 1 && (keys[0].Name != "id" || keys[0].Value.ValueKind != JsonValueKind.String || keys[0].Value.GetString() is not ("ASC" or "DESC"))))
            {
                return null;
            }

            idDirection = keys.Length == 0 ? null : keys[0].Value.GetString() == "DESC" ? -1 : 1;
        }

        var table = Store.Table(entity);
        var where = Array(p, "where");
        var joins = Array(p, "join");

        // The joins as the full path reads them, each checked; a skipped join adds no alias.
        var aliasNames = new List<string>();
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var join in joins)
        {
            if (join.ValueKind != JsonValueKind.Array || join.GetArrayLength() < 2 || join[0].ValueKind != JsonValueKind.String || join[1].ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var (joinEntity, alias) = ParseJoinTarget(join[0].GetString()!);
            aliasNames.Add(alias + ".");
            if (join[1].GetString()!.ToUpperInvariant() is not ("LEFT" or "INNER" or "EXCLUDE") || !FakeApi4Store.Schema.ContainsKey(joinEntity) || alias.Length == 0)
            {
                return null;
            }

            if (joinEntity == "UFMatch" && !_server.AdministerCiviCrm)
            {
                continue;
            }

            applied[alias] = joinEntity;
            if (join.EnumerateArray().Skip(2).Any(c => !CannotFail(c, entity, applied, inJoin: true)))
            {
                return null;
            }
        }

        bool UsesAlias(JsonElement w) => aliasNames.Any(a => w.GetRawText().Contains("\"" + a, StringComparison.Ordinal));
        var earlyClauses = where.Where(w => !UsesAlias(w)).ToArray();
        var lateClauses = where.Where(UsesAlias).ToArray();
        if (earlyClauses.Any(c => !CannotFail(c, entity, new Dictionary<string, string>(StringComparer.Ordinal), inJoin: false))
            || lateClauses.Any(c => !CannotFail(c, entity, applied, inJoin: false)))
        {
            return null;
        }

        // The rows the per-call indexes read must have their keys (else the scans they step aside for could fail on a
        // row the walk never reaches).
        var text = string.Concat(where.Select(w => w.GetRawText())) + string.Concat(joins.Select(j => j.GetRawText()));
        var (idsAreLong, idsAscend) = Ids(table);
        if ((text.Contains("\"groups\"", StringComparison.Ordinal) || text.Contains("\"tags\"", StringComparison.Ordinal)) && !idsAreLong)
        {
            return null;
        }

        if (!IndexedRowsAreWhole(entity, text, applied.Values))
        {
            return null;
        }

        if (idDirection is not null && !idsAscend)
        {
            return null;
        }

        try
        {
            return Walk(entity, table, where, joins, earlyClauses, lateClauses, select, idDirection ?? 1, idsAscend, offset, limit);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not expected after the checks above; the full path answers (or fails) as it always did.
            return null;
        }
    }

    private (List<Dictionary<string, object?>>, int, int?) Walk(
        string entity,
        List<Dictionary<string, object?>> table,
        JsonElement[] where,
        JsonElement[] joins,
        JsonElement[] earlyClauses,
        JsonElement[] lateClauses,
        List<string> select,
        int direction,
        bool idsAscend,
        int offset,
        int limit)
    {
        var hideDeleted = table.Count > 0 && table[0].ContainsKey("is_deleted") && !Mentions(where, "is_deleted") && !FetchesById(where);
        var early = CompileAll(earlyClauses, inJoin: false);
        var plans = joins.Select(j => PlanJoin(j, lazy: true)).Where(plan => plan is not null).ToArray();
        var late = lateClauses.Length > 0 ? CompileAll(lateClauses, inJoin: false) : null;
        var (from, to) = idsAscend ? IdRange(table, where) : (0, table.Count);
        var wanted = (long)offset + limit;
        var found = new List<Ctx>();
        for (var i = direction > 0 ? from : to - 1; direction > 0 ? i < to : i >= from; i += direction)
        {
            var row = table[i];
            if ((hideDeleted && row.GetValueOrDefault("is_deleted") is true) || new Ctx(entity, row) is var ctx && !early(ctx))
            {
                continue;
            }

            List<Ctx> contexts = [ctx];
            foreach (var plan in plans)
            {
                contexts = plan!.Apply(contexts);
            }

            foreach (var joined in contexts)
            {
                if (late is null || late(joined))
                {
                    found.Add(joined);
                }
            }

            if (found.Count >= wanted)
            {
                break;
            }
        }

        var page = found.Skip(offset).Take(limit).Select(c => Project(c, select, 0, aggregate: false)).ToList();
        return (page, page.Count == limit ? page.Count : page.Count + offset, null);
    }

    /// <summary>Whether every row has a whole-number id, and whether they strictly ascend (the table's order is then id order).</summary>
    private static (bool Long, bool Ascend) Ids(List<Dictionary<string, object?>> table)
    {
        var ascend = true;
        var previous = long.MinValue;
        foreach (var row in table)
        {
            if (row.GetValueOrDefault("id") is not long id)
            {
                return (false, false);
            }

            ascend &= id > previous;
            previous = id;
        }

        return (true, ascend);
    }

    /// <summary>
    /// The rows a walk in id order need visit: top-level clauses bounding <c>id</c> by a whole number (the keyset) exclude the
    /// rows before or after them, which those clauses would reject anyway.
    /// </summary>
    private static (int From, int To) IdRange(List<Dictionary<string, object?>> table, JsonElement[] where)
    {
        var from = 0;
        var to = table.Count;
        foreach (var clause in where)
        {
            if (clause.ValueKind != JsonValueKind.Array || clause.GetArrayLength() != 3 || clause[0].ValueKind != JsonValueKind.String || clause[0].GetString() != "id"
                || clause[1].ValueKind != JsonValueKind.String || clause[2].ValueKind != JsonValueKind.Number || !clause[2].TryGetInt64(out var bound))
            {
                continue;
            }

            switch (clause[1].GetString())
            {
                case ">": from = Math.Max(from, FirstAbove(table, bound, inclusive: false)); break;
                case ">=": from = Math.Max(from, FirstAbove(table, bound, inclusive: true)); break;
                case "<": to = Math.Min(to, FirstAbove(table, bound, inclusive: true)); break;
                case "<=": to = Math.Min(to, FirstAbove(table, bound, inclusive: false)); break;
                case "=":
                    from = Math.Max(from, FirstAbove(table, bound, inclusive: true));
                    to = Math.Min(to, FirstAbove(table, bound, inclusive: false));
                    break;
            }
        }

        return (from, Math.Max(from, to));
    }

    /// <summary>The first index whose id is above <paramref name="bound"/> (or equal to it, <paramref name="inclusive"/>), in a table whose ids ascend.</summary>
    private static int FirstAbove(List<Dictionary<string, object?>> table, long bound, bool inclusive)
    {
        var (lo, hi) = (0, table.Count);
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var id = (long)table[mid]["id"]!;
            if (id > bound || (inclusive && id == bound))
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>
    /// Whether the tables behind the per-call indexes a call's clauses may use have the keys those indexes read (an index
    /// steps aside for a scan that can fail on a row missing one).
    /// </summary>
    private bool IndexedRowsAreWhole(string entity, string clauses, IEnumerable<string> joined)
    {
        static bool Whole(List<Dictionary<string, object?>> rows, params string[] keys) => rows.All(r => keys.All(r.ContainsKey));
        if (clauses.Contains("email_primary", StringComparison.Ordinal) && !Whole(Store.Table("Email"), "contact_id"))
        {
            return false;
        }

        if (clauses.Contains("\"tags\"", StringComparison.Ordinal) && !Whole(Store.Table("EntityTag"), "entity_id", "tag_id"))
        {
            return false;
        }

        if (clauses.Contains("\"groups\"", StringComparison.Ordinal))
        {
            try
            {
                _ = GroupRows;
            }
            catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or NullReferenceException)
            {
                return false;
            }
        }

        return (entity != "Activity" && !joined.Contains("Activity")) || Whole(Store.Table("ActivityContact"), "activity_id", "record_type_id", "contact_id");
    }

    /// <summary>
    /// Whether a where (or join ON) clause cannot fail for any row: the shape <see cref="Evaluate"/> reads, a known
    /// operator, fields that resolve whatever the row, and right sides that convert.
    /// </summary>
    private bool CannotFail(JsonElement clause, string entity, IReadOnlyDictionary<string, string> aliases, bool inJoin)
    {
        if (clause.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var items = clause.EnumerateArray().ToArray();
        if (items.Length == 2 && items[0].ValueKind == JsonValueKind.String && items[0].GetString() is "OR" or "AND" or "NOT" && items[1].ValueKind == JsonValueKind.Array)
        {
            return items[1].EnumerateArray().All(m => CannotFail(m, entity, aliases, inJoin));
        }

        if (items.Length < 2 || items[0].ValueKind != JsonValueKind.String || items[1].ValueKind != JsonValueKind.String || !Operators.Contains(items[1].GetString()!))
        {
            return false;
        }

        var field = items[0].GetString()!;
        var op = items[1].GetString()!;
        var isExpression = items.Length > 3 && items[3].ValueKind == JsonValueKind.True;
        var rightIsField = items.Length > 2 && items[2].ValueKind == JsonValueKind.String && (isExpression || (inJoin && !IsQuoted(items[2].GetString()!)));
        if (rightIsField && !Resolves(items[2].GetString()!, entity, aliases))
        {
            return false;
        }

        if (entity == "Contact" && !field.Contains('.', StringComparison.Ordinal) && field is "groups" or "tags")
        {
            if (op is not ("IN" or "NOT IN") || rightIsField)
            {
                return false;
            }

            try
            {
                var right = items.Length > 2 ? RightValue(null!, field, items[2], inJoin, isExpression) : null;
                _ = (right as List<object?> ?? [right]).Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                return false;
            }
        }
        else if (!Resolves(field, entity, aliases))
        {
            return false;
        }

        if (op is "REGEXP" or "NOT REGEXP")
        {
            if (rightIsField)
            {
                return false;
            }

            try
            {
                var right = items.Length > 2 ? RightValue(null!, field, items[2], inJoin, isExpression) : null;
                _ = new Regex(Convert.ToString(right, CultureInfo.InvariantCulture)!, RegexOptions.IgnoreCase);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <see cref="Resolve"/> finds a field for this path whatever the row (and, for <c>:name</c>, its option group exists).</summary>
    private bool Resolves(string path, string entity, IReadOnlyDictionary<string, string> aliases)
    {
        var parts = PathOf(path);
        if (parts.Prefix is not null && aliases.TryGetValue(parts.Prefix, out var joined))
        {
            entity = joined;
        }
        else if (parts.Prefix == "email_primary" && entity == "Contact")
        {
            entity = "Email";
        }
        else if (ResolvesMore(path, entity))
        {
            return true;
        }
        else if (parts.Dotted)
        {
            return false;
        }

        var field = parts.Field;
        if (!SchemaFields[entity].Contains(field))
        {
            return false;
        }

        // A name is looked up in the option tables, whose scan reads these keys of every row it passes.
        return parts.Suffix != "name" || FakeApi4Store.OptionGroupFor(entity, field) is not { } group || group == "option_group"
            || (Store.Table("OptionGroup").All(r => r.ContainsKey("name") && r.ContainsKey("id")) && Store.Table("OptionGroup").Any(r => FakeApi4Store.Same(r["name"], group))
                && Store.Table("OptionValue").All(r => r.ContainsKey("option_group_id") && r.ContainsKey("value") && r.ContainsKey("name")));
    }
}
