namespace Skvare.CmsUser.Testing.Http;

/// <summary>
/// Finds the records whose text contains a search term (case-insensitive, like SQL <c>LIKE '%term%'</c> under a
/// case-insensitive collation) without reading every record: each record is filed under the three-letter pieces
/// of its upper-cased text (the mapping ordinal case-insensitive comparison uses), a search reads only the records filed under the term's rarest piece, and the caller
/// checks those candidates with its own predicate. Terms shorter than three letters return every record.
/// Not thread-safe: the fakes call it under their own lock.
/// </summary>
internal sealed class SubstringIndex
{
    private const int Width = 3;
    private readonly Dictionary<string, HashSet<long>> _pieces = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _texts = [];

    /// <summary>Files (or re-files) <paramref name="id"/> under <paramref name="text"/>.</summary>
    public void Set(long id, string text)
    {
        Remove(id);
        var upper = text.ToUpperInvariant();
        _texts[id] = upper;
        foreach (var piece in Pieces(upper))
        {
            if (!_pieces.TryGetValue(piece, out var ids))
            {
                ids = [];
                _pieces[piece] = ids;
            }

            ids.Add(id);
        }
    }

    /// <summary>Forgets <paramref name="id"/>.</summary>
    public void Remove(long id)
    {
        if (!_texts.Remove(id, out var upper))
        {
            return;
        }

        foreach (var piece in Pieces(upper))
        {
            if (_pieces.TryGetValue(piece, out var ids) && ids.Remove(id) && ids.Count == 0)
            {
                _pieces.Remove(piece);
            }
        }
    }

    /// <summary>
    /// The ids that may contain <paramref name="term"/>: a superset of the matches, in no particular order, or
    /// <see langword="null"/> when the term is too short to narrow the search (the caller then reads every record).
    /// </summary>
    public IReadOnlyCollection<long>? Candidates(string term)
    {
        if (term.Length < Width)
        {
            return null;
        }

        HashSet<long>? rarest = null;
        foreach (var piece in Pieces(term.ToUpperInvariant()))
        {
            if (!_pieces.TryGetValue(piece, out var ids))
            {
                return [];
            }

            if (rarest is null || ids.Count < rarest.Count)
            {
                rarest = ids;
            }
        }

        return rarest ?? [];
    }

    private static IEnumerable<string> Pieces(string upper)
    {
        for (var i = 0; i + Width <= upper.Length; i++)
        {
            yield return upper.Substring(i, Width);
        }
    }
}
