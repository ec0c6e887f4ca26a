using System.Text;
using System.Text.Unicode;

namespace Skvare.CmsUser.Testing.InMemory;

/// <summary>
/// Short texts kept as UTF-8 in pages of 64 KB, each behind a one- or two-byte length, so a stored name, email or
/// subject costs its UTF-8 length plus a byte or two instead of a string object (about 22 bytes plus two per
/// character). A text is addressed by an int handle: 0 is <see langword="null"/>, a positive handle is page and
/// offset in the pages, a negative one a text kept as a string (longer than <see cref="MaxLength"/>, or not valid
/// UTF-16, such as a lone surrogate, which UTF-8 cannot carry). Texts are read back exactly as given. Not
/// thread-safe (the owners lock).
/// </summary>
/// <remarks>
/// A handle may be shared by several records (a link's name and its contact's email): only its owner may
/// <see cref="Replace"/> it, and only when it is not shared.
/// </remarks>
internal sealed class TextArena
{
    /// <summary>The longest text, in UTF-16 characters, kept as UTF-8 (its UTF-8 length stays below 16,384).</summary>
    public const int MaxLength = 4096;

    private const int PageShift = 16;
    private const int PageSize = 1 << PageShift;
    private const int MaxPages = 1 << 15;
    private const int StackChars = 256;
    private readonly List<byte[]> _pages = [];
    private readonly List<string> _strings = [];
    private int _used = PageSize;

    /// <summary>Keeps <paramref name="text"/>; returns its handle (0 for <see langword="null"/>).</summary>
    public int Add(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        if (text.Length <= MaxLength)
        {
            var length = Encoding.UTF8.GetByteCount(text);
            var prefix = length < 0x80 ? 1 : 2;
            if (_used + prefix + length > PageSize && _pages.Count < MaxPages)
            {
                _pages.Add(new byte[PageSize]);

                // Offset 0 of page 0 would be handle 0, which is null.
                _used = _pages.Count == 1 ? 1 : 0;
            }

            if (_used + prefix + length <= PageSize)
            {
                var handle = ((_pages.Count - 1) << PageShift) | _used;
                if (TryWrite(handle, prefix, text))
                {
                    _used += prefix + length;
                    return handle;
                }
            }
        }

        _strings.Add(text);
        return -_strings.Count;
    }

    /// <summary>
    /// Keeps <paramref name="text"/> in place of the text at <paramref name="handle"/> (which only the caller uses)
    /// when it fits there, else anew; returns the handle of the text.
    /// </summary>
    public int Replace(int handle, string? text)
    {
        if (handle > 0 && text is { Length: <= MaxLength })
        {
            var (_, _, length, prefix) = Locate(handle);
            if (Encoding.UTF8.GetByteCount(text) <= length && TryWrite(handle, prefix, text))
            {
                return handle;
            }
        }
        else if (handle < 0 && text is not null)
        {
            _strings[-handle - 1] = text;
            return handle;
        }

        return Add(text);
    }

    /// <summary>The text at <paramref name="handle"/>.</summary>
    public string? this[int handle]
    {
        get
        {
            if (handle <= 0)
            {
                return handle == 0 ? null : _strings[-handle - 1];
            }

            var bytes = Bytes(handle);
            return bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
        }
    }

    /// <summary>Whether the text at <paramref name="handle"/> equals <paramref name="text"/> under <paramref name="comparison"/> (an ordinal one).</summary>
    public bool Equals(int handle, string? text, StringComparison comparison)
    {
        if (handle <= 0 || text is null)
        {
            return handle == 0 ? text is null : handle < 0 && string.Equals(_strings[-handle - 1], text, comparison);
        }

        var bytes = Bytes(handle);
        if (comparison == StringComparison.Ordinal && bytes.Length < text.Length)
        {
            return false;
        }

        char[]? rented = null;
        var chars = bytes.Length <= StackChars ? stackalloc char[StackChars] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(bytes.Length));
        var decoded = chars[..Encoding.UTF8.GetChars(bytes, chars)];
        var equal = decoded.Equals(text, comparison);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }

        return equal;
    }

    /// <summary>The hash code of the text at <paramref name="handle"/> under <paramref name="comparison"/>, as <see cref="string.GetHashCode(ReadOnlySpan{char}, StringComparison)"/> gives it for the text.</summary>
    public int HashCode(int handle, StringComparison comparison)
    {
        if (handle <= 0)
        {
            return string.GetHashCode(handle == 0 ? default : _strings[-handle - 1].AsSpan(), comparison);
        }

        var bytes = Bytes(handle);
        char[]? rented = null;
        var chars = bytes.Length <= StackChars ? stackalloc char[StackChars] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(bytes.Length));
        var hash = string.GetHashCode(chars[..Encoding.UTF8.GetChars(bytes, chars)], comparison);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }

        return hash;
    }

    private ReadOnlySpan<byte> Bytes(int handle)
    {
        var (page, offset, length, prefix) = Locate(handle);
        return _pages[page].AsSpan(offset + prefix, length);
    }

    private (int Page, int Offset, int Length, int Prefix) Locate(int handle)
    {
        var page = handle >> PageShift;
        var offset = handle & (PageSize - 1);
        var first = _pages[page][offset];
        return first < 0x80 ? (page, offset, first, 1) : (page, offset, (first & 0x7F) | (_pages[page][offset + 1] << 7), 2);
    }

    // Writes the length (in `prefix` bytes, so a replacement keeps the prefix it found) and the UTF-8 bytes; false
    // when the text is not valid UTF-16.
    private bool TryWrite(int handle, int prefix, string text)
    {
        var page = _pages[handle >> PageShift];
        var offset = handle & (PageSize - 1);
        var status = Utf8.FromUtf16(text, page.AsSpan(offset + prefix, PageSize - offset - prefix), out _, out var written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        if (prefix == 1)
        {
            page[offset] = (byte)written;
        }
        else
        {
            page[offset] = (byte)(0x80 | (written & 0x7F));
            page[offset + 1] = (byte)(written >> 7);
        }

        return true;
    }
}
