using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// CiviCRM 6.17.2's conversion of a custom field's display value (HTML) to the plain text a token prints:
/// <c>rtrim(CRM_Utils_String::htmlToText($html))</c> (<c>Civi\Token\TokenRow::fill</c>), which runs
/// <c>Soundasleep\Html2Text::convert</c> over the document PHP's libxml2 HTML parser makes of the value. Reproduced
/// here: the parser's reading of text, character references (<c>&amp;amp;</c>, <c>&amp;#233;</c>, <c>&amp;#x1F600;</c>;
/// HTML 4's named entities, case-sensitive and only with their <c>;</c>; numeric ones with or without it, invalid ones
/// dropped), tags (dropped; an unfinished one drops the rest), comments and processing instructions (dropped), a
/// <c>&lt;</c> that starts no tag (kept, but dropped as the value's first character), end tags without an open element
/// (ignored); and the converter's output for each element: text with white space runs as one space, <c>br</c> as a line
/// break, <c>p</c>, <c>div</c>, headings, lists, table cells and rows, <c>hr</c>, links as <c>[text](href)</c>, images as
/// <c>[alt]</c>, <c>blockquote</c>, <c>pre</c>, and nothing for <c>script</c>, <c>style</c>, <c>head</c>, <c>title</c>
/// and <c>meta</c>. The expectations come from the converter itself under PHP 8.2.36 and libxml2 2.9.14
/// (<c>HtmlTextTests</c>) and the real site (recordings <c>civicrm-6.17.2-filters-*</c> and <c>-money-*</c>).
/// </summary>
/// <remarks>
/// Not reproduced: the parser's other repairs of broken markup (which elements a start tag closes beyond paragraphs,
/// list items and table cells; tables and forms built around stray content), Microsoft Office markup, and
/// <c>hook_civicrm_alterCustomFieldDisplayValue</c>, which runs in PHP on the site before this conversion and which an
/// SDK outside the site cannot see.
/// </remarks>
internal static partial class HtmlText
{
    private static readonly char[] PhpTrimmed = [' ', '\t', '\n', '\r', '\0', '\v'];

    /// <summary>The plain text CiviCRM's token processor prints for the HTML <paramref name="html"/> (empty: nothing).</summary>
    public static string Convert(string html)
    {
        var tokens = TokenMark().Replace(html, "token:{$1}");
        tokens = tokens.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var trimmed = tokens.Trim(PhpTrimmed);

        // Html2Text::getDocument: if (!$html) an empty document.
        if (!PhpTruth.IsTrue(trimmed))
        {
            return "";
        }

        // Html2Text::getDocument: a value that does not start with a tag goes in a body.
        var document = new Parser(trimmed[0] == '<' ? trimmed : "<body>" + trimmed + "</body>").Parse();
        var output = WhitespaceNewlines(Iterate(document, null, false));
        return TokenUnmark().Replace(output, "{$1}").TrimEnd(PhpTrimmed);
    }

    /// <summary>Html2Text's text of a node (<c>iterateOverNode</c>).</summary>
    private static string Iterate(Node node, string? prevName, bool inPre)
    {
        if (node is TextNode text)
        {
            if (inPre)
            {
                var pre = "\n" + RenderText(text.Text).Trim('\n', '\r', '\t', ' ') + "\n";
                return TrailingSpaces().Replace(pre, "\n").Replace('\n', '\r');
            }

            var collapsed = WhiteSpace().Replace(RenderText(text.Text), " ");
            return !IsWhitespace(collapsed) && prevName is "p" or "div" ? "\n" + collapsed : collapsed;
        }

        if (node is not Element element)
        {
            // Comments and processing instructions.
            return "";
        }

        var name = element.Name;
        var nextName = NextChildName(element);
        string output;
        switch (name)
        {
            case "hr":
                return (prevName is null ? "" : "\n") + "---------------------------------------------------------------\n";
            case "style" or "head" or "title" or "meta" or "script":
                return "";
            case "h1" or "h2" or "h3" or "h4" or "h5" or "h6" or "ol" or "ul" or "pre" or "p":
                output = "\n\n";
                break;
            case "td" or "th":
                output = "\t";
                break;
            case "tr":
                output = "\n";
                break;
            case "div":
                output = prevName is null ? "" : "\n";
                break;
            case "li":
                output = "- ";
                break;
            default:
                output = "";
                break;
        }

        var parts = new List<string>();
        var siblingNames = new List<string>();
        string? siblingName = null;
        var trailingWhitespace = 0;
        foreach (var child in element.Children)
        {
            var part = Iterate(child, siblingName, inPre || name == "pre");
            if (child is Invisible || (child is TextNode && IsWhitespace(part)))
            {
                trailingWhitespace++;
            }
            else
            {
                siblingName = child.Name;
                siblingNames.Add(siblingName);
                trailingWhitespace = 0;
            }

            parts.Add(part);
        }

        parts.RemoveRange(parts.Count - trailingWhitespace, trailingWhitespace);

        // Suppress a last br that follows text.
        if (siblingNames.Count > 0 && siblingNames[^1] == "br")
        {
            siblingNames.RemoveAt(siblingNames.Count - 1);
            if (siblingNames.Count > 0 && siblingNames[^1] == "#text" && parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }
        }

        output += string.Concat(parts);
        switch (name)
        {
            case "h1" or "h2" or "h3" or "h4" or "h5" or "h6" or "pre" or "p":
                output += "\n\n";
                break;
            case "br" or "li":
                output += "\n";
                break;
            case "a":
                output = Link(element, output.Trim(PhpTrimmed), nextName);
                break;
            case "img":
                output = element.Attribute("title") is { } title && PhpTruth.IsTrue(title) ? $"[{title}]"
                    : element.Attribute("alt") is { } alt && PhpTruth.IsTrue(alt) ? $"[{alt}]" : "";
                break;
            case "blockquote":
                var quoted = "\n" + WhitespaceNewlines(output);
                quoted = quoted.Replace("\n", "\n> ", StringComparison.Ordinal).Replace("\n> >", "\n>>", StringComparison.Ordinal);
                output = "\n" + quoted + "\n\n";
                break;
        }

        return output;
    }

    private static string Link(Element element, string output, string? nextName)
    {
        var href = element.Attribute("href");
        var title = element.Attribute("title");
        if (output.StartsWith('[') && output.EndsWith(']') && output.Length >= 1)
        {
            output = output.Length >= 2 ? output[1..^1] : "";
            if (PhpTruth.IsTrue(title))
            {
                output = title!;
            }
        }

        if (!PhpTruth.IsTrue(output) && PhpTruth.IsTrue(title))
        {
            output = title!;
        }

        if (href is null)
        {
            // getAttribute of a missing attribute is "", which is == null in PHP; so is an empty href.
            if (!string.IsNullOrEmpty(element.Attribute("name")))
            {
                output = $"[{output}]";
            }
        }
        else if (href.Length == 0)
        {
            if (!string.IsNullOrEmpty(element.Attribute("name")))
            {
                output = $"[{output}]";
            }
        }
        else if (href == output || href == "mailto:" + output || href == "http://" + output || href == "https://" + output)
        {
            // Linked to itself: the address alone.
        }
        else
        {
            output = PhpTruth.IsTrue(output) ? $"[{output}]({href})" : href;
        }

        if (nextName is "h1" or "h2" or "h3" or "h4" or "h5" or "h6")
        {
            output += "\n";
        }

        return output;
    }

    private static string? NextChildName(Element element)
    {
        var siblings = element.Parent?.Children;
        if (siblings is null)
        {
            return null;
        }

        for (var i = siblings.IndexOf(element) + 1; i < siblings.Count; i++)
        {
            switch (siblings[i])
            {
                case TextNode t when !IsWhitespace(t.Text):
                    return "#text";
                case Element e:
                    return e.Name;
            }
        }

        return null;
    }

    /// <summary>Html2Text::processWhitespaceNewlines.</summary>
    private static string WhitespaceNewlines(string text)
    {
        text = SpacesAroundTab().Replace(text, "\t");
        text = text.TrimStart(PhpTrimmed);
        text = LeadingSpaces().Replace(text, "\n");
        text = RenderText(text);
        text = text.TrimEnd(PhpTrimmed);
        text = TrailingSpaces().Replace(text, "\n");
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return BlankLines().Replace(text, "\n\n");
    }

    private static string RenderText(string text) => text.Replace('\u00A0', ' ').Replace("\u200C", "", StringComparison.Ordinal);

    private static bool IsWhitespace(string text) => RenderText(text).Trim('\n', '\r', '\t', ' ').Length == 0;

    [GeneratedRegex(@"\{([a-z_.]+)\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenMark();

    [GeneratedRegex(@"token\:\{([a-z_.]+)\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenUnmark();

    [GeneratedRegex("[\t\n\f\r ]+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();

    [GeneratedRegex(" *\t *", RegexOptions.CultureInvariant)]
    private static partial Regex SpacesAroundTab();

    [GeneratedRegex("\n[ \t]*", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingSpaces();

    [GeneratedRegex("[ \t]*\n", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingSpaces();

    [GeneratedRegex("\n\n\n*", RegexOptions.CultureInvariant)]
    private static partial Regex BlankLines();

    private abstract class Node
    {
        public abstract string Name { get; }
    }

    private sealed class TextNode(string text) : Node
    {
        public string Text { get; set; } = text;

        public override string Name => "#text";
    }

    /// <summary>A processing instruction: prints nothing, and the converter does not count it as a sibling.</summary>
    private sealed class Invisible : Node
    {
        public override string Name => "#pi";
    }

    /// <summary>A comment: prints nothing, but the converter counts it as a sibling.</summary>
    private sealed class Comment : Node
    {
        public override string Name => "#comment";
    }

    private sealed class Element(string name, Element? parent) : Node
    {
        public override string Name { get; } = name;

        public Element? Parent { get; } = parent;

        public List<Node> Children { get; } = [];

        public Dictionary<string, string> Attributes { get; } = new(StringComparer.Ordinal);

        public string? Attribute(string name) => Attributes.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>
    /// The part of libxml2's HTML parser (2.9.14, as PHP's <c>DOMDocument::loadHTML</c> runs it with recovery) that the
    /// converter's output depends on: the elements it opens and closes on its own (an implied paragraph for text outside
    /// a body, start tags that close the open element, end tags that close up to their element unless a table part or
    /// division is in the way), references, comments, processing instructions and raw script and style text.
    /// </summary>
    private sealed class Parser(string html)
    {
        // Elements without content (libxml2's html40ElementTable).
        private static readonly HashSet<string> Empty = new(StringComparer.Ordinal)
        {
            "area", "base", "basefont", "br", "col", "frame", "hr", "img", "input", "isindex", "link", "meta", "param", "embed",
        };

        // The elements that go in the head when no body is open yet.
        private static readonly HashSet<string> HeadElements = new(StringComparer.Ordinal) { "script", "style", "meta", "link", "title", "base" };

        // The elements whose text is kept as text even when blank (libxml2's allowPCData).
        private static readonly HashSet<string> AllowText = new(StringComparer.Ordinal)
        {
            "a", "abbr", "acronym", "address", "applet", "b", "bdo", "big", "blockquote", "body", "button", "caption", "center",
            "cite", "code", "dd", "del", "dfn", "div", "dt", "em", "font", "form", "h1", "h2", "h3", "h4", "h5", "h6", "i",
            "iframe", "ins", "kbd", "label", "legend", "li", "map", "menu", "object", "ol", "p", "pre", "q", "s", "samp", "small",
            "span", "strike", "strong", "td", "th", "tt", "u", "ul", "var",
        };

        // Which open element (key) a start tag (values) closes (libxml2's htmlStartClose).
        private static readonly Dictionary<string, HashSet<string>> ClosedBy = BuildClosedBy();

        private readonly Element _document = new("#document", null);
        private readonly List<Element> _open = [];
        private readonly StringBuilder _text = new();
        private Element? _textParent;
        private bool _sawHead, _sawBody;
        private int _discarded;
        private int _at;

        private Element? Current => _open.Count == 0 ? null : _open[^1];

        public Element Parse()
        {
            while (_at < html.Length)
            {
                var c = html[_at];
                if (Current?.Name is "script" or "style")
                {
                    RawText();
                }
                else if (c == '<')
                {
                    Markup();
                }
                else if (c == '&')
                {
                    Reference();
                }
                else
                {
                    CharacterData();
                }
            }

            FlushText();
            return _document;
        }

        private void CharacterData()
        {
            var start = _at;
            while (_at < html.Length && html[_at] is not ('<' or '&'))
            {
                _at++;
            }

            var run = html[start.._at];
            if (!AreBlanks(run))
            {
                CheckParagraph();
            }

            Characters(run);
        }

        private bool AreBlanks(string run)
        {
            if (run.Any(c => c is not (' ' or '\t' or '\n' or '\r')))
            {
                return false;
            }

            if (_at >= html.Length)
            {
                return true;
            }

            if (html[_at] != '<')
            {
                return false;
            }

            if (Current is not { } current || current.Name is "html" or "head")
            {
                return true;
            }

            var last = current.Children.LastOrDefault(n => n is not Comment);
            if (_textParent == current && _text.Length > 0)
            {
                return false;
            }

            return last switch
            {
                null => !AllowText.Contains(current.Name),
                TextNode => false,
                Element e => !AllowText.Contains(e.Name),
                _ => true,
            };
        }

        private void Reference()
        {
            var text = HtmlText.Reference(html, ref _at, out var produced);
            if (produced)
            {
                CheckParagraph();
                Characters(text);
            }
        }

        /// <summary>htmlCheckParagraph: text outside any element, or in the html or head element, opens a paragraph.</summary>
        private void CheckParagraph()
        {
            if (Current is null || Current.Name is "html" or "head")
            {
                AutoClose("p");
                CheckImplied("p");
                Push("p");
            }
        }

        private void Characters(string text)
        {
            if (text.Length == 0 || Current is null)
            {
                return;
            }

            if (_textParent != Current)
            {
                FlushText();
                _textParent = Current;
            }

            _text.Append(text);
        }

        private void FlushText()
        {
            if (_text.Length > 0 && _textParent is { } parent)
            {
                // libxml2 adds text that follows text to it.
                if (parent.Children.Count > 0 && parent.Children[^1] is TextNode last)
                {
                    last.Text += _text.ToString();
                }
                else
                {
                    parent.Children.Add(new TextNode(_text.ToString()));
                }
            }

            _text.Clear();
            _textParent = null;
        }

        private void Add(Node node)
        {
            FlushText();
            (Current ?? _document).Children.Add(node);
        }

        private void Markup()
        {
            var next = _at + 1 < html.Length ? html[_at + 1] : '\0';
            if (string.CompareOrdinal(html, _at, "<!--", 0, 4) == 0)
            {
                var end = html.IndexOf("-->", _at + 4, StringComparison.Ordinal);
                Add(new Comment());
                _at = end < 0 ? html.Length : end + 3;
            }
            else if (next == '?')
            {
                var end = html.IndexOf('>', _at + 2);
                Add(new Invisible());
                _at = end < 0 ? html.Length : end + 1;
            }
            else if (next == '/')
            {
                EndTag();
            }
            else if (char.IsAsciiLetter(next))
            {
                StartTag();
            }
            else
            {
                // A '<' that starts nothing is text (no paragraph check: outside any element it is lost).
                Characters("<");
                _at++;
            }
        }

        private string Name(ref int i)
        {
            var start = i;
            while (i < html.Length && (char.IsAsciiLetterOrDigit(html[i]) || html[i] is ':' or '_' or '-' or '.'))
            {
                i++;
            }

            return html[start..i].ToLowerInvariant();
        }

        private void StartTag()
        {
            var i = _at + 1;
            var name = Name(ref i);
            FlushText();
            AutoClose(name);
            CheckImplied(name);
            var discard = (name == "html" && _open.Count > 0) || (name == "head" && _open.Count != 1) || (name == "body" && _open.Any(e => e.Name == "body"));
            var attributes = Attributes(ref i, out var ended, out var selfClosed);
            _at = i;
            if (discard)
            {
                _discarded++;
                return;
            }

            var element = Push(name);
            foreach (var (key, value) in attributes)
            {
                element.Attributes[key] = value;
            }

            if (!ended || selfClosed || Empty.Contains(name))
            {
                Pop();
                return;
            }

        }

        /// <summary>A script's or style's raw text, printed as nothing, up to the next end tag (whichever it is: one that does not close the element is followed by more raw text).</summary>
        private void RawText()
        {
            var end = _at;
            while ((end = html.IndexOf("</", end, StringComparison.Ordinal)) >= 0 && !(end + 2 < html.Length && char.IsAsciiLetter(html[end + 2])))
            {
                end += 2;
            }

            if (end < 0)
            {
                _at = html.Length;
                return;
            }

            _at = end;
            EndTag();
        }

        private Dictionary<string, string> Attributes(ref int i, out bool ended, out bool selfClosed)
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            ended = selfClosed = false;
            while (i < html.Length && html[i] != '>' && !(html[i] == '/' && i + 1 < html.Length && html[i + 1] == '>'))
            {
                if (IsBlank(html[i]))
                {
                    i++;
                    continue;
                }

                var start = i;
                var name = char.IsAsciiLetter(html[i]) || html[i] is '_' or ':' ? Name(ref i) : null;
                if (name is null)
                {
                    // A bogus attribute: skipped up to a blank or the tag's end.
                    while (i < html.Length && !IsBlank(html[i]) && html[i] != '>' && !(html[i] == '/' && i + 1 < html.Length && html[i + 1] == '>'))
                    {
                        i++;
                    }

                    continue;
                }

                var value = "";
                var j = i;
                while (j < html.Length && IsBlank(html[j]))
                {
                    j++;
                }

                if (j < html.Length && html[j] == '=')
                {
                    j++;
                    while (j < html.Length && IsBlank(html[j]))
                    {
                        j++;
                    }

                    if (j < html.Length && html[j] is '"' or '\'')
                    {
                        var end = html.IndexOf(html[j], j + 1);
                        if (end < 0)
                        {
                            // No closing quote: the attribute is dropped with the rest of its word.
                            i = j;
                            while (i < html.Length && !IsBlank(html[i]) && html[i] != '>')
                            {
                                i++;
                            }

                            continue;
                        }

                        value = Decode(html[(j + 1)..end]);
                        i = end + 1;
                    }
                    else
                    {
                        var valueStart = j;
                        while (j < html.Length && !IsBlank(html[j]) && html[j] != '>')
                        {
                            j++;
                        }

                        value = Decode(html[valueStart..j]);
                        i = j;
                    }
                }

                attributes.TryAdd(name, value);
                if (i == start)
                {
                    i++;
                }
            }

            if (i < html.Length && html[i] == '/')
            {
                selfClosed = true;
                ended = true;
                i += 2;
            }
            else if (i < html.Length)
            {
                ended = true;
                i++;
            }

            return attributes;
        }

        private void EndTag()
        {
            var i = _at + 2;
            if (i >= html.Length || !(char.IsAsciiLetter(html[i]) || html[i] is '_' or ':' or '.'))
            {
                // "</" that starts no tag: both characters go.
                _at = i;
                return;
            }

            var name = Name(ref i);
            var close = html.IndexOf('>', i);
            _at = close < 0 ? html.Length : close + 1;
            FlushText();
            if (_discarded > 0 && name is "html" or "body" or "head")
            {
                _discarded--;
                return;
            }

            var index = _open.FindLastIndex(e => e.Name == name);
            if (index < 0)
            {
                return;
            }

            // htmlAutoCloseOnClose: an end tag closes the elements in its way unless one has a higher priority.
            var priority = EndPriority(name);
            for (var k = _open.Count - 1; k > index; k--)
            {
                if (EndPriority(_open[k].Name) > priority)
                {
                    return;
                }
            }

            while (_open.Count > index)
            {
                Pop();
            }
        }

        private static int EndPriority(string name) => name switch
        {
            "div" => 150,
            "td" or "th" => 160,
            "tr" => 170,
            "thead" or "tbody" or "tfoot" => 180,
            "table" => 190,
            "head" or "body" => 200,
            "html" => 220,
            _ => 100,
        };

        /// <summary>htmlAutoClose: closes the open element while the new tag closes it.</summary>
        private void AutoClose(string name)
        {
            while (Current is { } current && ClosedBy.TryGetValue(current.Name, out var closers) && closers.Contains(name))
            {
                Pop();
            }
        }

        /// <summary>htmlCheckImplied: the html, head and body elements a tag needs.</summary>
        private void CheckImplied(string name)
        {
            if (name == "html")
            {
                return;
            }

            if (_open.Count == 0)
            {
                Push("html");
            }

            if (name is "body" or "head")
            {
                return;
            }

            if (_open.Count <= 1 && HeadElements.Contains(name))
            {
                if (!_sawHead)
                {
                    Push("head");
                }
            }
            else if (name is not ("noframes" or "frame" or "frameset") && !_sawBody && !_open.Any(e => e.Name is "body" or "head"))
            {
                Push("body");
            }
        }

        private Element Push(string name)
        {
            FlushText();
            var element = new Element(name, Current);
            (Current ?? _document).Children.Add(element);
            _open.Add(element);
            _sawHead |= name == "head";
            _sawBody |= name == "body";
            return element;
        }

        private void Pop()
        {
            FlushText();
            _open.RemoveAt(_open.Count - 1);
        }

        private static bool IsBlank(char c) => c is ' ' or '\t' or '\n' or '\r';

        private static string Decode(string text)
        {
            var decoded = new StringBuilder();
            var i = 0;
            while (i < text.Length)
            {
                if (text[i] == '&')
                {
                    decoded.Append(HtmlText.Reference(text, ref i, out _));
                }
                else
                {
                    decoded.Append(text[i]);
                    i++;
                }
            }

            return decoded.ToString();
        }

        private static Dictionary<string, HashSet<string>> BuildClosedBy()
        {
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["a"] = "a fieldset table td th",
                ["address"] = "dd dl dt form li ul",
                ["b"] = "center p td th",
                ["big"] = "p",
                ["caption"] = "col colgroup tbody tfoot thead tr",
                ["col"] = "col colgroup tbody tfoot thead tr",
                ["colgroup"] = "colgroup tbody tfoot thead tr",
                ["dd"] = "dt",
                ["dir"] = "dd dl dt form ul",
                ["dl"] = "form li",
                ["dt"] = "dd dl",
                ["font"] = "center td th",
                ["form"] = "form",
                ["h1"] = "fieldset form li p table",
                ["h2"] = "fieldset form li p table",
                ["h3"] = "fieldset form li p table",
                ["h4"] = "fieldset form li p table",
                ["h5"] = "fieldset form li p table",
                ["h6"] = "fieldset form li p table",
                ["head"] = "a abbr acronym address b bdo big blockquote body br center cite code dd dfn dir div dl dt em fieldset font form frameset h1 h2 h3 h4 h5 h6 hr i iframe img kbd li listing map menu ol p pre q s samp small span strike strong sub sup table tt u ul var xmp",
                ["hr"] = "form",
                ["i"] = "center p td th",
                ["legend"] = "fieldset",
                ["li"] = "li",
                ["link"] = "body frameset",
                ["listing"] = "dd dl dt fieldset form li table ul",
                ["menu"] = "dd dl dt form ul",
                ["ol"] = "form",
                ["option"] = "optgroup option",
                ["p"] = "address blockquote body caption center col colgroup dd dir div dl dt fieldset form frameset h1 h2 h3 h4 h5 h6 head hr li listing menu ol p pre table tbody td tfoot th title tr ul xmp",
                ["pre"] = "dd dl dt fieldset form li table ul",
                ["s"] = "p",
                ["script"] = "noscript",
                ["small"] = "p",
                ["span"] = "td th",
                ["strike"] = "p",
                ["style"] = "body frameset",
                ["tbody"] = "tbody tfoot",
                ["td"] = "tbody td tfoot th tr",
                ["tfoot"] = "tbody",
                ["th"] = "tbody td tfoot th tr",
                ["thead"] = "tbody tfoot",
                ["title"] = "body frameset",
                ["tr"] = "tbody tfoot tr",
                ["tt"] = "p",
                ["u"] = "p td th",
                ["ul"] = "address form menu pre",
                ["xmp"] = "dd dl dt fieldset form li table ul",
            };
            return pairs.ToDictionary(p => p.Key, p => p.Value.Split(' ').ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        }
    }

    /// <summary>A character reference at <paramref name="at"/> (an <c>&amp;</c>): its text, and <paramref name="at"/> moved past it.</summary>
    private static string Reference(string html, ref int at, out bool produced)
    {
        produced = true;
        var i = at + 1;
        if (i < html.Length && html[i] == '#')
        {
            i++;
            var hex = i < html.Length && html[i] is 'x' or 'X';
            if (hex)
            {
                i++;
            }

            var start = i;
            while (i < html.Length && (hex ? char.IsAsciiHexDigit(html[i]) : char.IsAsciiDigit(html[i])))
            {
                i++;
            }

            var digits = html[start..i];
            if (i < html.Length && html[i] == ';')
            {
                i++;
            }

            at = i;
            produced = false;
            if (digits.Length == 0 || !int.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                || !(code is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF)))
            {
                return "";
            }

            produced = true;
            return char.ConvertFromUtf32(code);
        }

        var nameStart = i;
        if (i < html.Length && (char.IsAsciiLetter(html[i]) || html[i] is '_' or ':'))
        {
            while (i < html.Length && (char.IsAsciiLetterOrDigit(html[i]) || html[i] is '_' or ':' or '.' or '-'))
            {
                i++;
            }
        }

        if (i > nameStart && i < html.Length && html[i] == ';')
        {
            var entity = html[at..(i + 1)];
            var decoded = WebUtility.HtmlDecode(entity);
            if (decoded != entity)
            {
                at = i + 1;
                return decoded;
            }
        }

        at++;
        return "&";
    }
}
