using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// The parameters of one API v4 call (<c>select</c>, <c>where</c>, <c>join</c>, <c>orderBy</c>,
/// <c>limit</c>, <c>values</c>, <c>records</c>, <c>match</c>, <c>chain</c>, …), built in C# and
/// written as the JSON CiviCRM reads from the <c>params</c> form field.
/// </summary>
public sealed class Api4Params
{
    /// <summary>Fields to return; <c>row_count</c> counts; pseudoconstant suffixes (<c>status_id:name</c>) and aggregates (<c>COUNT(id) AS n</c>) allowed.</summary>
    public IList<string> Select { get; } = [];

    /// <summary>Conditions, ANDed at the top level.</summary>
    public IList<Api4Condition> Where { get; } = [];

    /// <summary>Explicit joins.</summary>
    public IList<Api4Join> Join { get; } = [];

    /// <summary>Sort, in insertion order: field → <c>ASC</c> or <c>DESC</c>.</summary>
    public IList<KeyValuePair<string, string>> OrderBy { get; } = [];

    /// <summary>Group-by fields.</summary>
    public IList<string> GroupBy { get; } = [];

    /// <summary>Most rows to return. Always set one for reads: CiviCRM's default is unlimited.</summary>
    public int? Limit { get; set; }

    /// <summary>Rows to skip (prefer keyset paging).</summary>
    public int? Offset { get; set; }

    /// <summary>Values for <c>create</c> and <c>update</c>.</summary>
    public IDictionary<string, object?> Values { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Records for <c>save</c>.</summary>
    public IList<IDictionary<string, object?>> Records { get; } = [];

    /// <summary>Defaults merged into each record of <c>save</c>.</summary>
    public IDictionary<string, object?> Defaults { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Fields that identify an existing row for <c>save</c> (an upsert).</summary>
    public IList<string> Match { get; } = [];

    /// <summary>Calls run once per result row.</summary>
    public IDictionary<string, Api4Chain> Chain { get; } = new Dictionary<string, Api4Chain>(StringComparer.Ordinal);

    /// <summary>Joins given as raw API v4 JSON (e.g. copied from a saved search's <c>api_params</c>).</summary>
    internal IList<JsonElement> RawJoins { get; } = [];

    /// <summary>Any other top-level parameter (e.g. <c>currentDomain</c>, <c>timeout</c>).</summary>
    public IDictionary<string, object?> Extra { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Adds conditions (fluent).</summary>
    /// <param name="conditions">The conditions.</param>
    public Api4Params WithWhere(params Api4Condition[] conditions)
    {
        foreach (var c in conditions)
        {
            Where.Add(c);
        }

        return this;
    }

    /// <summary>Adds select fields (fluent).</summary>
    /// <param name="fields">The fields.</param>
    public Api4Params WithSelect(params string[] fields)
    {
        foreach (var f in fields)
        {
            Select.Add(f);
        }

        return this;
    }

    /// <summary>
    /// A copy that can be changed without touching this one: every list and map is copied, each record and each
    /// chained call's parameters too (conditions and joins are immutable records and are shared).
    /// </summary>
    internal Api4Params Clone()
    {
        var copy = new Api4Params { Limit = Limit, Offset = Offset };
        Append(copy.Select, Select);
        Append(copy.Where, Where);
        Append(copy.Join, Join);
        Append(copy.OrderBy, OrderBy);
        Append(copy.GroupBy, GroupBy);
        Append(copy.Match, Match);
        Append(copy.RawJoins, RawJoins);
        Append(copy.Values, Values);
        Append(copy.Defaults, Defaults);
        Append(copy.Extra, Extra);
        foreach (var record in Records)
        {
            copy.Records.Add(new Dictionary<string, object?>(record, StringComparer.Ordinal));
        }

        foreach (var (name, chain) in Chain)
        {
            copy.Chain[name] = chain with { Params = chain.Params.Clone() };
        }

        return copy;

        static void Append<T>(ICollection<T> target, IEnumerable<T> source)
        {
            foreach (var item in source)
            {
                target.Add(item);
            }
        }
    }

    /// <summary>The JSON CiviCRM reads from the <c>params</c> field.</summary>
    public string ToJson()
    {
        // One buffer per thread, reused: a page's write-back is tens of kilobytes of JSON, which a new buffer reaches by
        // doubling (every size on the way allocated). A buffer that grew past MaxKeptBuffer is not kept.
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(4096);
        t_buffer = null;
        try
        {
            // Relaxed escaping: quotes in join literals and non-ASCII names travel as they are (the body is form-encoded, never HTML).
            using (var writer = new Utf8JsonWriter(buffer, RelaxedWriting))
            {
                Write(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity <= MaxKeptBuffer)
            {
                buffer.ResetWrittenCount();
                t_buffer = buffer;
            }
        }
    }

    private const int MaxKeptBuffer = 128 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private static readonly JsonWriterOptions RelaxedWriting = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public override string ToString() => ToJson();

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        if (Select.Count > 0)
        {
            w.WritePropertyName("select");
            WriteValue(w, Select);
        }

        if (Join.Count > 0 || RawJoins.Count > 0)
        {
            w.WriteStartArray("join");
            foreach (var raw in RawJoins)
            {
                raw.WriteTo(w);
            }

            foreach (var join in Join)
            {
                join.Write(w);
            }

            w.WriteEndArray();
        }

        if (Where.Count > 0)
        {
            w.WriteStartArray("where");
            foreach (var condition in Where)
            {
                condition.Write(w);
            }

            w.WriteEndArray();
        }

        if (GroupBy.Count > 0)
        {
            w.WritePropertyName("groupBy");
            WriteValue(w, GroupBy);
        }

        if (OrderBy.Count > 0)
        {
            w.WriteStartObject("orderBy");
            foreach (var (field, direction) in OrderBy)
            {
                w.WriteString(field, direction);
            }

            w.WriteEndObject();
        }

        if (Limit is int limit)
        {
            w.WriteNumber("limit", limit);
        }

        if (Offset is int offset)
        {
            w.WriteNumber("offset", offset);
        }

        if (Values.Count > 0)
        {
            w.WritePropertyName("values");
            WriteValue(w, Values);
        }

        if (Records.Count > 0)
        {
            w.WriteStartArray("records");
            foreach (var record in Records)
            {
                WriteValue(w, record);
            }

            w.WriteEndArray();
        }

        if (Defaults.Count > 0)
        {
            w.WritePropertyName("defaults");
            WriteValue(w, Defaults);
        }

        if (Match.Count > 0)
        {
            w.WritePropertyName("match");
            WriteValue(w, Match);
        }

        if (Chain.Count > 0)
        {
            w.WriteStartObject("chain");
            foreach (var (name, chain) in Chain)
            {
                w.WriteStartArray(name);
                w.WriteStringValue(chain.Entity);
                w.WriteStringValue(chain.Action);
                chain.Params.Write(w);
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        foreach (var (name, value) in Extra)
        {
            w.WritePropertyName(name);
            WriteValue(w, value);
        }

        w.WriteEndObject();
    }

    internal static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case decimal m:
                w.WriteNumberValue(m);
                break;
            case DateTimeOffset dto:
                w.WriteStringValue(dto.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                w.WriteStringValue(dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                break;
            case JsonElement element:
                element.WriteTo(w);
                break;
            case Api4Params nested:
                nested.Write(w);
                break;
            case IDictionary<string, object?> map:
                w.WriteStartObject();
                foreach (var (k, v) in map)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, v);
                }

                w.WriteEndObject();
                break;
            case IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(w, item);
                }

                w.WriteEndArray();
                break;
            case IConvertible convertible:
                w.WriteNumberValue(convertible.ToDecimal(CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentException($"Cannot write a value of type {value.GetType().Name} into API v4 params.", nameof(value));
        }
    }
}

/// <summary>A <c>where</c> (or join <c>ON</c>) condition: a leaf <c>[field, op, value]</c> or a group <c>["OR", [...]]</c>.</summary>
public abstract record Api4Condition
{
    // Made by the factories below only: the kinds of condition are the ones this package can write.
    private protected Api4Condition()
    {
    }

    /// <summary>A leaf condition, e.g. <c>Field("id", "&gt;", 100)</c>. Operators <c>IS NULL</c>, <c>IS NOT NULL</c>, <c>IS EMPTY</c>, <c>IS NOT EMPTY</c> take no value.</summary>
    /// <param name="field">The field.</param>
    /// <param name="op">The operator, upper case.</param>
    /// <param name="value">The value (a literal), or a field name when <paramref name="valueIsExpression"/>.</param>
    /// <param name="valueIsExpression">Whether the value is an expression (a field name), CiviCRM's 4th element.</param>
    public static Api4Condition Field(string field, string op, object? value = null, bool valueIsExpression = false) =>
        new Api4Leaf(field, op, value, valueIsExpression);

    /// <summary><c>field = value</c>.</summary>
    /// <param name="field">The field.</param>
    /// <param name="value">The value.</param>
    public static Api4Condition Eq(string field, object? value) => new Api4Leaf(field, "=", value, false);

    /// <summary><c>field IN values</c>.</summary>
    /// <param name="field">The field.</param>
    /// <param name="values">The values.</param>
    public static Api4Condition In<T>(string field, IEnumerable<T> values) => new Api4Leaf(field, "IN", values.Cast<object?>().ToArray(), false);

    /// <summary>A condition given as raw API v4 JSON (e.g. copied from a saved search's <c>api_params</c>).</summary>
    /// <param name="json">The condition array.</param>
    internal static Api4Condition Raw(JsonElement json) => new Api4RawCondition(json.Clone());

    /// <summary>Any of the conditions.</summary>
    /// <param name="conditions">The conditions.</param>
    public static Api4Condition Or(params Api4Condition[] conditions) => new Api4Group("OR", conditions);

    /// <summary>All of the conditions.</summary>
    /// <param name="conditions">The conditions.</param>
    public static Api4Condition And(params Api4Condition[] conditions) => new Api4Group("AND", conditions);

    /// <summary>None of the conditions.</summary>
    /// <param name="conditions">The conditions.</param>
    public static Api4Condition Not(params Api4Condition[] conditions) => new Api4Group("NOT", conditions);

    internal abstract void Write(Utf8JsonWriter w);
}

/// <summary>A leaf condition.</summary>
/// <param name="FieldName">The field.</param>
/// <param name="Operator">The operator.</param>
/// <param name="Value">The value.</param>
/// <param name="ValueIsExpression">Whether the value is an expression.</param>
internal sealed record Api4Leaf(string FieldName, string Operator, object? Value, bool ValueIsExpression) : Api4Condition
{
    private static readonly HashSet<string> Unary = new(StringComparer.Ordinal) { "IS NULL", "IS NOT NULL", "IS EMPTY", "IS NOT EMPTY" };

    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        w.WriteStringValue(FieldName);
        w.WriteStringValue(Operator);
        if (!Unary.Contains(Operator))
        {
            Api4Params.WriteValue(w, Value);
            if (ValueIsExpression)
            {
                w.WriteBooleanValue(true);
            }
        }

        w.WriteEndArray();
    }
}

/// <summary>A condition kept as raw JSON.</summary>
/// <param name="Json">The condition array.</param>
internal sealed record Api4RawCondition(JsonElement Json) : Api4Condition
{
    internal override void Write(Utf8JsonWriter w) => Json.WriteTo(w);
}

/// <summary>A group of conditions.</summary>
/// <param name="Conjunction"><c>OR</c>, <c>AND</c> or <c>NOT</c>.</param>
/// <param name="Conditions">The members.</param>
internal sealed record Api4Group(string Conjunction, IReadOnlyList<Api4Condition> Conditions) : Api4Condition
{
    internal override void Write(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        w.WriteStringValue(Conjunction);
        w.WriteStartArray();
        foreach (var c in Conditions)
        {
            c.Write(w);
        }

        w.WriteEndArray();
        w.WriteEndArray();
    }
}

/// <summary>How a join combines rows.</summary>
public enum Api4JoinSide
{
    /// <summary>Keep rows without a match.</summary>
    Left,

    /// <summary>Keep only rows with a match.</summary>
    Inner,

    /// <summary>Keep only rows without a match.</summary>
    Exclude,
}

/// <summary>
/// An explicit join, e.g. <c>["UFMatch AS uf","LEFT",["uf.contact_id","=","id"]]</c>. In <c>On</c>
/// conditions a string value is an expression (a field name); quote literals yourself (<c>"'Removed'"</c>).
/// </summary>
/// <param name="Entity">The joined entity.</param>
/// <param name="Alias">Its alias.</param>
/// <param name="Side">The join side.</param>
/// <param name="On">The join conditions.</param>
public sealed record Api4Join(string Entity, string Alias, Api4JoinSide Side, IReadOnlyList<Api4Condition> On)
{
    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        w.WriteStringValue($"{Entity} AS {Alias}");
        w.WriteStringValue(Side.ToString().ToUpperInvariant());
        foreach (var c in On)
        {
            c.Write(w);
        }

        w.WriteEndArray();
    }
}

/// <summary>A chained call: <c>[entity, action, params]</c>, run once per result row (<c>$id</c> style placeholders allowed).</summary>
/// <param name="Entity">The entity.</param>
/// <param name="Action">The action.</param>
/// <param name="Params">Its parameters.</param>
public sealed record Api4Chain(string Entity, string Action, Api4Params Params);
