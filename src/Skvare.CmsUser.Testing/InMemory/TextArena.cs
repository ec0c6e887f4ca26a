namespace Skvare.CmsUser.Testing.InMemory;

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
