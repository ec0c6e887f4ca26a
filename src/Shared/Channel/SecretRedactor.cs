using System.Net;
using System.Text;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Takes a package's secrets (an API key, a password, a token, a shared secret) out of text a server sent before any of
/// it reaches an exception, a log line or an activity: a misrouted request, a proxy's or a login page's debug output, or
/// an error message may echo what the client sent. Each secret is found in every form a server plausibly writes it in:
/// as it is, JSON-escaped in any way (<c>\uXXXX</c>, <c>\/</c>, as PHP, Drupal and .NET write it), HTML-encoded, both
/// nested (an HTML-escaped placeholder in a JSON message), URL-encoded, in Base64, with its blanks changed, wrapped or left
/// out (WordPress application passwords are shown in groups of four), in any letter case, and cut short at the end of the
/// text (a body that lost its tail). Each becomes <c>&lt;redacted&gt;</c>. Thread-safe.
/// </summary>
internal sealed class SecretRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "<redacted>";

    /// <summary>Shorter values are not redacted: a password of a few characters would blank out ordinary words.</summary>
    internal const int MinimumLength = 6;

    /// <summary>The secrets' forms as <see cref="Canonical"/> text, longest first.</summary>
    private readonly string[] _forms;

    /// <summary>Creates the redactor; blank and short values are ignored.</summary>
    /// <param name="secrets">The secrets, as configured (a Basic header's Base64 form is derived by the caller and passed too).</param>
    public SecretRedactor(IEnumerable<string?> secrets)
    {
        _forms = [.. secrets
            .Select(s => s?.Trim())
            .Where(s => s is { Length: >= MinimumLength })
            .SelectMany(s => new[] { s!, Uri.EscapeDataString(s!), WebUtility.UrlEncode(s!), Convert.ToBase64String(Encoding.UTF8.GetBytes(s!)) })
            .Select(f => new string([.. Canonical(f, []).Select(c => c.Char)]))
            .Where(f => f.Length >= MinimumLength)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(f => f.Length)];
    }

    /// <summary>A redactor without secrets (text passes unchanged).</summary>
    public static SecretRedactor None { get; } = new([]);

    /// <summary>The Base64 value of an HTTP Basic header for <paramref name="username"/> and <paramref name="password"/> (a secret of its own).</summary>
    public static string BasicToken(string? username, string? password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));

    /// <summary><paramref name="text"/> with every form of every secret replaced by <see cref="Mask"/>.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Redact(string? text)
    {
        if (_forms.Length == 0 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        // The text is searched in its canonical forms (blanks dropped, lower case): as it is, with JSON escapes decoded, with
        // HTML references decoded, and both in either order (a placeholder HTML-escaped inside a JSON message, JSON shown
        // on an HTML page). Each canonical character knows the span of the text it came from; a match is cut from the text.
        var json = text.Contains('\\', StringComparison.Ordinal);
        // An ampersand may come out of a JSON escape (\u0026).
        var html = json || text.Contains('&', StringComparison.Ordinal);
        var cuts = new List<(int Start, int End)>();
        foreach (var layers in Views)
        {
            if ((json || !layers.Contains(Layer.Json)) && (html || !layers.Contains(Layer.Html)))
            {
                Search(Canonical(text, layers), text.Length, cuts);
            }
        }

        if (cuts.Count == 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var next = 0;
        foreach (var (start, end) in cuts.OrderBy(c => c.Start))
        {
            if (end <= next)
            {
                continue;
            }

            if (start >= next)
            {
                result.Append(text, next, start - next).Append(Mask);
            }

            next = end;
        }

        return result.Append(text, next, text.Length - next).ToString();
    }

    /// <summary>Adds the span of the text each secret's form occupies in <paramref name="canonical"/>.</summary>
    private void Search(List<Mapped> canonical, int textLength, List<(int Start, int End)> cuts)
    {
        var view = new string([.. canonical.Select(c => c.Char)]);
        foreach (var form in _forms)
        {
            for (var at = view.IndexOf(form, StringComparison.Ordinal); at >= 0; at = view.IndexOf(form, at + 1, StringComparison.Ordinal))
            {
                cuts.Add((canonical[at].Start, canonical[at + form.Length - 1].End));
            }

            // A text that ends in the first characters of a secret (a body cut short inside it, perhaps inside an escape
            // such as "\u00" or "&#3" that then stays undecoded) loses them, and what follows.
            for (var end = view.Length; end >= Math.Max(MinimumLength, view.Length - PartialEscape); end--)
            {
                // Only an escape left undecoded may follow the start of a secret at the end; anything else is text to keep.
                if (end < view.Length && view[end] is not ('\\' or '&' or '%'))
                {
                    continue;
                }

                if (CutPrefix(view, end, form) is int length)
                {
                    cuts.Add((canonical[end - length].Start, textLength));
                    break;
                }
            }
        }
    }

    /// <summary>The longest undecoded escape a cut can leave at the end of a text (<c>&amp;#x1F60;</c> less its last character).</summary>
    private const int PartialEscape = 9;

    /// <summary>The length of the longest start of <paramref name="form"/> (at least <see cref="MinimumLength"/>) that <paramref name="view"/> ends with at <paramref name="end"/>.</summary>
    private static int? CutPrefix(string view, int end, string form)
    {
        for (var length = Math.Min(form.Length - 1, end); length >= MinimumLength; length--)
        {
            if (view.AsSpan(end - length, length).SequenceEqual(form.AsSpan(0, length)))
            {
                return length;
            }
        }

        return null;
    }

    /// <summary>One character of the canonical text and the span [Start, End) of the original text it stands for.</summary>
    private readonly record struct Mapped(char Char, int Start, int End);

    /// <summary>An encoding a server may have put around a secret.</summary>
    private enum Layer
    {
        Json,
        Html,
    }

    /// <summary>The decodings each text is searched in, outermost layer first.</summary>
    private static readonly Layer[][] Views = [[], [Layer.Json], [Layer.Html], [Layer.Json, Layer.Html], [Layer.Html, Layer.Json]];

    /// <summary>
    /// <paramref name="text"/> with each of <paramref name="layers"/> decoded in turn (JSON escapes, HTML character
    /// references), white space dropped and letters in lower case.
    /// </summary>
    private static List<Mapped> Canonical(string text, Layer[] layers)
    {
        var layer = new List<Mapped>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            layer.Add(new Mapped(text[i], i, i + 1));
        }

        foreach (var decoding in layers)
        {
            layer = decoding == Layer.Json ? DecodeJson(layer) : DecodeHtml(layer);
        }

        var canonical = new List<Mapped>(layer.Count);
        foreach (var c in layer)
        {
            if (!char.IsWhiteSpace(c.Char))
            {
                canonical.Add(c with { Char = char.ToLowerInvariant(c.Char) });
            }
        }

        return canonical;
    }

    /// <summary>JSON's escapes (<c>\uXXXX</c>, <c>\"</c>, <c>\\</c>, <c>\/</c>, <c>\n</c>, …) become the character they stand for.</summary>
    private static List<Mapped> DecodeJson(List<Mapped> input)
    {
        var output = new List<Mapped>(input.Count);
        for (var i = 0; i < input.Count;)
        {
            if (input[i].Char == '\\' && i + 1 < input.Count)
            {
                var e = input[i + 1].Char;
                if (e == 'u' && i + 5 < input.Count && TryHex(input, i + 2, 4, out var code))
                {
                    output.Add(new Mapped((char)code, input[i].Start, input[i + 5].End));
                    i += 6;
                    continue;
                }

                char? escaped = e switch { '"' or '\\' or '/' => e, 'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'f' => '\f', _ => null };
                if (escaped is { } decoded)
                {
                    output.Add(new Mapped(decoded, input[i].Start, input[i + 1].End));
                    i += 2;
                    continue;
                }
            }

            output.Add(input[i]);
            i++;
        }

        return output;
    }

    /// <summary>HTML character references (<c>&amp;amp;</c>, <c>&amp;#39;</c>, <c>&amp;#x27;</c>) become the character they stand for.</summary>
    private static List<Mapped> DecodeHtml(List<Mapped> input)
    {
        var output = new List<Mapped>(input.Count);
        for (var i = 0; i < input.Count;)
        {
            if (input[i].Char == '&' && Entity(input, i) is { Length: > 0 } entity && WebUtility.HtmlDecode(entity) is { Length: 1 } decoded)
            {
                output.Add(new Mapped(decoded[0], input[i].Start, input[i + entity.Length - 1].End));
                i += entity.Length;
                continue;
            }

            output.Add(input[i]);
            i++;
        }

        return output;
    }

    /// <summary>The character reference (<c>&amp;amp;</c>, <c>&amp;#39;</c>, <c>&amp;#x27;</c>) that starts at <paramref name="at"/>, or empty.</summary>
    private static string Entity(List<Mapped> input, int at)
    {
        for (var end = at + 1; end < input.Count && end - at <= 10; end++)
        {
            var c = input[end].Char;
            if (c == ';')
            {
                return end - at < 2 ? string.Empty : new string([.. input.GetRange(at, end - at + 1).Select(m => m.Char)]);
            }

            if (!char.IsAsciiLetterOrDigit(c) && c != '#')
            {
                return string.Empty;
            }
        }

        return string.Empty;
    }

    private static bool TryHex(List<Mapped> input, int at, int count, out int value)
    {
        value = 0;
        for (var i = at; i < at + count; i++)
        {
            var digit = input[i].Char;
            if (!char.IsAsciiHexDigit(digit))
            {
                return false;
            }

            value = (value * 16) + Convert.ToInt32(digit.ToString(), 16);
        }

        return true;
    }
}
