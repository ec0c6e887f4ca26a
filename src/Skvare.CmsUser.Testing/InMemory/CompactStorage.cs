namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// Append-only rows addressed by an int index, stored in fixed chunks of 1,024 so growing never copies what is
/// stored and no chunk of small rows reaches the large object heap. Not thread-safe (the owners lock).
/// </summary>
/// <typeparam name="T">The row type, usually a small struct.</typeparam>
internal sealed class ChunkedRows<T>
{
    private const int Shift = 10;
    private const int ChunkSize = 1 << Shift;
    private const int Mask = ChunkSize - 1;
    private T[][] _chunks = [];

    /// <summary>How many rows are stored.</summary>
    public int Count { get; private set; }

    /// <summary>The row at <paramref name="index"/>, by reference so a struct row is updated in place.</summary>
    public ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return ref _chunks[index >> Shift][index & Mask];
        }
    }

    /// <summary>Appends a row; returns its index.</summary>
    public int Add(in T row)
    {
        var index = Count;
        var chunk = index >> Shift;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        }

        (_chunks[chunk] ??= new T[ChunkSize])[index & Mask] = row;
        Count = index + 1;
        return index;
    }
}

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

/// <summary>
/// A small value per contact id (group status, tag membership, the newest link or activity of a contact), in
/// pages of 4,096 ids created on first use, so a group of 100,000 contacts costs about 100 KB instead of a
/// dictionary entry per member, and any id (even one no contact has) can be used. Not thread-safe.
/// </summary>
/// <typeparam name="T">The value type; its default means "not set".</typeparam>
internal sealed class IdMap<T>
    where T : struct
{
    private const int Shift = 12;
    private const int Mask = (1 << Shift) - 1;
    private readonly Dictionary<long, T[]> _pages = [];

    /// <summary>The value of <paramref name="id"/> (default when never set).</summary>
    public T this[long id]
    {
        get => _pages.TryGetValue(id >> Shift, out var page) ? page[id & Mask] : default;
        set
        {
            if (!_pages.TryGetValue(id >> Shift, out var page))
            {
                if (EqualityComparer<T>.Default.Equals(value, default))
                {
                    return;
                }

                page = new T[1 << Shift];
                _pages[id >> Shift] = page;
            }

            page[id & Mask] = value;
        }
    }
}

/// <summary>
/// Short texts kept at one byte per character (when every character is Latin-1, as audit subjects are) in
/// pages of 64 KB, so a stored subject costs its length instead of a string object. A text is addressed by a
/// handle (page, offset, length); a text that does not fit is kept by the caller as a string. Not thread-safe.
/// </summary>
internal sealed class TextArena
{
    /// <summary>The longest text kept here.</summary>
    public const int MaxLength = 4096;

    private const int PageSize = 1 << 16;
    private readonly List<byte[]> _pages = [];
    private int _used = PageSize;

    /// <summary>Whether <paramref name="text"/> can be kept here.</summary>
    public static bool Fits(string text)
    {
        if (text.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c > '\u00FF')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Keeps <paramref name="text"/> (which <see cref="Fits"/>); returns its handle.</summary>
    public long Add(string text)
    {
        if (_pages.Count == 0 || _used + text.Length > PageSize)
        {
            _pages.Add(new byte[PageSize]);
            _used = 0;
        }

        var handle = Handle(_pages.Count - 1, _used, text.Length);
        Write(handle, text);
        _used += text.Length;
        return handle;
    }

    /// <summary>
    /// Keeps <paramref name="text"/> (which <see cref="Fits"/>) in place of the text at <paramref name="handle"/>
    /// when it is not longer, else anew; returns its handle.
    /// </summary>
    public long Replace(long handle, string text)
    {
        if (text.Length > Length(handle))
        {
            return Add(text);
        }

        handle = Handle((int)(handle >> 32), (int)(handle >> 16) & 0xFFFF, text.Length);
        Write(handle, text);
        return handle;
    }

    /// <summary>The text at <paramref name="handle"/>.</summary>
    public string this[long handle] =>
        System.Text.Encoding.Latin1.GetString(_pages[(int)(handle >> 32)], (int)(handle >> 16) & 0xFFFF, Length(handle));

    private static long Handle(int page, int offset, int length) => ((long)page << 32) | ((long)offset << 16) | (uint)length;

    private static int Length(long handle) => (int)(handle & 0xFFFF);

    private void Write(long handle, string text) =>
        System.Text.Encoding.Latin1.GetBytes(text, 0, text.Length, _pages[(int)(handle >> 32)], (int)(handle >> 16) & 0xFFFF);
}
