using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// Text measured and shortened in terminal columns: East Asian Wide and Fullwidth characters take two columns, combining
/// marks and format characters none, everything else one. Text is only ever cut between grapheme clusters (what a reader
/// sees as one character: a letter with its accents, an emoji with its modifiers and joiners, a flag), so no surrogate pair
/// or combining sequence is split. Where terminals disagree (emoji sequences, flags) a cluster is counted as wide as its
/// parts could be drawn: a line measured here may end short of the edge, but never wraps.
/// </summary>
internal static class TerminalText
{
    /// <summary>What stands for the part of a text left out.</summary>
    public const string Ellipsis = "…";

    /// <summary>The text on one line, safe for a terminal: <see cref="Output.Safe"/>, line breaks shown as escapes too, lone surrogates as U+FFFD.</summary>
    public static string OneLine(string text)
    {
        var safe = Output.Safe(text);
        if (!safe.Contains('\n', StringComparison.Ordinal) && !HasLoneSurrogate(safe))
        {
            return safe;
        }

        var line = new StringBuilder(safe.Length + 8);
        for (var i = 0; i < safe.Length; i++)
        {
            var c = safe[i];
            if (c is '\r' or '\n')
            {
                line.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else if (char.IsHighSurrogate(c) && i + 1 < safe.Length && char.IsLowSurrogate(safe[i + 1]))
            {
                line.Append(c).Append(safe[++i]);
            }
            else
            {
                line.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return line.ToString();
    }

    /// <summary>The columns <paramref name="text"/> takes on a terminal.</summary>
    public static int Columns(string text)
    {
        var columns = 0;
        for (var i = 0; i < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text, i);
            columns += ClusterColumns(text.AsSpan(i, length));
            i += length;
        }

        return columns;
    }

    /// <summary>
    /// <paramref name="text"/> in at most <paramref name="columns"/> columns: whole when it fits, else its start and end
    /// around <see cref="Ellipsis"/> (the end of a rule's name, "(deprovision)", tells passes apart as much as its start).
    /// </summary>
    public static string Elide(string text, int columns)
    {
        var clusters = Clusters(text);
        if (clusters.Sum(c => c.Columns) <= columns)
        {
            return text;
        }

        if (columns < 1)
        {
            return "";
        }

        // Take clusters from the start and the end in turn while they fit beside the ellipsis.
        var room = columns - 1;
        int head = 0, tail = clusters.Count, used = 0;
        var fromStart = true;
        while (head < tail)
        {
            var next = fromStart ? clusters[head] : clusters[tail - 1];
            if (used + next.Columns > room)
            {
                // The other end may still have a narrower cluster that fits.
                var other = fromStart ? clusters[tail - 1] : clusters[head];
                if (head == tail - 1 || used + other.Columns > room)
                {
                    break;
                }

                fromStart = !fromStart;
                continue;
            }

            used += next.Columns;
            if (fromStart)
            {
                head++;
            }
            else
            {
                tail--;
            }

            fromStart = !fromStart;
        }

        var start = head == 0 ? 0 : clusters[head - 1].End;
        var end = tail == clusters.Count ? text.Length : clusters[tail].Start;
        return string.Concat(text.AsSpan(0, start), Ellipsis, text.AsSpan(end));
    }

    /// <summary><paramref name="text"/> in at most <paramref name="columns"/> columns: whole when it fits, else its start and <see cref="Ellipsis"/>.</summary>
    public static string Truncate(string text, int columns)
    {
        if (Columns(text) <= columns)
        {
            return text;
        }

        var used = 0;
        var end = 0;
        foreach (var cluster in Clusters(text))
        {
            if (used + cluster.Columns > columns - 1)
            {
                break;
            }

            used += cluster.Columns;
            end = cluster.End;
        }

        return columns < 1 ? "" : string.Concat(text.AsSpan(0, end), Ellipsis);
    }

    private static List<Cluster> Clusters(string text)
    {
        var clusters = new List<Cluster>();
        for (var i = 0; i < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text, i);
            clusters.Add(new Cluster(i, i + length, ClusterColumns(text.AsSpan(i, length))));
            i += length;
        }

        return clusters;
    }

    private static int ClusterColumns(ReadOnlySpan<char> cluster)
    {
        var columns = 0;
        var emoji = false;
        foreach (var rune in cluster.EnumerateRunes())
        {
            columns += RuneColumns(rune);
            // VARIATION SELECTOR-16 asks for the emoji picture, which terminals draw two columns wide.
            emoji |= rune.Value == 0xFE0F;
        }

        return emoji ? Math.Max(columns, 2) : columns;
    }

    /// <summary>The columns of one scalar (a lone surrogate reads as U+FFFD: one column).</summary>
    internal static int RuneColumns(Rune rune)
    {
        var value = rune.Value;
        if (value < 0x300)
        {
            // ASCII and Latin-1; the soft hyphen is drawn. Controls never reach a line (Safe escapes them).
            return value is < 0x20 or (>= 0x7F and < 0xA0) ? 0 : 1;
        }

        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.Format:
                return 0;
        }

        // Hangul medial vowels and final consonants join the initial consonant drawn before them.
        if (value is >= 0x1160 and <= 0x11FF or >= 0xD7B0 and <= 0xD7FF)
        {
            return 0;
        }

        return IsWide(value) ? 2 : 1;
    }

    /// <summary>East Asian Wide (W) or Fullwidth (F) in Unicode 15.1, with the emoji blocks taken whole and regional indicators wide.</summary>
    private static bool IsWide(int value)
    {
        var ranges = Wide;
        int low = 0, high = (ranges.Length / 2) - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (value < ranges[mid * 2])
            {
                high = mid - 1;
            }
            else if (value > ranges[(mid * 2) + 1])
            {
                low = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    // Pairs of first and last code points, in order.
    private static readonly int[] Wide =
    [
        0x1100, 0x115F, 0x231A, 0x231B, 0x2329, 0x232A, 0x23E9, 0x23EC, 0x23F0, 0x23F0, 0x23F3, 0x23F3,
        0x25FD, 0x25FE, 0x2614, 0x2615, 0x2648, 0x2653, 0x267F, 0x267F, 0x2693, 0x2693, 0x26A1, 0x26A1,
        0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26CE, 0x26D4, 0x26D4, 0x26EA, 0x26EA,
        0x26F2, 0x26F3, 0x26F5, 0x26F5, 0x26FA, 0x26FA, 0x26FD, 0x26FD, 0x2705, 0x2705, 0x270A, 0x270B,
        0x2728, 0x2728, 0x274C, 0x274C, 0x274E, 0x274E, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797,
        0x27B0, 0x27B0, 0x27BF, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B50, 0x2B55, 0x2B55,
        0x2E80, 0x303E, 0x3041, 0x33FF, 0x3400, 0x4DBF, 0x4E00, 0xA4CF, 0xA960, 0xA97F, 0xAC00, 0xD7A3,
        0xF900, 0xFAFF, 0xFE10, 0xFE19, 0xFE30, 0xFE6F, 0xFF00, 0xFF60, 0xFFE0, 0xFFE6,
        0x16FE0, 0x16FE4, 0x16FF0, 0x16FF1, 0x17000, 0x18CFF, 0x18D00, 0x18D08, 0x1AFF0, 0x1B2FF,
        0x1F004, 0x1F004, 0x1F0CF, 0x1F0CF, 0x1F18E, 0x1F18E, 0x1F191, 0x1F19A, 0x1F1E6, 0x1F1FF,
        0x1F200, 0x1F2FF, 0x1F300, 0x1F64F, 0x1F680, 0x1F6FF, 0x1F7E0, 0x1F7F0, 0x1F900, 0x1F9FF,
        0x1FA70, 0x1FAFF, 0x20000, 0x2FFFD, 0x30000, 0x3FFFD,
    ];

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Cluster(int Start, int End, int Columns);
}
