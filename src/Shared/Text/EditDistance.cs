namespace Skvare.CmsUser.Shared;

/// <summary>Case-insensitive edit distance, for "did you mean …?" suggestions on mistyped names.</summary>
internal static class EditDistance
{
    /// <summary>The Levenshtein distance between two texts, ignoring case (invariant culture).</summary>
    /// <param name="a">One text.</param>
    /// <param name="b">The other text.</param>
    /// <returns>The fewest single-character insertions, deletions and substitutions that turn one into the other.</returns>
    public static int Between(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    /// <summary>The candidates nearest to <paramref name="value"/>, all at the same smallest distance, when that is within <paramref name="maxDistance"/>; else none.</summary>
    /// <param name="value">The mistyped name.</param>
    /// <param name="candidates">The valid names, in the order to list them.</param>
    /// <param name="maxDistance">The largest distance still suggested.</param>
    /// <returns>The suggestions in the candidates' order (several when they are equally near), or an empty list.</returns>
    public static IReadOnlyList<string> Nearest(string value, IEnumerable<string> candidates, int maxDistance)
    {
        var scored = candidates.Select(c => (Name: c, Distance: Between(c, value))).Where(c => c.Distance <= maxDistance).ToList();
        return scored.Count == 0 ? [] : scored.Where(c => c.Distance == scored.Min(s => s.Distance)).Select(c => c.Name).ToList();
    }
}
