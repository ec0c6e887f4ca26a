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
