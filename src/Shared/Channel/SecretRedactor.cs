using System.Net;
using System.Text;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Takes a package's secrets (an API key, a password, a token, a shared secret, a credential the server issued) out of
/// text a server sent before any of it reaches an exception, a log line or an activity: a misrouted request, a proxy's or
/// a login page's debug output, or an error message may echo what the client sent. Each secret is found in every form a
/// server plausibly writes it in: as it is, JSON-escaped in any way (<c>\uXXXX</c>, <c>\/</c>, as PHP, Drupal and .NET
/// write it, and JSON inside a JSON string), HTML-encoded, both nested (an HTML-escaped placeholder in a JSON message),
/// URL-encoded (by any encoder's choice of characters to escape, or twice), in Base64, with its blanks changed, wrapped or left out (WordPress application passwords are shown in
/// groups of four), in any letter case, and cut short at the end of the text (a body that lost its tail). Each becomes
/// <c>&lt;redacted&gt;</c>. A value shorter than <see cref="MinimumLength"/> is taken out only where it stands as a whole
/// word, exactly as configured (see <see cref="IsShort"/>). Immutable and thread-safe.
/// </summary>
internal sealed class SecretRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "<redacted>";

    /// <summary>
    /// Shorter values are taken out only as whole words (letters and digits on neither side), as written or URL-encoded:
    /// looked for in every form, a password of a few characters would blank out ordinary words and numbers.
    /// </summary>
    internal const int MinimumLength = 6;

    /// <summary>The longest undecoded escape a cut can leave at the end of a text (<c>&amp;#x1F60;</c> less its last character).</summary>
    private const int PartialEscape = 9;

    /// <summary>The long secrets' forms in canonical text (blanks dropped, lower case), longest first.</summary>
    private readonly Form[] _forms;

    /// <summary>The short secrets as they are and URL-encoded, matched only as whole words.</summary>
    private readonly string[] _words;

    /// <summary>Creates the redactor; blank values are ignored, short ones are matched as whole words only.</summary>
    /// <param name="secrets">The secrets, as configured (a Basic header's Base64 form is derived by the caller and passed too).</param>
    public SecretRedactor(IEnumerable<string?> secrets)
        : this([], [], secrets)
    {
    }

    private SecretRedactor(IEnumerable<Form> forms, IEnumerable<string> words, IEnumerable<string?> secrets)
    {
        var values = secrets.Select(s => s?.Trim()).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
        _forms = [.. forms
            .Concat(values.Where(s => !IsShort(s)).SelectMany(LongForms).Select(Canonical).Where(f => f.Length >= MinimumLength).Select(f => new Form(f)))
            .DistinctBy(f => f.Text, StringComparer.Ordinal)
            .OrderByDescending(f => f.Text.Length)];
        _words = [.. words
            .Concat(values.Where(IsShort).SelectMany(s => new[] { s, Escape(s) }))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(w => w.Length)];
    }

    /// <summary>A redactor without secrets (text passes unchanged).</summary>
    public static SecretRedactor None { get; } = new([]);

    /// <summary>Whether the redactor holds no secret (text passes unchanged).</summary>
    public bool IsEmpty => _forms.Length == 0 && _words.Length == 0;

    /// <summary>
    /// Whether <paramref name="secret"/> (trimmed, not blank) is too short to be looked for in every form: fewer than
    /// <see cref="MinimumLength"/> characters that are not blanks. Such a secret is a weak one; it is redacted as a whole word only.
    /// </summary>
    public static bool IsShort(string secret) => secret.Count(c => !char.IsWhiteSpace(c)) < MinimumLength;

    /// <summary>The Base64 value of an HTTP Basic header for <paramref name="username"/> and <paramref name="password"/> (a secret of its own).</summary>
    public static string BasicToken(string? username, string? password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));

    /// <summary>This redactor with <paramref name="more"/> secrets as well (the forms already derived are kept).</summary>
    public SecretRedactor With(IEnumerable<string?> more)
    {
        var added = more.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
        return added.Count == 0 ? this : new SecretRedactor(_forms, _words, added);
    }

    /// <summary>How many characters of an answer's body a log line quotes (<see cref="Excerpt"/>).</summary>
    public const int ExcerptLength = 160;

    /// <summary>
    /// A short, single-line excerpt of <paramref name="text"/> for a log line: the whole text redacted first (so a secret the
    /// cut would split is still found whole), then blanks collapsed and cut to <paramref name="max"/> characters. Never the
    /// whole of a long body, never a secret.
    /// </summary>
    /// <param name="text">The server's text, e.g. an answer's body.</param>
    /// <param name="max">The most characters kept.</param>
    /// <returns>The excerpt, or <c>(empty body)</c>.</returns>
    public string Excerpt(string? text, int max = ExcerptLength)
    {
        var redacted = Redact(text);
        if (string.IsNullOrWhiteSpace(redacted))
        {
            return "(empty body)";
        }

        var oneLine = string.Join(' ', redacted.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (oneLine.Length <= max)
        {
            return oneLine;
        }

        // Not between the two halves of a surrogate pair.
        var cut = char.IsHighSurrogate(oneLine[max - 1]) ? max - 1 : max;
        return oneLine[..cut] + "…";
    }

    /// <summary><paramref name="text"/> with every form of every secret replaced by <see cref="Mask"/>.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Redact(string? text)
    {
        if (IsEmpty || string.IsNullOrEmpty(text))
        {
            return text;
        }

        // The text is searched in its decoded views: as it is, with JSON escapes decoded (once, and twice for JSON quoted in
        // a JSON string), with HTML references decoded, and both in either order (a placeholder HTML-escaped inside a JSON
        // message, JSON shown on an HTML page). Each decoded character knows the span of the text it came from; a match
        // is cut from the text. The views live in pooled buffers: a 64 KB answer would otherwise allocate megabytes.
        var cuts = new List<(int Start, int End)>();
        using var buffers = new Buffers();
        var raw = buffers.Decoded(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            raw[i] = new Mapped(text[i], i, i + 1);
        }

        Search(raw, text.Length, cuts, buffers);
        if (text.Contains('\\', StringComparison.Ordinal))
        {
            var json = DecodeJson(raw, buffers);
            Search(json, text.Length, cuts, buffers);
            Search(DecodeHtml(json, buffers), text.Length, cuts, buffers);
            if (Holds(json, '\\'))
            {
                Search(DecodeJson(json, buffers), text.Length, cuts, buffers);
            }

            // An ampersand may come out of a JSON escape (\u0026), so HTML is decoded first too.
            var html = DecodeHtml(raw, buffers);
            Search(html, text.Length, cuts, buffers);
            Search(DecodeJson(html, buffers), text.Length, cuts, buffers);
        }
        else if (text.Contains('&', StringComparison.Ordinal))
        {
            var html = DecodeHtml(raw, buffers);
            Search(html, text.Length, cuts, buffers);
            if (Holds(html, '\\'))
            {
                Search(DecodeJson(html, buffers), text.Length, cuts, buffers);
            }
        }

        if (text.Contains('%', StringComparison.Ordinal))
        {
            // URL encoders disagree on what to escape (PHP's urlencode escapes ! * ( ) ~, rawurlencode and .NET's
            // EscapeDataString keep ~, form encoding writes a blank as +): decoded, every one of them reads the same.
            // Twice for a value encoded twice (a link in a redirect parameter); either way round with JSON (a URL-encoded
            // value in a JSON string whose encoder escaped + or %, JSON in a URL).
            // A '%' written right before a URL-encoded secret whose first two characters are hex digits reads as an
            // escape of them ("%" + "4a…" as "J…"), and a '%' and a hex digit before one whose first character is a hex
            // digit as an escape of that character ("%0" + "2b…" as \u0002b…): the URL views are also searched for the
            // rest of a secret after such an escape.
            var url = DecodeUrl(raw, buffers);
            Search(url, text.Length, cuts, buffers, text);
            if (Holds(url, '%'))
            {
                Search(DecodeUrl(url, buffers), text.Length, cuts, buffers, text);
            }

            if (Holds(url, '\\'))
            {
                Search(DecodeJson(url, buffers), text.Length, cuts, buffers, text);
                Search(DecodeUrl(DecodeJson(raw, buffers), buffers), text.Length, cuts, buffers, text);
            }
        }

        return cuts.Count == 0 ? text : Cut(text, cuts);
    }

    /// <summary>
    /// The string values of the JSON members named <paramref name="names"/> in <paramref name="text"/>, as written there
    /// (still JSON-escaped), read without parsing: found also in a body cut short, whose last value runs to its end.
    /// </summary>
    /// <param name="text">A server's answer, JSON or not.</param>
    /// <param name="names">Member names, e.g. <c>access_token</c>; matched exactly.</param>
    public static IEnumerable<string> MemberValues(string? text, IReadOnlyCollection<string> names)
    {
        if (string.IsNullOrEmpty(text) || names.Count == 0)
        {
            yield break;
        }

        foreach (var name in names)
        {
            var quoted = "\"" + name + "\"";
            for (var at = text.IndexOf(quoted, StringComparison.Ordinal); at >= 0; at = text.IndexOf(quoted, at + 1, StringComparison.Ordinal))
            {
                var i = SkipBlanks(text, at + quoted.Length);
                if (i >= text.Length || text[i] != ':')
                {
                    continue;
                }

                i = SkipBlanks(text, i + 1);
                if (i >= text.Length || text[i] != '"')
                {
                    continue;
                }

                var start = ++i;
                while (i < text.Length && text[i] != '"')
                {
                    i += text[i] == '\\' ? 2 : 1;
                }

                if (Math.Min(i, text.Length) > start)
                {
                    yield return text[start..Math.Min(i, text.Length)];
                }
            }
        }

        static int SkipBlanks(string text, int i)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            return i;
        }
    }

    /// <summary>The forms a long secret is looked for in: as it is, URL-encoded (both ways), Base64 of its UTF-8.</summary>
    private static IEnumerable<string> LongForms(string secret) =>
        [secret, Escape(secret), WebUtility.UrlEncode(secret), Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))];

    private static string Escape(string value) => Uri.EscapeDataString(value);

    /// <summary><paramref name="text"/> with the spans of <paramref name="cuts"/> (overlapping or not) replaced by one mask each.</summary>
    private static string Cut(string text, List<(int Start, int End)> cuts)
    {
        cuts.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        var result = new StringBuilder(text.Length);
        var next = 0;
        foreach (var (start, end) in cuts)
        {
            if (end <= next)
            {
                continue;
            }

            if (start >= next)
            {
                result.Append(text, next, start - next).Append(Mask);
            }

            // An overlapping match widens the mask already written.
            next = end;
        }

        return result.Append(text, next, text.Length - next).ToString();
    }

    /// <summary>Adds the spans of the text that a secret occupies in <paramref name="decoded"/>.</summary>
    /// <param name="decoded">A view of the text.</param>
    /// <param name="textLength">The text's length.</param>
    /// <param name="cuts">Where the spans go.</param>
    /// <param name="buffers">The call's buffers.</param>
    /// <param name="urlDecoded">The text, when <paramref name="decoded"/> has its URL escapes decoded (see <see cref="AfterStrayPercent"/>).</param>
    private void Search(Span<Mapped> decoded, int textLength, List<(int Start, int End)> cuts, Buffers buffers, string? urlDecoded = null)
    {
        if (_words.Length > 0)
        {
            SearchWords(decoded, cuts, buffers);
        }

        if (_forms.Length == 0)
        {
            return;
        }

        // The canonical view: blanks dropped, lower case; each of its characters knows its index in the decoded view.
        var chars = buffers.Chars(decoded.Length);
        var index = buffers.Ints(decoded.Length);
        var count = 0;
        for (var i = 0; i < decoded.Length; i++)
        {
            var c = decoded[i].Char;
            if (!char.IsWhiteSpace(c))
            {
                chars[count] = char.ToLowerInvariant(c);
                index[count++] = i;
            }
        }

        ReadOnlySpan<char> view = chars[..count];
        foreach (var form in _forms)
        {
            var text = form.Text.AsSpan();
            for (var at = view.IndexOf(text, StringComparison.Ordinal); at >= 0; at = Next(view, text, at))
            {
                // A secret that repeats itself (aaaa…) matches again one period later as long as the text keeps repeating
                // it: the run is one cut, found in time linear in its length (not once per position).
                var first = at;
                var end = at + text.Length;
                while (end + form.Period <= view.Length && view.Slice(end, form.Period).SequenceEqual(text[^form.Period..]))
                {
                    end += form.Period;
                    at += form.Period;
                }

                cuts.Add((decoded[index[first]].Start, decoded[index[end - 1]].End));
            }

            // A text that ends in the first characters of a secret (a body cut short inside it, perhaps inside an escape
            // such as "\u00" or "&#3" that then stays undecoded) loses them, and what follows.
            if (form.CutAtEnd(view) is var (cut, _))
            {
                cuts.Add((decoded[index[cut]].Start, textLength));
            }

            if (urlDecoded is not null)
            {
                // After an escape that ends in the form's first one or two characters (hex digits).
                for (var n = 0; n < form.AfterHexStart.Length; n++)
                {
                    AfterStrayPercent(decoded, view, index, urlDecoded, form.Text.AsSpan(0, n + 1), form.AfterHexStart[n], cuts);
                }
            }
        }
    }

    /// <summary>
    /// Adds the spans of a secret whose first one or two characters (hex digits) a stray <c>%</c> before it made part of
    /// an escape in a URL-decoded view (<c>"%" + "4a…"</c> read as <c>"J…"</c>, or <c>"%0" + "2b…"</c> as <c>\u0002b…</c>):
    /// <paramref name="rest"/> found right after a character decoded from an escape that ends in
    /// <paramref name="hexStart"/>. The cut starts at the secret's first character, so the stray text before it stays.
    /// </summary>
    private static void AfterStrayPercent(Span<Mapped> decoded, ReadOnlySpan<char> view, Span<int> index, string text, ReadOnlySpan<char> hexStart, string rest, List<(int Start, int End)> cuts)
    {
        for (var at = view.IndexOf(rest, StringComparison.Ordinal); at >= 0; at = Next(view, rest, at))
        {
            // The escape is the character before the rest, or before the blanks the canonical view dropped from it.
            for (var before = index[at] - 1; before >= 0; before--)
            {
                var escape = decoded[before];
                var secretStart = escape.Start + 3 - hexStart.Length;
                if (escape.End - escape.Start == 3 && text[escape.Start] == '%' && text.AsSpan(secretStart, hexStart.Length).Equals(hexStart, StringComparison.OrdinalIgnoreCase))
                {
                    cuts.Add((secretStart, decoded[index[at + rest.Length - 1]].End));
                    break;
                }

                if (!char.IsWhiteSpace(escape.Char))
                {
                    break;
                }
            }
        }
    }

    /// <summary>Where <paramref name="text"/> occurs next in <paramref name="view"/> after <paramref name="at"/>, or -1.</summary>
    private static int Next(ReadOnlySpan<char> view, ReadOnlySpan<char> text, int at)
    {
        var next = view[(at + 1)..].IndexOf(text, StringComparison.Ordinal);
        return next < 0 ? -1 : at + 1 + next;
    }

    /// <summary>Adds the spans of the short secrets that stand as whole words in <paramref name="decoded"/> (exact case, blanks kept).</summary>
    private void SearchWords(Span<Mapped> decoded, List<(int Start, int End)> cuts, Buffers buffers)
    {
        var chars = buffers.Chars(decoded.Length);
        for (var i = 0; i < decoded.Length; i++)
        {
            chars[i] = decoded[i].Char;
        }

        ReadOnlySpan<char> view = chars;
        foreach (var word in _words)
        {
            for (var from = 0; from < view.Length;)
            {
                var found = view[from..].IndexOf(word, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                var at = from + found;
                var end = at + word.Length;
                if ((at == 0 || !char.IsLetterOrDigit(view[at - 1])) && (end == view.Length || !char.IsLetterOrDigit(view[end])))
                {
                    cuts.Add((decoded[at].Start, decoded[end - 1].End));
                }

                from = at + 1;
            }
        }
    }

    private static bool Holds(Span<Mapped> decoded, char c)
    {
        foreach (var m in decoded)
        {
            if (m.Char == c)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The pooled buffers of one <see cref="Redact"/> call, returned when it ends.</summary>
    private sealed class Buffers : IDisposable
    {
        private readonly List<Mapped[]> _mapped = [];
        private readonly List<char[]> _chars = [];
        private readonly List<int[]> _ints = [];

        public Span<Mapped> Decoded(int length) => Rent(_mapped, length);

        public Span<char> Chars(int length) => Rent(_chars, length);

        public Span<int> Ints(int length) => Rent(_ints, length);

        public void Dispose()
        {
            _mapped.ForEach(a => System.Buffers.ArrayPool<Mapped>.Shared.Return(a, clearArray: true));
            _chars.ForEach(a => System.Buffers.ArrayPool<char>.Shared.Return(a, clearArray: true));
            _ints.ForEach(a => System.Buffers.ArrayPool<int>.Shared.Return(a));
        }

        private static Span<T> Rent<T>(List<T[]> rented, int length)
        {
            var array = System.Buffers.ArrayPool<T>.Shared.Rent(Math.Max(1, length));
            rented.Add(array);
            return array.AsSpan(0, length);
        }
    }

    /// <summary>One character of a decoded text and the span [Start, End) of the original text it stands for.</summary>
    private readonly record struct Mapped(char Char, int Start, int End);

    /// <summary>
    /// A secret's form in canonical text, with its prefix function (the longest proper border of each prefix), so the
    /// start of the form at the end of a text is found in time linear in the form's length.
    /// </summary>
    private sealed class Form
    {
        private readonly int[] _border;

        public Form(string text)
        {
            Text = text;
            var hexStart = 0;
            while (hexStart < 2 && hexStart < text.Length - 1 && char.IsAsciiHexDigit(text[hexStart]))
            {
                hexStart++;
            }

            AfterHexStart = [.. Enumerable.Range(1, hexStart).Select(n => text[n..])];
            _border = new int[text.Length];
            for (int i = 1, k = 0; i < text.Length; i++)
            {
                while (k > 0 && text[i] != text[k])
                {
                    k = _border[k - 1];
                }

                if (text[i] == text[k])
                {
                    k++;
                }

                _border[i] = k;
            }
        }

        public string Text { get; }

        /// <summary>
        /// What a stray <c>%</c> before the form leaves of it once URL-decoded, when its first characters are hex digits: the
        /// form without its first character (after <c>%</c> and a hex digit), then without its first two (after <c>%</c>
        /// alone), as far as its first characters are hex digits; empty when the first is not.
        /// </summary>
        public string[] AfterHexStart { get; }

        /// <summary>The form's smallest period: a match is followed by another this many characters on when the text goes on repeating it.</summary>
        public int Period => Text.Length - _border[^1];

        /// <summary>
        /// Where <paramref name="view"/> ends in the start of this form (at least <see cref="MinimumLength"/> characters of
        /// it, never all of them), followed by nothing or by an escape left undecoded (<c>\</c>, <c>&amp;</c>, <c>%</c> and
        /// at most <see cref="PartialEscape"/> characters of it): the latest such end, with the longest start there.
        /// </summary>
        public (int Start, int Length)? CutAtEnd(ReadOnlySpan<char> view)
        {
            var first = Math.Max(MinimumLength, view.Length - PartialEscape);
            if (view.Length < MinimumLength || Text.Length <= MinimumLength)
            {
                return null;
            }

            // The matched length of the form after each character of the text's tail: a start that ends in the last
            // PartialEscape + 1 positions began at most Text.Length - 1 characters before the first of them.
            var from = Math.Max(0, first - (Text.Length - 1));
            Span<int> matched = stackalloc int[PartialEscape + 2];
            var k = 0;
            for (var i = from; i < view.Length; i++)
            {
                if (k == Text.Length)
                {
                    k = _border[k - 1];
                }

                while (k > 0 && view[i] != Text[k])
                {
                    k = _border[k - 1];
                }

                if (view[i] == Text[k])
                {
                    k++;
                }

                if (i + 1 >= first)
                {
                    matched[i + 1 - first] = k == Text.Length ? _border[k - 1] : k;
                }
            }

            for (var end = view.Length; end >= first; end--)
            {
                // Only an escape left undecoded may follow the start of a secret at the end; anything else is text to keep.
                if (end < view.Length && view[end] is not ('\\' or '&' or '%'))
                {
                    continue;
                }

                var length = matched[end - first];
                if (length >= MinimumLength)
                {
                    return (end - length, length);
                }
            }

            return null;
        }
    }

    /// <summary>A form in canonical text: white space dropped, letters in lower case.</summary>
    private static string Canonical(string form) =>
        string.Concat(form.Where(c => !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant));

    /// <summary>JSON's escapes (<c>\uXXXX</c>, <c>\"</c>, <c>\\</c>, <c>\/</c>, <c>\n</c>, …) become the character they stand for.</summary>
    private static Span<Mapped> DecodeJson(Span<Mapped> input, Buffers buffers)
    {
        var output = buffers.Decoded(input.Length);
        var count = 0;
        for (var i = 0; i < input.Length;)
        {
            if (input[i].Char == '\\' && i + 1 < input.Length)
            {
                var e = input[i + 1].Char;
                if (e == 'u' && i + 5 < input.Length && TryHex(input.Slice(i + 2, 4), out var code))
                {
                    output[count++] = new Mapped(code, input[i].Start, input[i + 5].End);
                    i += 6;
                    continue;
                }

                char? escaped = e switch { '"' or '\\' or '/' => e, 'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'f' => '\f', _ => null };
                if (escaped is { } decoded)
                {
                    output[count++] = new Mapped(decoded, input[i].Start, input[i + 1].End);
                    i += 2;
                    continue;
                }
            }

            output[count++] = input[i++];
        }

        return output[..count];
    }

    /// <summary>
    /// URL escapes become the characters they stand for: <c>%XX</c> sequences that form UTF-8 (a character from all its
    /// escapes), and <c>+</c> a blank (form encoding). An escape that is not UTF-8 stays as it is.
    /// </summary>
    private static Span<Mapped> DecodeUrl(Span<Mapped> input, Buffers buffers)
    {
        var output = buffers.Decoded(input.Length);
        var count = 0;
        Span<byte> bytes = stackalloc byte[4];
        Span<char> chars = stackalloc char[2];
        for (var i = 0; i < input.Length;)
        {
            if (input[i].Char == '+')
            {
                output[count++] = new Mapped(' ', input[i].Start, input[i].End);
                i++;
                continue;
            }

            if (input[i].Char == '%' && EscapedByte(input, i) is byte lead)
            {
                var length = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
                var read = 0;
                while (read < length && EscapedByte(input, i + (3 * read)) is byte next && (read == 0 || (next & 0xC0) == 0x80))
                {
                    bytes[read++] = next;
                }

                if (length > 0 && read == length
                    && System.Text.Unicode.Utf8.ToUtf16(bytes[..length], chars, out _, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done)
                {
                    // Three characters or more become one or two, so the decoded view fits where the text was.
                    foreach (var c in chars[..written])
                    {
                        output[count++] = new Mapped(c, input[i].Start, input[i + (3 * length) - 1].End);
                    }

                    i += 3 * length;
                    continue;
                }
            }

            output[count++] = input[i++];
        }

        return output[..count];
    }

    /// <summary>The byte of the escape <c>%XX</c> at <paramref name="at"/>, or null.</summary>
    private static byte? EscapedByte(Span<Mapped> input, int at)
    {
        if (at + 2 >= input.Length || input[at].Char != '%' || !char.IsAsciiHexDigit(input[at + 1].Char) || !char.IsAsciiHexDigit(input[at + 2].Char))
        {
            return null;
        }

        return (byte)((Hex(input[at + 1].Char) * 16) + Hex(input[at + 2].Char));

        static int Hex(char digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;
    }

    /// <summary>
    /// HTML character references (<c>&amp;amp;</c>, <c>&amp;#39;</c>, <c>&amp;#x27;</c>, <c>&amp;#128512;</c>) become the
    /// character they stand for (a supplementary one as its two UTF-16 units, both standing for the whole reference).
    /// </summary>
    private static Span<Mapped> DecodeHtml(Span<Mapped> input, Buffers buffers)
    {
        var output = buffers.Decoded(input.Length);
        var count = 0;
        for (var i = 0; i < input.Length;)
        {
            if (input[i].Char == '&' && Entity(input, i) is { Length: > 0 } entity && WebUtility.HtmlDecode(entity) is { Length: 1 or 2 } decoded && decoded != entity)
            {
                // A reference is at least four characters (&lt;), so its one or two characters fit where it was.
                foreach (var c in decoded)
                {
                    output[count++] = new Mapped(c, input[i].Start, input[i + entity.Length - 1].End);
                }

                i += entity.Length;
                continue;
            }

            output[count++] = input[i++];
        }

        return output[..count];
    }

    /// <summary>The character reference (<c>&amp;amp;</c>, <c>&amp;#39;</c>, <c>&amp;#x27;</c>) that starts at <paramref name="at"/>, or empty.</summary>
    private static string Entity(Span<Mapped> input, int at)
    {
        // The longest reference WebUtility knows is ten characters (&thetasym;, &#1114111;, &#x10FFFF;).
        Span<char> entity = stackalloc char[10];
        entity[0] = '&';
        for (var end = at + 1; end < input.Length && end - at < 10; end++)
        {
            var c = input[end].Char;
            entity[end - at] = c;
            if (c == ';')
            {
                return end - at < 2 ? string.Empty : new string(entity[..(end - at + 1)]);
            }

            if (!char.IsAsciiLetterOrDigit(c) && c != '#')
            {
                return string.Empty;
            }
        }

        return string.Empty;
    }

    private static bool TryHex(Span<Mapped> digits, out char value)
    {
        var code = 0;
        foreach (var d in digits)
        {
            var digit = d.Char;
            if (!char.IsAsciiHexDigit(digit))
            {
                value = '\0';
                return false;
            }

            code = (code * 16) + (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        value = (char)code;
        return true;
    }
}
