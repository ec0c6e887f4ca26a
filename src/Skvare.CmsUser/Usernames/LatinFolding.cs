namespace Skvare.CmsUser.Usernames;

/// <summary>
/// The built-in ASCII folding of Latin letters used to make usernames: the same result as Unicode compatibility
/// decomposition with the accents removed (é → e, ǅ → Dz, Ａ → A), plus the letters that do not decompose (ß → ss,
/// ø → o, ł → l), without the platform's Unicode data. A process running with invariant globalization (no ICU)
/// cannot decompose text, so without this table it would make different usernames than one with ICU.
/// </summary>
internal static class LatinFolding
{
    /// <summary>
    /// Base letters, one character per code point from the block's first code point; <c>-</c> is no entry (or an
    /// entry in <see cref="Letters"/>). Each character is the code point's compatibility decomposition without its
    /// combining marks, checked against ICU by the tests.
    /// </summary>
    private static readonly (int First, string Bases)[] Blocks =
    [
        // Latin-1 Supplement, from U+00C0 (À).
        (0x00C0, "AAAAAA-CEEEEIIII-NOOOOO-OUUUUY--aaaaaa-ceeeeiiii-nooooo-ouuuuy-y"),

        // Latin Extended-A, U+0100 to U+017F.
        (0x0100, "AaAaAaCcCcCcCcDd--EeEeEeEeEeGgGgGgGgHh--IiIiIiIiI---JjKk-LlLlLl----NnNnNn---OoOoOo--RrRrRrSsSsSsSsTtTt--UuUuUuUuUuUuWwYyYZzZzZzs"),

        // Latin Extended-B, U+0180 to U+024F: only the letters that decompose; the others (ƀ, Ɓ, …) stay as they are.
        (0x0180, "--------------------------------Oo-------------Uu----------------------------AaIiOoUuUuUuUuUu-AaAa----GgKkOoOo--j---Gg--NnAa----AaAaEeEeIiIiOoOoRrRrUuUuSsTt--Hh------AaEeOoOoOoOoYy"),

        // Latin Extended Additional, U+1E00 to U+1EFF.
        (0x1E00, "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwy-s----AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy"),
    ];

    /// <summary>
    /// Letters that become more than one letter, or that have no decomposition but a usual ASCII spelling. Also
    /// applied to what decomposition gives (ǣ → æ → ae), so the table and the platform agree.
    /// </summary>
    private static readonly Dictionary<char, string> Letters = new()
    {
        ['ß'] = "ss", ['ẞ'] = "SS", ['æ'] = "ae", ['Æ'] = "AE", ['ø'] = "o", ['Ø'] = "O", ['œ'] = "oe", ['Œ'] = "OE",
        ['đ'] = "d", ['Đ'] = "D", ['ł'] = "l", ['Ł'] = "L", ['þ'] = "th", ['Þ'] = "TH", ['ð'] = "d", ['Ð'] = "D",
        ['ı'] = "i", ['ħ'] = "h", ['Ħ'] = "H", ['ŋ'] = "n", ['Ŋ'] = "N", ['ĸ'] = "k",

        // Ligatures and digraphs that decompose to two letters.
        ['Ĳ'] = "IJ", ['ĳ'] = "ij", ['Ǆ'] = "DZ", ['ǅ'] = "Dz", ['ǆ'] = "dz", ['Ǉ'] = "LJ", ['ǈ'] = "Lj", ['ǉ'] = "lj",
        ['Ǌ'] = "NJ", ['ǋ'] = "Nj", ['ǌ'] = "nj", ['Ǳ'] = "DZ", ['ǲ'] = "Dz", ['ǳ'] = "dz",

        // Letters whose decomposition is one of the letters above, or keeps a spacing mark (Ŀ → L·, ŉ → ʼn).
        ['Ǣ'] = "AE", ['ǣ'] = "ae", ['Ǽ'] = "AE", ['ǽ'] = "ae", ['Ǿ'] = "O", ['ǿ'] = "o",
        ['Ŀ'] = "L\u00B7", ['ŀ'] = "l\u00B7", ['ŉ'] = "\u02BCn", ['ẚ'] = "a\u02BE",
    };

    private static readonly string?[] Table = Build();

    /// <summary>The lowest code point <see cref="Table"/> covers.</summary>
    private const int TableStart = 0x00C0;

    /// <summary>The ASCII (or, for a few letters, mostly ASCII) spelling of a character, or null when it has none here.</summary>
    /// <param name="value">A UTF-16 code unit (every letter folded here is in the Basic Multilingual Plane).</param>
    public static string? Fold(char value)
    {
        if (value is >= '\uFF01' and <= '\uFF5E')
        {
            // Full-width forms: the ASCII character at the same place (Ａ → A, ！ → !).
            return ((char)(value - 0xFF01 + 0x21)).ToString();
        }

        var index = value - TableStart;
        return index >= 0 && index < Table.Length ? Table[index] : null;
    }

    /// <summary>Applies the letters that have no decomposition to text a decomposition gave.</summary>
    /// <param name="value">A character from a decomposition.</param>
    public static string? FoldLetter(char value) => Letters.GetValueOrDefault(value);

    private static string?[] Build()
    {
        var (lastFirst, lastBases) = Blocks[^1];
        var table = new string?[lastFirst + lastBases.Length - TableStart];
        foreach (var (first, bases) in Blocks)
        {
            for (var i = 0; i < bases.Length; i++)
            {
                if (bases[i] != '-')
                {
                    table[first - TableStart + i] = bases[i].ToString();
                }
            }
        }

        foreach (var (letter, spelling) in Letters)
        {
            if (letter - TableStart is >= 0 and var index && index < table.Length)
            {
                table[index] = spelling;
            }
        }

        return table;
    }
}
