using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>
/// JSON:API's filter query parameter in its full form, as Drupal's <c>Filter::createFromQueryParameter</c> reads it:
/// <c>filter[ID][condition][path|operator|value|memberOf]</c> and <c>filter[ID][group][conjunction|memberOf]</c>, values
/// as <c>[value]</c> or a list <c>[value][0]</c>, <c>[value][]</c>. Top-level members are ANDed. String comparisons
/// ignore case, as MySQL's collation does.
/// </summary>
internal sealed partial class JsonApiFilter
{
    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "=", "<>", "STARTS_WITH", "CONTAINS", "ENDS_WITH", "IN", "NOT IN",
    };

    private readonly Dictionary<string, Condition> _conditions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <summary>The field paths the conditions name.</summary>
    public IReadOnlyCollection<string> Paths => [.. _conditions.Values.Select(c => c.Path).Distinct(StringComparer.Ordinal)];

    /// <summary>Reads the filter keys of a query; <see langword="null"/> with a JSON:API error detail when malformed.</summary>
    public static JsonApiFilter? Parse(IReadOnlyDictionary<string, string> query, out string? error)
    {
        var filter = new JsonApiFilter();
        error = null;
        foreach (var (key, value) in query)
        {
            var match = Key().Match(key);
            if (!match.Success)
            {
                continue;
            }

            var id = match.Groups["id"].Value;
            if (match.Groups["kind"].Value == "group")
            {
                var group = filter._groups.TryGetValue(id, out var g) ? g : filter._groups[id] = new Group();
                switch (match.Groups["member"].Value)
                {
                    case "conjunction": group.Conjunction = value.ToUpperInvariant(); break;
                    case "memberOf": group.MemberOf = value; break;
                }

                continue;
            }

            var condition = filter._conditions.TryGetValue(id, out var c) ? c : filter._conditions[id] = new Condition();
            switch (match.Groups["member"].Value)
            {
                case "path": condition.Path = value; break;
                case "operator": condition.Operator = value.ToUpperInvariant(); break;
                case "memberOf": condition.MemberOf = value; break;
                case "value" when match.Groups["index"].Success: condition.Values.Add(value); break;
                case "value": condition.Value = value; break;
            }
        }

        foreach (var condition in filter._conditions.Values)
        {
            if (string.IsNullOrEmpty(condition.Path))
            {
                error = "Filter parameter is missing a 'path' key.";
                return null;
            }

            if (!Operators.Contains(condition.Operator))
            {
                error = $"The '{condition.Operator}' operator is not allowed in a filter parameter.";
                return null;
            }

            if (condition.Operator is "IN" or "NOT IN" && condition.Values.Count == 0)
            {
                error = $"The '{condition.Operator}' operator needs a list of values.";
                return null;
            }
        }

        if (filter._groups.Values.FirstOrDefault(g => g.Conjunction is not ("AND" or "OR")) is { } bad)
        {
            error = $"The conjunction '{bad.Conjunction}' is not allowed; use AND or OR.";
            return null;
        }

        return filter;
    }

    /// <summary>Whether a user whose field values <paramref name="field"/> gives matches the whole filter.</summary>
    public bool Matches(Func<string, string?> field) => Evaluate(null, "AND", field);

    private bool Evaluate(string? group, string conjunction, Func<string, string?> field)
    {
        var results = _conditions.Values.Where(c => c.MemberOf == group).Select(c => c.Matches(field(c.Path)))
            .Concat(_groups.Where(g => g.Value.MemberOf == group).Select(g => Evaluate(g.Key, g.Value.Conjunction, field)));
        return conjunction == "OR" ? results.Any(r => r) : results.All(r => r);
    }

    [GeneratedRegex(@"^filter\[(?<id>[^\]]+)\]\[(?<kind>condition|group)\]\[(?<member>[A-Za-z]+)\](?<index>\[[^\]]*\])?$")]
    private static partial Regex Key();

    private sealed class Group
    {
        public string Conjunction { get; set; } = "AND";

        public string? MemberOf { get; set; }
    }

    private sealed class Condition
    {
        public string Path { get; set; } = string.Empty;

        public string Operator { get; set; } = "=";

        public string? Value { get; set; }

        public List<string> Values { get; } = [];

        public string? MemberOf { get; set; }

        public bool Matches(string? actual)
        {
            var value = Value ?? Values.FirstOrDefault() ?? string.Empty;
            actual ??= string.Empty;
            return Operator switch
            {
                "=" => string.Equals(actual, value, StringComparison.OrdinalIgnoreCase),
                "<>" => !string.Equals(actual, value, StringComparison.OrdinalIgnoreCase),
                "STARTS_WITH" => actual.StartsWith(value, StringComparison.OrdinalIgnoreCase),
                "CONTAINS" => actual.Contains(value, StringComparison.OrdinalIgnoreCase),
                "ENDS_WITH" => actual.EndsWith(value, StringComparison.OrdinalIgnoreCase),
                "IN" => Values.Contains(actual, StringComparer.OrdinalIgnoreCase),
                _ => !Values.Contains(actual, StringComparer.OrdinalIgnoreCase),
            };
        }
    }
}
