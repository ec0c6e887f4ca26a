using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// The JSON escaping of what people read as JSON (the CLI's <c>--json</c> output, the webhook's answers): names stay
/// readable (O'Brien, Zoë, 李小龙, 😀 are written as they are) while everything that could hide text, move the cursor or
/// break a line is escaped as <c>\uXXXX</c>. The output goes to a terminal, a pipe or an <c>application/json</c> body,
/// never into HTML, so <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, <c>'</c> and <c>+</c> need no escaping (the inbox <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> agrees there, but
/// escapes every emoji and leaves bidi overrides and zero-width characters bare).
/// </summary>
/// <remarks>
/// Escaped: <c>"</c> and <c>\</c>, control characters (C0, DEL, C1), format characters (bidi controls, zero-width
/// characters, the byte order mark, the soft hyphen, tags), line and paragraph separators, surrogate and private-use
/// code points, unassigned code points and noncharacters. A lone surrogate cannot be carried by UTF-8 and is written
/// as U+FFFD, as System.Text.Json does with any encoder.
/// </remarks>
internal sealed class ReadableJsonEncoder : JavaScriptEncoder
{
    /// <summary>The one instance (the encoder holds no state).</summary>
    public static readonly ReadableJsonEncoder Instance = new();

    private ReadableJsonEncoder()
    {
    }

    /// <inheritdoc/>
    public override int MaxOutputCharactersPerInputCharacter => 12; // a supplementary code point as two \uXXXX

    /// <inheritdoc/>
    public override bool WillEncode(int unicodeScalar)
    {
        if (unicodeScalar is < 0x20 or '"' or '\\' or (>= 0x7F and <= 0x9F) or < 0 or > 0x10FFFF)
        {
            return true;
        }

        if (unicodeScalar < 0x7F)
        {
            return false;
        }

        return CharUnicodeInfo.GetUnicodeCategory(unicodeScalar) is UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Control;
    }

    /// <inheritdoc/>
    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (var i = 0; i < span.Length;)
        {
            if (Rune.DecodeFromUtf16(span[i..], out var rune, out var consumed) != OperationStatus.Done || WillEncode(rune.Value))
            {
                return i;
            }

            i += consumed;
        }

        return -1;
    }

    /// <inheritdoc/>
    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        if (!WillEncode(unicodeScalar))
        {
            if (!Rune.TryCreate(unicodeScalar, out var rune) || !rune.TryEncodeToUtf16(destination, out numberOfCharactersWritten))
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            return true;
        }

        if (ShortEscape(unicodeScalar) is char letter)
        {
            if (bufferLength < 2)
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            destination[0] = '\\';
            destination[1] = letter;
            numberOfCharactersWritten = 2;
            return true;
        }

        Span<char> units = stackalloc char[2];
        var count = Rune.TryCreate(unicodeScalar, out var scalar) ? scalar.EncodeToUtf16(units) : 0;
        if (count == 0)
        {
            units[0] = '\uFFFD';
            count = 1;
        }

        if (bufferLength < 6 * count)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            Escape(units[i], destination.Slice(6 * i, 6));
        }

        numberOfCharactersWritten = 6 * count;
        return true;
    }

    /// <summary>The letter of JSON's two-character escape for <paramref name="unicodeScalar"/>, if it has one.</summary>
    private static char? ShortEscape(int unicodeScalar) => unicodeScalar switch
    {
        '"' => '"',
        '\\' => '\\',
        '\n' => 'n',
        '\r' => 'r',
        '\t' => 't',
        '\b' => 'b',
        '\f' => 'f',
        _ => null,
    };

    private static void Escape(char unit, Span<char> destination)
    {
        destination[0] = '\\';
        destination[1] = 'u';
        ((int)unit).TryFormat(destination[2..], out _, "X4", CultureInfo.InvariantCulture);
    }
}
