using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Usernames;

/// <summary>
/// PHP 8.2's mbstring case mapping, which CiviCRM 6.17.2's token filters call (<c>Civi\Token\StandardFilters</c>):
/// <c>mb_strtoupper</c> for <c>|upper</c>, <c>mb_strtolower</c> for <c>|lower</c> and
/// <c>mb_convert_case(…, MB_CASE_TITLE)</c> for <c>|capitalize</c>. The mappings are PHP's own (Unicode 14 data, full
/// case mapping: <c>ß</c> upper-cases to <c>SS</c> and title-cases to <c>Ss</c>, <c>ﬁ</c> to <c>FI</c>/<c>Fi</c>,
/// <c>İ</c> lower-cases to <c>i</c> and a combining dot; no locale rules, no final sigma: <c>ΣΑΣ</c> lower-cases to
/// <c>σασ</c>), read from <c>PhpCase.txt</c>, which <c>eng/php-case/generate.php</c> prints from PHP 8.2.36 itself.
/// </summary>
/// <remarks>
/// Title case walks the text once with a word state: a code point is title-cased when the state is off and
/// lower-cased when it is on. After a case-ignorable code point (an apostrophe, <c>.</c>, <c>:</c>, <c>·</c>, a soft
/// hyphen, a combining mark, a modifier letter…) the state stays as it was; after a cased one (a letter with case, such as
/// <c>a</c>, <c>ß</c>, <c>ⓐ</c>, <c>ʰ</c>) it is on; after anything else (a digit, a space, <c>-</c>, <c>_</c>, a letter
/// without case such as <c>花</c>) it is off. So <c>1:05PM</c> becomes <c>1:05Pm</c>, <c>o'BRIEN-smith</c>
/// <c>O'brien-Smith</c> and <c>a.b</c> <c>A.b</c>. A lone surrogate (which CiviCRM cannot hold) is kept as it is and
/// leaves the state as it was, as PHP leaves an invalid byte sequence's state (PHP prints <c>?</c> for it).
/// </remarks>
internal static class PhpCase
{
    private static readonly Lazy<Tables> Data = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>PHP 8.2's <c>mb_strtoupper</c>.</summary>
    public static string Upper(string value) => Map(value, Mode.Upper);

    /// <summary>PHP 8.2's <c>mb_strtolower</c>.</summary>
    public static string Lower(string value) => Map(value, Mode.Lower);

    /// <summary>PHP 8.2's <c>mb_convert_case($value, MB_CASE_TITLE)</c>.</summary>
    public static string Title(string value) => Map(value, Mode.Title);

    private enum Mode
    {
        Upper,
        Lower,
        Title,
    }

    private static string Map(string value, Mode mode)
    {
        ArgumentNullException.ThrowIfNull(value);
        var tables = Data.Value;
        var builder = new StringBuilder(value.Length);
        var inWord = false;
        for (var i = 0; i < value.Length;)
        {
            var c = value[i];
            int codePoint, width;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, value[i + 1]);
                width = 2;
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append(c);
                i++;
                continue;
            }
            else
            {
                codePoint = c;
                width = 1;
            }

            var mapped = tables.Mappings.TryGetValue(codePoint, out var mapping)
                ? mode switch
                {
                    Mode.Upper => mapping.Upper,
                    Mode.Lower => mapping.Lower,
                    _ => inWord ? mapping.Lower : mapping.Title,
                }
                : null;
            if (mapped is null)
            {
                builder.Append(value, i, width);
            }
            else
            {
                builder.Append(mapped);
            }

            if (mode == Mode.Title && tables.WordStateAfter(codePoint) is { } state)
            {
                inWord = state;
            }

            i += width;
        }

        return builder.ToString();
    }

    /// <summary>A code point's mappings; <see langword="null"/> where it maps to itself.</summary>
    private readonly record struct Mapping(string? Upper, string? Lower, string? Title);

    private sealed class Tables(FrozenDictionary<int, Mapping> mappings, int[] starts, int[] ends, bool[] cased)
    {
        public FrozenDictionary<int, Mapping> Mappings { get; } = mappings;

        /// <summary>The word state after a code point: on after a cased one, unchanged (<see langword="null"/>) after a case-ignorable one, off otherwise.</summary>
        public bool? WordStateAfter(int codePoint)
        {
            int low = 0, high = starts.Length - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                if (codePoint < starts[middle])
                {
                    high = middle - 1;
                }
                else if (codePoint > ends[middle])
                {
                    low = middle + 1;
                }
                else
                {
                    return cased[middle] ? true : null;
                }
            }

            return false;
        }
    }

    private static Tables Load()
    {
        using var stream = typeof(PhpCase).Assembly.GetManifestResourceStream("Skvare.CmsUser.Usernames.PhpCase.txt")
            ?? throw new InvalidOperationException("The PHP case mapping table (PhpCase.txt) is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var mappings = new Dictionary<int, Mapping>();
        var ranges = new List<(int Start, int End, bool Cased)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "M":
                    mappings[Hex(parts[1])] = new Mapping(Sequence(parts[2]), Sequence(parts[3]), Sequence(parts[4]));
                    break;
                case "K" or "S":
                    ranges.Add((Hex(parts[1]), Hex(parts[2]), parts[0] == "S"));
                    break;
                default:
                    throw new InvalidOperationException($"PhpCase.txt has an unknown line kind '{parts[0]}'.");
            }
        }

        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new Tables(mappings.ToFrozenDictionary(), [.. ranges.Select(r => r.Start)], [.. ranges.Select(r => r.End)], [.. ranges.Select(r => r.Cased)]);
    }

    private static int Hex(string text) => int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static string? Sequence(string text) =>
        text == "=" ? null : string.Concat(text.Split('.').Select(h => char.ConvertFromUtf32(Hex(h))));
}
