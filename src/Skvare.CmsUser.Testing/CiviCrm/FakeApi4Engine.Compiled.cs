using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>
/// The where clauses of a call compiled once into predicates (literals converted once, an <c>IN</c> list a hash set),
/// and the look-ups by foreign key the evaluator needs indexed once per call. <see cref="Evaluate"/> stays the
/// definition: a clause of a shape not compiled here, or one that would fail, is evaluated by it row by row, so
/// answers and errors are the same.
/// </summary>
internal sealed partial class FakeApi4Engine
{
    private Dictionary<object, Dictionary<string, object?>>? _primaryEmails;
    private Dictionary<object, List<Dictionary<string, object?>>>? _activityContacts;
    private HashSet<(object?, object?)>? _entityTags;

    /// <summary>Drops the per-call indexes: called when a call starts and after every action (writes change the tables).</summary>
    private void ResetIndexes()
    {
        _groupRowsCache = null;
        _primaryEmails = null;
        _activityContacts = null;
        _entityTags = null;
        _sameIndexes = null;
        _optionNames = null;
    }

    /// <summary>Rows by the invariant text of some fields, ignoring case (what <see cref="FakeApi4Store.Same"/> compares), per table and fields.</summary>
    private Dictionary<(List<Dictionary<string, object?>> Table, string Fields), SameIndex>? _sameIndexes;

    private sealed class SameIndex(string[] fields)
    {
        public string[] Fields { get; } = fields;

        public Dictionary<string, List<Dictionary<string, object?>>> Rows { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>How many rows of the table are indexed: rows are only ever appended within a call, so new ones are added on the next look-up.</summary>
        public int Indexed { get; set; }

        public static string KeyOf(IReadOnlyDictionary<string, object?> row, string[] fields) =>
            string.Join('\u0001', fields.Select(f => Convert.ToString(row.GetValueOrDefault(f), CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The rows of <paramref name="entity"/> whose <paramref name="fields"/> are all <see cref="FakeApi4Store.Same"/> as in
    /// <paramref name="values"/>, in table order (the scan it replaces, through an index kept for the call).
    /// </summary>
    private IEnumerable<Dictionary<string, object?>> SameRows(string entity, string[] fields, IReadOnlyDictionary<string, object?> values)
    {
        var table = Store.Table(entity);
        _sameIndexes ??= [];
        var id = (table, string.Join(',', fields));
        if (!_sameIndexes.TryGetValue(id, out var index) || index.Indexed > table.Count)
        {
            _sameIndexes[id] = index = new SameIndex(fields);
        }

        for (; index.Indexed < table.Count; index.Indexed++)
        {
            var row = table[index.Indexed];
            var key = SameIndex.KeyOf(row, fields);
            if (!index.Rows.TryGetValue(key, out var bucket))
            {
                index.Rows[key] = bucket = [];
            }

            bucket.Add(row);
        }

        return index.Rows.TryGetValue(SameIndex.KeyOf(values, fields), out var rows)
            ? rows.Where(r => fields.All(f => FakeApi4Store.Same(r.GetValueOrDefault(f), values.GetValueOrDefault(f))))
            : [];
    }

    /// <summary>A row of <paramref name="entity"/> changed these fields: the indexes over any of them (all of a contact's: names are derived) are dropped.</summary>
    private void Touched(string entity, IEnumerable<string> fields)
    {
        if (_sameIndexes is null)
        {
            return;
        }

        var table = Store.Table(entity);
        var changed = fields.ToHashSet(StringComparer.Ordinal);
        foreach (var key in _sameIndexes.Keys.Where(k => ReferenceEquals(k.Table, table) && (entity == "Contact" || _sameIndexes[k].Fields.Any(changed.Contains))).ToList())
        {
            _sameIndexes.Remove(key);
        }
    }

    private Dictionary<(long Group, long Contact), string?>? _groupRowsCache;

    /// <summary>Membership rows by (group, contact): the first row of a pair wins, as the scan it replaces.</summary>
    private Dictionary<(long Group, long Contact), string?> GroupRows => _groupRowsCache ??= IndexGroupRows();

    private Dictionary<(long Group, long Contact), string?> IndexGroupRows()
    {
        var table = Store.Table("GroupContact");
        foreach (var row in table)
        {
            // Every key first (and failing on the first row without one), then the statuses, as the grouping this replaced.
            _ = ((long)row["group_id"]!, (long)row["contact_id"]!);
        }

        var rows = new Dictionary<(long Group, long Contact), string?>();
        foreach (var row in table)
        {
            var key = ((long)row["group_id"]!, (long)row["contact_id"]!);
            if (!rows.ContainsKey(key))
            {
                rows[key] = row["status"] as string;
            }
        }

        return rows;
    }

    /// <summary>The first primary email of a contact in table order (what <c>email_primary.*</c> reads).</summary>
    private Dictionary<string, object?>? PrimaryEmail(object? contactId)
    {
        // A row without the key (the scan would fail on it) or a null id: the scan itself.
        if (contactId is null || Store.Table("Email").Count > 0 && _primaryEmails is null && Store.Table("Email").Any(e => !e.ContainsKey("contact_id")))
        {
            return Store.Table("Email").FirstOrDefault(e => Equals(e["contact_id"], contactId) && e.GetValueOrDefault("is_primary") is true);
        }

        if (_primaryEmails is null)
        {
            _primaryEmails = [];
            foreach (var email in Store.Table("Email"))
            {
                if (email.GetValueOrDefault("is_primary") is true && email.GetValueOrDefault("contact_id") is { } owner)
                {
                    _primaryEmails.TryAdd(owner, email);
                }
            }
        }

        return _primaryEmails.GetValueOrDefault(contactId);
    }

    /// <summary>The ActivityContact rows of an activity, in table order.</summary>
    private List<Dictionary<string, object?>> ActivityContactRows(object? activityId)
    {
        if (activityId is null || _activityContacts is null && Store.Table("ActivityContact").Any(ac => !ac.ContainsKey("activity_id")))
        {
            return Store.Table("ActivityContact").Where(ac => Equals(ac["activity_id"], activityId)).ToList();
        }

        if (_activityContacts is null)
        {
            _activityContacts = [];
            foreach (var ac in Store.Table("ActivityContact"))
            {
                if (ac.GetValueOrDefault("activity_id") is { } activity)
                {
                    if (!_activityContacts.TryGetValue(activity, out var rows))
                    {
                        _activityContacts[activity] = rows = [];
                    }

                    rows.Add(ac);
                }
            }
        }

        return _activityContacts.GetValueOrDefault(activityId) ?? [];
    }

    private bool HasTag(long contactId, long tagId)
    {
        if (_entityTags is null && Store.Table("EntityTag").Any(et => !et.ContainsKey("entity_id") || !et.ContainsKey("tag_id")))
        {
            return Store.Table("EntityTag").Any(et => Equals(et["entity_id"], contactId) && Equals(et["tag_id"], tagId));
        }

        _entityTags ??= Store.Table("EntityTag").Select(et => (et.GetValueOrDefault("entity_id"), et.GetValueOrDefault("tag_id"))).ToHashSet();
        return _entityTags.Contains((contactId, tagId));
    }

    /// <summary>
    /// For the property tests: what the compiled predicate and the row-by-row <see cref="Evaluate"/> answer for one row
    /// (<c>True</c>, <c>False</c>, or the exception's type and message).
    /// </summary>
    internal (string Compiled, string Reference) CompareWithReference(string entity, Dictionary<string, object?> row, JsonElement clause)
    {
        ResetIndexes();
        var ctx = new Ctx(entity, row);
        var predicate = Compile(clause, inJoin: false);
        return (Outcome(() => predicate(ctx)), Outcome(() => Evaluate(ctx, clause, inJoin: false)));

        static string Outcome(Func<bool> run)
        {
            try
            {
                return run().ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception e)
            {
                return e.GetType().Name + ": " + e.Message;
            }
        }
    }

    /// <summary>A predicate for all of <paramref name="clauses"/> (each compiled once).</summary>
    private Func<Ctx, bool> CompileAll(IEnumerable<JsonElement> clauses, bool inJoin)
    {
        var compiled = clauses.Select(c => Compile(c, inJoin)).ToArray();
        return compiled.Length switch
        {
            0 => static _ => true,
            1 => compiled[0],
            _ => ctx =>
            {
                foreach (var predicate in compiled)
                {
                    if (!predicate(ctx))
                    {
                        return false;
                    }
                }

                return true;
            },
        };
    }

    /// <summary>Compiles one where (or join ON) clause; never throws: what cannot be compiled falls back to <see cref="Evaluate"/>.</summary>
    private Func<Ctx, bool> Compile(JsonElement clause, bool inJoin)
    {
        try
        {
            return TryCompile(clause, inJoin) ?? (ctx => Evaluate(ctx, clause, inJoin));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or InvalidCastException or FakeApi4Error or ArgumentException)
        {
            return ctx => Evaluate(ctx, clause, inJoin);
        }
    }

    private Func<Ctx, bool>? TryCompile(JsonElement clause, bool inJoin)
    {
        if (clause.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var items = clause.EnumerateArray().ToArray();
        if (items.Length == 2 && items[0].ValueKind == JsonValueKind.String && items[0].GetString() is "OR" or "AND" or "NOT" && items[1].ValueKind == JsonValueKind.Array)
        {
            var members = items[1].EnumerateArray().Select(m => Compile(m, inJoin)).ToArray();
            return items[0].GetString() switch
            {
                "OR" => ctx => members.Any(m => m(ctx)),
                "AND" => ctx => members.All(m => m(ctx)),
                _ => ctx => !members.All(m => m(ctx)),
            };
        }

        if (items.Length < 2 || items[0].ValueKind != JsonValueKind.String || items[1].ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var field = items[0].GetString()!;
        var op = items[1].GetString()!;
        if (!Operators.Contains(op))
        {
            return null;
        }

        var isExpression = items.Length > 3 && items[3].ValueKind == JsonValueKind.True;
        if (items.Length > 2 && items[2].ValueKind == JsonValueKind.String && (isExpression || (inJoin && !IsQuoted(items[2].GetString()!))))
        {
            // The right side is a field of the row: only the field's parsing is saved.
            return null;
        }

        // The right side does not depend on the row (RightValue without a row).
        var right = items.Length > 2 ? RightValue(null!, field, items[2], inJoin, isExpression) : null;
        var groupsOrTags = !field.Contains('.', StringComparison.Ordinal) && field is "groups" or "tags";
        long[]? ids = null;
        if (groupsOrTags)
        {
            ids = (right as List<object?> ?? [right]).Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
            if (op is not ("IN" or "NOT IN"))
            {
                return null;
            }
        }

        var test = CompileTest(op, right);
        var set = op is "=" or "!=" or "<>" or "IN" or "NOT IN" ? new KeySet(op is "IN" or "NOT IN" ? right as List<object?> ?? [] : [right]) : null;
        return ctx =>
        {
            if (groupsOrTags && ctx.Entity == "Contact")
            {
                var contactId = (long)ctx.Row["id"]!;
                var member = field == "groups" ? ids!.Any(g => _server.IsInGroup(contactId, g, GroupRows)) : ids!.Any(t => HasTag(contactId, t));
                return op == "IN" ? member : !member;
            }

            var left = Resolve(ctx, field, quiet: false);
            if (left is List<object?> many && set is not null)
            {
                var holds = many.Any(set.Contains);
                return op is "=" or "IN" ? holds : !holds;
            }

            return test(left);
        };
    }

    private static bool IsQuoted(string text) => text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[^1] == text[0];

    /// <summary><see cref="Compare(object?, string, object?)"/> with its right side fixed and converted once.</summary>
    private static Func<object?, bool> CompileTest(string op, object? right)
    {
        switch (op)
        {
            case "IN" or "NOT IN":
                var set = new KeySet(right as List<object?> ?? []);
                return op == "IN" ? left => left is not null && set.Contains(left) : left => left is not null && !set.Contains(left);
            case "LIKE" or "NOT LIKE":
                var regex = new Regex(LikePattern(right), RegexOptions.IgnoreCase | RegexOptions.Singleline);
                return op == "LIKE"
                    ? left => left is not null && regex.IsMatch(Convert.ToString(left, CultureInfo.InvariantCulture)!)
                    : left => left is not null && !regex.IsMatch(Convert.ToString(left, CultureInfo.InvariantCulture)!);
            case "=" or "!=" or "<>" or ">" or ">=" or "<" or "<=":
                if (right is null)
                {
                    return static _ => false;
                }

                var key = Key.Of(right);
                return op switch
                {
                    "=" => left => left is not null && Key.Compare(Key.Of(left), key) == 0,
                    "!=" or "<>" => left => left is not null && Key.Compare(Key.Of(left), key) != 0,
                    ">" => left => left is not null && Key.Compare(Key.Of(left), key) > 0,
                    ">=" => left => left is not null && Key.Compare(Key.Of(left), key) >= 0,
                    "<" => left => left is not null && Key.Compare(Key.Of(left), key) < 0,
                    _ => left => left is not null && Key.Compare(Key.Of(left), key) <= 0,
                };
            default:
                return left => Compare(left, op, right);
        }
    }

    private static string LikePattern(object? pattern) =>
        "^" + Regex.Escape(Convert.ToString(pattern, CultureInfo.InvariantCulture) ?? "").Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$";

    /// <summary>
    /// A value as <see cref="FakeApi4Engine.Compare(object?, object?)"/> sees it: null, a number (when its invariant text parses as a
    /// decimal, booleans as 1/0), else its invariant text compared ignoring case.
    /// </summary>
    private readonly struct Key
    {
        private readonly object? _value;

        private Key(object? value, bool isNumber, decimal number)
        {
            _value = value;
            IsNumber = isNumber;
            Number = number;
        }

        public bool IsNull => _value is null;

        public bool IsNumber { get; }

        public decimal Number { get; }

        public string Text => _value as string ?? Convert.ToString(_value, CultureInfo.InvariantCulture)!;

        public static Key Of(object? value)
        {
            switch (value)
            {
                case null:
                    return default;
                case bool b:
                    return new Key(b ? 1L : 0L, true, b ? 1 : 0);
                case long l:
                    return new Key(l, true, l);
            }

            var text = Convert.ToString(value, CultureInfo.InvariantCulture)!;
            return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? new Key(text, true, d) : new Key(text, false, 0);
        }

        public static int Compare(Key a, Key b)
        {
            if (a.IsNull || b.IsNull)
            {
                return a.IsNull ? (b.IsNull ? 0 : -1) : 1;
            }

            return a.IsNumber && b.IsNumber ? a.Number.CompareTo(b.Number) : string.Compare(a.Text, b.Text, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// The values <see cref="Equal"/> to any of a list: numbers by value, other text ignoring case (a number's text and a
    /// non-number's text never compare equal ignoring case, so the two sets are disjoint as the comparison is).
    /// </summary>
    private sealed class KeySet
    {
        private readonly HashSet<decimal> _numbers = [];
        private readonly HashSet<string> _texts = new(StringComparer.OrdinalIgnoreCase);

        public KeySet(List<object?> values)
        {
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                var key = Key.Of(value);
                if (key.IsNumber)
                {
                    _numbers.Add(key.Number);
                }
                else
                {
                    _texts.Add(key.Text);
                }
            }
        }

        public bool Contains(object? value)
        {
            if (value is null)
            {
                return false;
            }

            var key = Key.Of(value);
            return key.IsNumber ? _numbers.Contains(key.Number) : _texts.Contains(key.Text);
        }
    }
}
