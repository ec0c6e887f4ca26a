namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// A hash index from a key to a row of some table: open addressing with linear probing over an int array
/// (the row index + 1, 0 for a free slot); the key is read back from the row, so an entry costs a few bytes
/// instead of a dictionary entry (about 10 bytes at most, 4 to 5 on average, as the table doubles at three quarters
/// full). Entries are never removed (the kit's keys never change). First key wins, as
/// <see cref="Dictionary{TKey, TValue}.TryAdd"/>. Not thread-safe (the owners lock).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
internal sealed class RowIndex<TKey>
    where TKey : notnull
{
    private readonly Func<TKey, int> _hashOfKey;
    private readonly Func<int, int> _hashOfRow;
    private readonly Func<int, TKey, bool> _matches;
    private int[] _slots = new int[16];
    private int _count;

    /// <summary>Creates an index that reads a row's key with <paramref name="keyOf"/>.</summary>
    public RowIndex(Func<int, TKey> keyOf, IEqualityComparer<TKey> comparer)
        : this(comparer.GetHashCode, row => comparer.GetHashCode(keyOf(row)), (row, key) => comparer.Equals(keyOf(row), key))
    {
    }

    /// <summary>
    /// Creates an index over keys the rows do not hold as <typeparamref name="TKey"/> (text kept as UTF-8): the hash
    /// of a key, the hash of a row's key (equal to the key's for equal keys) and whether a row holds a key.
    /// </summary>
    public RowIndex(Func<TKey, int> hashOfKey, Func<int, int> hashOfRow, Func<int, TKey, bool> matches)
    {
        _hashOfKey = hashOfKey;
        _hashOfRow = hashOfRow;
        _matches = matches;
    }

    /// <summary>The row of <paramref name="key"/>, or -1.</summary>
    public int Find(TKey key)
    {
        var mask = _slots.Length - 1;
        for (var i = Home(_hashOfKey(key), mask); _slots[i] is var slot and not 0; i = (i + 1) & mask)
        {
            if (_matches(slot - 1, key))
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
                    Place(_hashOfRow(slot - 1), slot);
                }
            }
        }

        Place(_hashOfKey(key), row + 1);
        _count++;
        return true;
    }

    private void Place(int hash, int slot)
    {
        var mask = _slots.Length - 1;
        var i = Home(hash, mask);
        while (_slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        _slots[i] = slot;
    }

    // Fibonacci hashing spreads sequential ids and weak hash codes over the table.
    private static int Home(int hash, int mask) => (int)(((uint)hash * 0x9E3779B9u) >> 7) & mask;
}
