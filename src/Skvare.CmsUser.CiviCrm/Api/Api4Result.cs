using System.Text.Json;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>A successful API v4 answer: the rows and the counts.</summary>
public sealed class Api4Result
{
    /// <summary>Creates a result.</summary>
    /// <param name="values">The rows.</param>
    /// <param name="count">CiviCRM's <c>count</c>.</param>
    /// <param name="countMatched">CiviCRM's <c>countMatched</c>, when sent.</param>
    public Api4Result(IReadOnlyList<JsonElement> values, int count, int? countMatched)
    {
        Values = values;
        Count = count;
        CountMatched = countMatched;
    }

    /// <summary>The rows (each a JSON object; dotted keys for joined fields, e.g. <c>uf.uf_id</c>).</summary>
    public IReadOnlyList<JsonElement> Values { get; }

    /// <summary>CiviCRM's <c>count</c> (the total for <c>row_count</c> selects; do not use it as the page size).</summary>
    public int Count { get; }

    /// <summary>CiviCRM's <c>countMatched</c>: rows matched by a <c>row_count</c> select or updated by <c>save</c>.</summary>
    public int? CountMatched { get; }
}
