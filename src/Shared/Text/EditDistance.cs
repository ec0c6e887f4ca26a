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

    /// <summary>
    /// The one wording of a value that is none of the allowed names, for the caller to put after what it is
    /// (<c>CmsUser:Cms is 'Wordpres', which </c>): <c>is not one of WordPress, Drupal, Joomla; did you mean WordPress?</c>,
    /// or <c>is not one of WordPress, Drupal, Joomla.</c> when no name is within <paramref name="maxDistance"/> edits.
    /// </summary>
    /// <param name="value">The value that matched nothing.</param>
    /// <param name="allowed">The valid names, in the order to list them.</param>
    /// <param name="maxDistance">The largest distance still suggested.</param>
    /// <returns>The message part, ending with a question mark or a full stop.</returns>
    public static string NotOneOf(string value, IReadOnlyCollection<string> allowed, int maxDistance = 2)
    {
        var suggestion = DidYouMean(value, allowed, maxDistance);
        return $"is not one of {string.Join(", ", allowed)}{(suggestion.Length == 0 ? "." : "; " + suggestion)}";
    }

    /// <summary>
    /// <c>did you mean WordPress?</c> (<c>did you mean A or B?</c> when equally near) for the allowed names within
    /// <paramref name="maxDistance"/> edits of <paramref name="value"/> (trimmed, case ignored), or an empty string when
    /// none is near: the suggestion of <see cref="NotOneOf"/>, for a message that does not list every name.
    /// </summary>
    /// <param name="value">The value that matched nothing.</param>
    /// <param name="allowed">The valid names, in the order to list them.</param>
    /// <param name="maxDistance">The largest distance still suggested.</param>
    /// <param name="show">How a suggested name is written (<c>'cmsuser failures'</c>); as it is by default.</param>
    /// <returns>The suggestion, or an empty string.</returns>
    public static string DidYouMean(string value, IEnumerable<string> allowed, int maxDistance = 2, Func<string, string>? show = null) =>
        Suggest(Nearest(value.Trim(), allowed, maxDistance), show);

    /// <summary><c>did you mean A or B?</c> for names the caller already chose (e.g. by prefix), or an empty string for none.</summary>
    /// <param name="near">The names to suggest, in order.</param>
    /// <param name="show">How a suggested name is written; as it is by default.</param>
    /// <returns>The suggestion, or an empty string.</returns>
    public static string Suggest(IEnumerable<string> near, Func<string, string>? show = null)
    {
        var names = near.Select(show ?? (n => n)).ToList();
        return names.Count == 0 ? "" : $"did you mean {string.Join(" or ", names)}?";
    }

    /// <summary>A suggestion that starts a sentence of its own: <c>Did you mean …?</c> (empty stays empty).</summary>
    /// <param name="suggestion">What <see cref="DidYouMean"/> or <see cref="Suggest"/> returned.</param>
    /// <returns>The suggestion with a capital first letter.</returns>
    public static string Sentence(string suggestion) =>
        suggestion.Length == 0 ? "" : char.ToUpperInvariant(suggestion[0]) + suggestion[1..];
}
