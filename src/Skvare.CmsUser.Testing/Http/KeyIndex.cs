namespace Skvare.CmsUser.Testing.Http;

/// <summary>
/// Record ids by a key (a login, an email…) under the comparer the real server's database uses, so a fake answers
/// "who has this name" without reading every record. Several records may share a key (seeded duplicates, or a
/// server that does not refuse them); <see cref="First"/> gives the lowest id, as a scan in id order would.
/// Not thread-safe: the fakes call it under their own lock.
/// </summary>
internal sealed class KeyIndex(IEqualityComparer<string> comparer)
{
    private readonly Dictionary<string, SortedSet<long>> _ids = new(comparer);

    /// <summary>Files <paramref name="id"/> under <paramref name="key"/> (null keys are not filed).</summary>
    public void Add(string? key, long id)
    {
        if (key is null)
        {
            return;
        }

        if (!_ids.TryGetValue(key, out var ids))
        {
            ids = [];
            _ids[key] = ids;
        }

        ids.Add(id);
    }

    /// <summary>Unfiles <paramref name="id"/> from <paramref name="key"/>.</summary>
    public void Remove(string? key, long id)
    {
        if (key is not null && _ids.TryGetValue(key, out var ids) && ids.Remove(id) && ids.Count == 0)
        {
            _ids.Remove(key);
        }
    }

    /// <summary>The lowest id filed under <paramref name="key"/>, or <see langword="null"/>.</summary>
    public long? First(string? key) => key is not null && _ids.TryGetValue(key, out var ids) ? ids.Min : null;

    /// <summary>The ids filed under <paramref name="key"/>, lowest first.</summary>
    public IEnumerable<long> All(string? key) => key is not null && _ids.TryGetValue(key, out var ids) ? ids : [];

    /// <summary>Whether a record other than <paramref name="except"/> is filed under <paramref name="key"/>.</summary>
    public bool AnyOther(string? key, long except) => All(key).Any(id => id != except);
}
