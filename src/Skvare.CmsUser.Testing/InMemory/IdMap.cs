namespace Skvare.CmsUser.Testing.InMemory;

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
