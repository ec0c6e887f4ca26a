namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// A hash index from a key to a row of some table: open addressing with linear probing over an int array
/// (the row index + 1, 0 for a free slot); the key is read back from the row, so an entry costs a few bytes
/// instead of a dictionary entry. Entries are never removed (the kit's keys never change). First key wins,
/// as <see cref="Dictionary{TKey, TValue}.TryAdd"/>. Not thread-safe (the owners lock).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
internal sealed class RowIndex<TKey>
    where TKey : notnull
{
    private readonly Func<int, TKey> _keyOf;
    private readonly IEqualityComparer<TKey> _comparer;
    private int[] _slots = new int[16];
    private int _count;

    /// <summary>Creates an index that reads a row's key with <paramref name="keyOf"/>.</summary>
    public RowIndex(Func<int, TKey> keyOf, IEqualityComparer<TKey> comparer)
    {
        _keyOf = keyOf;
        _comparer = comparer;
    }

    /// <summary>The row of <paramref name="key"/>, or -1.</summary>
    public int Find(TKey key)
    {
        var mask = _slots.Length - 1;
        for (var i = Home(key, mask); _slots[i] is var slot and not 0; i = (i + 1) & mask)
        {
            if (_comparer.Equals(_keyOf(slot - 1), key))
            {
                return slot - 1;
            }
        }

        return -1;
    }

    /// <summary>Indexes <paramref name="row"/> under <paramref name="key"/> unless the key is indexed already.</summary>
    public bool TryAdd(TKey key, int row)
    {
        if (Find(key) >= 0)
        {
            return false;
        }

        if ((_count + 1) * 4 > _slots.Length * 3)
        {
            var old = _slots;
            _slots = new int[old.Length * 2];
            foreach (var slot in old)
            {
                if (slot != 0)
                {
                    Place(_keyOf(slot - 1), slot);
                }
            }
        }

        Place(key, row + 1);
        _count++;
        return true;
    }

    private void Place(TKey key, int slot)
    {
        var mask = _slots.Length - 1;
        var i = Home(key, mask);
        while (_slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        _slots[i] = slot;
    }

    // Fibonacci hashing spreads sequential ids and weak hash codes over the table.
    private int Home(TKey key, int mask) => (int)(((uint)_comparer.GetHashCode(key) * 0x9E3779B9u) >> 7) & mask;
}
