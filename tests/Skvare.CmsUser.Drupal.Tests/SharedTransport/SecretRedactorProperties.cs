using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal.Tests.SharedTransport;

/// <summary>
/// src/Shared/Channel/SecretRedactor (tested through the copy compiled into the Drupal package): a secret a server echoes,
/// in any form it plausibly writes it, is gone from the text; text without a secret is left as it is.
/// </summary>
public sealed class SecretRedactorProperties
{
    /// <summary>Printable ASCII, blanks and JSON, HTML and URL specials included; never blank at either end.</summary>
    private static readonly Gen<string> Secret = Gen.Select(Gen.Char.AlphaNumeric, Gen.Char[' ', '~'].Array[6, 38], Gen.Char.AlphaNumeric)
        .Select((first, middle, last) => first + new string(middle) + last);

    /// <summary>How a server could write a secret into its answer.</summary>
    private static readonly (string Name, Func<string, string> Write)[] Forms =
    [
        ("verbatim", s => s),
        ("JSON (.NET)", s => JsonSerializer.Serialize(s)),
        ("JSON (relaxed)", s => JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })),
        ("JSON (PHP, \\/)", s => JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).Replace("/", "\\/", StringComparison.Ordinal)),
        ("JSON (Drupal's Json::encode: \\u003C, \\u0027, \\u0026, \\u0022, \\/)", DrupalJson),
        ("HTML", WebUtility.HtmlEncode),
        ("HTML inside JSON", s => JsonSerializer.Serialize(WebUtility.HtmlEncode(s))),
        ("JSON inside HTML", s => WebUtility.HtmlEncode(JsonSerializer.Serialize(s))),
        ("JSON inside a JSON string", s => JsonSerializer.Serialize("{\"key\":" + JsonSerializer.Serialize(s) + "}")),
        ("HTML references inside a JSON string (PHP)", s => JsonSerializer.Serialize(WebUtility.HtmlEncode(s), new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).Replace("/", "\\/", StringComparison.Ordinal)),
        ("URL", Uri.EscapeDataString),
        ("form", WebUtility.UrlEncode),
        ("URL (PHP urlencode: ! * ( ) ~ escaped, blank as +)", PhpUrlEncode),
        ("URL (JavaScript encodeURIComponent: ! * ' ( ) ~ kept)", s => Escaped(s, c => char.IsAsciiLetterOrDigit(c) || "-_.!~*'()".Contains(c, StringComparison.Ordinal), blankAsPlus: false)),
        ("URL, lower-case escapes", s => Escaped(s, c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.', blankAsPlus: false).ToLowerInvariant()),
        ("URL-encoded twice", s => Uri.EscapeDataString(PhpUrlEncode(s))),
        ("URL inside JSON (PHP)", s => JsonSerializer.Serialize("next=" + PhpUrlEncode(s)).Replace("/", "\\/", StringComparison.Ordinal)),
        ("Base64", s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))),
        ("upper case", s => s.ToUpperInvariant()),
        ("blanks wrapped", s => s.Replace(" ", " \r\n   ", StringComparison.Ordinal)),
        ("blanks left out", s => s.Replace(" ", "", StringComparison.Ordinal)),
    ];

    /// <summary>As PHP's <c>urlencode</c> writes a value: every byte escaped but letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; a blank as <c>+</c>.</summary>
    private static string PhpUrlEncode(string s) => Escaped(s, c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.', blankAsPlus: true);

    /// <summary>Each UTF-8 byte of the characters <paramref name="keep"/> refuses as <c>%XX</c> (upper-case hex).</summary>
    private static string Escaped(string s, Func<char, bool> keep, bool blankAsPlus)
    {
        var result = new StringBuilder();
        var bytes = new byte[4];
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.IsAscii && keep((char)rune.Value))
            {
                result.Append((char)rune.Value);
            }
            else if (blankAsPlus && rune.Value == ' ')
            {
                result.Append('+');
            }
            else
            {
                foreach (var b in bytes[..rune.EncodeToUtf8(bytes)])
                {
                    result.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return result.ToString();
    }

    /// <summary>As Drupal 8+ writes JSON (JSON_HEX_TAG | JSON_HEX_APOS | JSON_HEX_AMP | JSON_HEX_QUOT, slashes escaped).</summary>
    private static string DrupalJson(string s) => "\"" + string.Concat(s.Select(c => c switch
    {
        '<' or '>' or '\'' or '&' or '"' => $"\\u{(int)c:X4}",
        '\\' => "\\\\",
        '/' => "\\/",
        _ => c.ToString(),
    })) + "\"";

    private static readonly Gen<string> Around = Gen.String[Gen.Char[' ', '~'], 0, 200];

    [Fact]
    public void A_secret_in_any_form_anywhere_in_a_text_is_redacted()
    {
        Gen.Select(Secret, Around, Around, Gen.Int[0, Forms.Length - 1]).Sample(
            (secret, before, after, form) =>
            {
                var redactor = new SecretRedactor([secret, "other-" + secret]);
                var written = Forms[form].Write(secret);

                // The text before may end in '%' or '%' and a hex digit: with a URL-encoded secret whose first characters are
                // hex digits, that reads as an escape of them ("%" + "0b3…" as \v3…, "%0" + "2b…" as \u0002b…, as any URL
                // decoder reads it).
                var text = redactor.Redact(before + written + after);

                text.Should().Contain(SecretRedactor.Mask, Forms[form].Name);
                text.Should().NotContain(written, Forms[form].Name);
            },
            iter: 2000,
            print: t => $"secret '{t.Item1}' {Forms[t.Item4].Name}, before '{t.Item2}', after '{t.Item3}'");
    }

    [Fact]
    public void An_excerpt_for_a_log_line_never_holds_a_secret_wherever_it_stands_and_wherever_the_cut_falls()
    {
        // The whole text is redacted before it is cut: a secret across the cut is not left half there, nor whole.
        Gen.Select(Secret, Around, Around, Gen.Int[0, Forms.Length - 1], Gen.Int[1, 240]).Sample(
            (secret, before, after, form, max) =>
            {
                var written = Forms[form].Write(secret);

                var excerpt = new SecretRedactor([secret]).Excerpt(before + written + after, max);

                excerpt.Should().NotContain(written, Forms[form].Name).And.NotContainEquivalentOf(secret, Forms[form].Name);
                excerpt.Length.Should().BeLessThanOrEqualTo(max + 1, "at most max characters and the ellipsis");
                excerpt.Should().NotContainAny(["\n", "\r"], "one line");
            },
            iter: 2000,
            print: t => $"secret '{t.Item1}' {Forms[t.Item4].Name}, before '{t.Item2}', after '{t.Item3}', max {t.Item5}");
    }

    [Theory]
    [InlineData("4a!b c(d)e~f*g", "100%")]
    [InlineData("0b3/x+y=z?ab", "%")]
    [InlineData("2f:99;aa@bb", "rate=5%")]
    [InlineData("C0ffee&Cake=yes", "x%%")]
    [InlineData("3F OV|0j]'R{<(GRJ", "'0%")]
    [InlineData("2JXTB*jEu2!0,TMEHkxe7<&zB30}b(c~w", "v**]Z%0")]
    [InlineData("4a!b c(d)e~f*g", "100%4")]
    [InlineData("b0ss;key=9", "%F")]
    [InlineData("0b3/x+y=z?ab", "%%a")]
    public void A_stray_percent_before_a_URL_encoded_secret_starting_with_hex_digits_does_not_hide_it(string secret, string before)
    {
        // Regression: "%" + "4a%21b…" URL-decodes to "J!b…", so the URL-decoded search missed the secret, and only an
        // encoder that escaped exactly as the explicit forms did was caught; likewise "%0" + "2JXTB%2A…" decodes to
        // \u0002JXTB*… (found by the any-form property with seed 20QyViXg0dN5).
        var redactor = new SecretRedactor([secret]);
        foreach (var written in new[] { PhpUrlEncode(secret), Uri.EscapeDataString(secret), Escaped(secret, c => char.IsAsciiLetterOrDigit(c) || "-_.!~*'()".Contains(c, StringComparison.Ordinal), blankAsPlus: false) })
        {
            // (A text that ends within a few characters of a '%' may lose them too: they could be an escape cut short.)
            var text = redactor.Redact(before + written + " and the rest of the page");

            text.Should().Be(before + SecretRedactor.Mask + " and the rest of the page", written);
        }
    }

    [Theory]
    [InlineData("abc def ghi jkl", "q=abc+def+ghi+jkl&x=1", "q=<redacted>&x=1")]
    [InlineData("Zz9 yY8 xX7", "{\"next\":\"?token=Zz9+yY8+xX7\"}", "{\"next\":\"?token=<redacted>\"}")]
    public void A_form_encoded_secret_whose_only_escapes_are_blanks_as_plus_is_redacted(string secret, string text, string expected)
    {
        // Why the form-encoded form (WebUtility.UrlEncode) stays among the explicit forms: a text without any '%' is not
        // URL-decoded (a '+' is too common to decode every text that holds one), so only that form finds "abc+def".
        new SecretRedactor([secret]).Redact(text).Should().Be(expected);
    }

    [Theory]
    [InlineData("abcd/efgh12345", "x=abcd%2", "x=<redacted>")]
    [InlineData("ab!cdefgh12345", "x=ab%21cd%2", "x=<redacted>")]
    public void A_URL_encoded_secret_cut_inside_an_escape_loses_what_is_shown(string secret, string text, string expected)
    {
        // Why the URL-encoded form (Uri.EscapeDataString) stays among the explicit forms: decoded, "abcd%2" shows only
        // four characters of the secret before an unfinished escape, fewer than a cut at the end needs; as written it
        // shows six of the encoded form.
        new SecretRedactor([secret]).Redact(text).Should().Be(expected);
    }

    [Fact]
    public void A_text_cut_short_inside_a_secret_loses_the_secrets_first_characters()
    {
        Gen.Select(Secret, Around, Gen.Int[SecretRedactor.MinimumLength, 40]).Sample(
            (secret, before, cut) =>
            {
                var redactor = new SecretRedactor([secret]);
                var shown = secret[..Math.Min(cut, secret.Length - 1)];
                if (shown.Count(c => !char.IsWhiteSpace(c)) < SecretRedactor.MinimumLength)
                {
                    // Fewer characters than a secret must have are not told from ordinary text.
                    return;
                }

                var text = redactor.Redact(before + shown);

                text.Should().EndWith(SecretRedactor.Mask);
                text.Should().NotContain(shown.TrimEnd());
            },
            iter: 1000,
            print: t => $"secret '{t.Item1}' cut at {t.Item3}, before '{t.Item2}'");
    }

    [Theory]
    [InlineData("5e44e9c537b8e30c08499fed34830fb8", "{\"error_message\":\"refused key 5e44e9c537b8e30c08499fed34830fb8\"}", "{\"error_message\":\"refused key <redacted>\"}")]
    [InlineData("wpAP 8x7Q Zz+/ 9k2L", "<p>wpAP 8x7Q Zz+/ 9k2L</p>", "<p><redacted></p>")]
    [InlineData("s3cr3t-p4ssw0rd", "{\"m\":\"s3cr3t-p4ss\\u00", "{\"m\":\"<redacted>")]
    public void The_text_after_a_secret_near_the_end_is_kept_unless_it_is_a_cut_escape(string secret, string text, string expected)
    {
        // Regression: the tolerance for a cut inside an escape also took the few characters after a whole secret near
        // the end of a text ("</p>", the "}" closing a CiviCRM answer, which then no longer parsed).
        new SecretRedactor([secret]).Redact(text).Should().Be(expected);
    }

    [Fact]
    public void A_text_without_a_secret_is_left_as_it_is()
    {
        // A secret that starts with a character the text never holds cannot occur in it, not even cut short.
        Gen.Select(Secret, Gen.String[Gen.Char.AlphaNumeric, 0, 300]).Sample(
            (secret, text) => new SecretRedactor(["~" + secret]).Redact(text).Should().Be(text),
            iter: 1000);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_values_are_not_secrets_and_change_nothing(string? value)
    {
        var redactor = new SecretRedactor([value]);

        redactor.IsEmpty.Should().BeTrue();
        redactor.Redact("abc def ghi").Should().Be("abc def ghi");
        redactor.Redact(null).Should().BeNull();
    }

    [Theory]
    [InlineData("abc", "abc def ghi", "<redacted> def ghi")]
    [InlineData("abc", "abcdef xabc abc1 abc_", "abcdef xabc abc1 <redacted>_")]
    [InlineData("p@ss", "{\"message\":\"bad password p@ss.\"}", "{\"message\":\"bad password <redacted>.\"}")]
    [InlineData("p@ss", "p%40ss in a query", "<redacted> in a query")]
    [InlineData("p@ss", "P@SS and p@s s are other words", "P@SS and p@s s are other words")]
    [InlineData("12345", "user 123456 and 12345", "user 123456 and <redacted>")]
    [InlineData("&<\"", "{\"m\":\"\\u0026\\u003C\\u0022 x\"}", "{\"m\":\"<redacted> x\"}")]
    public void A_short_value_is_redacted_only_where_it_stands_as_a_whole_word(string secret, string text, string expected)
    {
        // Fewer than 6 characters: looked for in every form, "abc" would blank out parts of ordinary words and numbers.
        new SecretRedactor([secret]).Redact(text).Should().Be(expected);
    }

    /// <summary>A short secret: 1 to 5 printable ASCII characters, none blank.</summary>
    private static readonly Gen<string> ShortSecret = Gen.Char['!', '~'].Array[1, SecretRedactor.MinimumLength - 1].Select(c => new string(c));

    [Fact]
    public void A_short_secret_between_non_letters_is_redacted_and_inside_a_word_it_is_kept()
    {
        var separator = Gen.Char[" ,.;:()[]{}<>\"'=\r\n\t"];
        Gen.Select(ShortSecret, Gen.String[Gen.Char.AlphaNumeric, 1, 20], separator, separator, Gen.Char.AlphaNumeric).Sample(
            (secret, word, left, right, glue) =>
            {
                if (word.Contains(secret, StringComparison.Ordinal))
                {
                    return;
                }

                var redactor = new SecretRedactor([secret]);

                redactor.Redact(word + left + secret + right + word).Should().Be(word + left + SecretRedactor.Mask + right + word);
                if (char.IsLetterOrDigit(secret[0]) && char.IsLetterOrDigit(secret[^1]))
                {
                    // Glued to letters or digits it is part of another word.
                    var glued = word + left + glue + secret + glue + right;
                    redactor.Redact(glued).Should().Be(glued);
                }
            },
            iter: 2000,
            print: t => $"secret '{t.Item1}', word '{t.Item2}', '{t.Item3}' '{t.Item4}' glue '{t.Item5}'");
    }

    /// <summary>Any Unicode scalar value but controls and blanks: letters of every script, emoji (surrogate pairs), symbols.</summary>
    private static readonly Gen<string> UnicodeSecret = Gen.OneOf(Gen.Int[0x21, 0x7E], Gen.Int[0xA1, 0x2FFF], Gen.Int[0x3001, 0xD7FF], Gen.Int[0xE000, 0xFFFD], Gen.Int[0x1F300, 0x1FAFF], Gen.Int[0x20000, 0x2A6DF])
        .Array[SecretRedactor.MinimumLength, 24]
        .Where(codes => codes.All(c => !char.IsWhiteSpace(char.ConvertFromUtf32(c), 0)))
        .Select(codes => string.Concat(codes.Select(char.ConvertFromUtf32)));

    private static readonly (string Name, Func<string, string> Write)[] UnicodeForms =
    [
        ("verbatim", s => s),
        ("JSON (.NET, every non-ASCII character as \\u)", s => JsonSerializer.Serialize(s)),
        ("JSON (relaxed)", s => JsonSerializer.Serialize(s, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })),
        ("HTML (WebUtility: supplementary characters as &#NNNNNN;)", WebUtility.HtmlEncode),
        ("HTML inside JSON", s => JsonSerializer.Serialize(WebUtility.HtmlEncode(s))),
        ("URL", Uri.EscapeDataString),
        ("URL (PHP urlencode)", PhpUrlEncode),
        ("Base64", s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))),
    ];

    [Fact]
    public void A_secret_of_any_script_or_emoji_is_redacted_in_any_form_and_no_surrogate_pair_is_split()
    {
        // Regression: a supplementary character HTML-encoded (&#128512;, as WebUtility writes emoji) decodes to two UTF-16
        // units and was not decoded, so a secret holding one was not found on an HTML page.
        Gen.Select(UnicodeSecret, Gen.String[Gen.Char[' ', '~'], 0, 60], UnicodeSecret, Gen.Int[0, UnicodeForms.Length - 1]).Sample(
            (secret, before, after, form) =>
            {
                var written = UnicodeForms[form].Write(secret);

                var text = new SecretRedactor([secret]).Redact(before.TrimEnd('%') + written + "\u00a0" + after + " (end)");

                text.Should().Contain(SecretRedactor.Mask, UnicodeForms[form].Name);
                text.Should().NotContain(written, UnicodeForms[form].Name);
                text.Should().EndWith(after + " (end)", "the text after the secret is kept, its characters whole");
                IsWellFormed(text).Should().BeTrue("no surrogate pair is cut in two");
            },
            iter: 2000,
            print: t => $"secret '{t.Item1}' ({string.Join(" ", t.Item1.EnumerateRunes().Select(r => r.Value.ToString("X", System.Globalization.CultureInfo.InvariantCulture)))}) {UnicodeForms[t.Item4].Name}, before '{t.Item2}'");
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            i += consumed;
        }

        return true;
    }

    [Fact]
    public void Overlapping_and_nested_secrets_are_all_redacted_with_one_mask()
    {
        var part = Gen.String[Gen.Char.AlphaNumeric, 3, 12];
        Gen.Select(part, part, part, Gen.String[Gen.Char[' ', '~'], 0, 40]).Sample(
            (a, b, c, around) =>
            {
                // "ab" and "bc" overlap in "abc"; "b" alone (when long enough) is inside both.
                var redactor = new SecretRedactor([a + b, b + c, b.Length >= SecretRedactor.MinimumLength ? b : null]);

                var text = redactor.Redact("<" + around + ">" + a + b + c + "<" + around + ">");

                text.Should().Be("<" + around + ">" + SecretRedactor.Mask + "<" + around + ">");
            },
            iter: 1000,
            print: t => $"a '{t.Item1}' b '{t.Item2}' c '{t.Item3}' around '{t.Item4}'");
    }

    [Fact]
    public void A_repetitive_secret_cut_short_anywhere_loses_every_character_shown()
    {
        // A secret that repeats itself (aaaa…, abab…) has starts that are also its ends: the search for the start of a secret
        // at the end of a text must find the longest one, however long the secret (a 2,000-character token included).
        Gen.Select(Gen.String[Gen.Char["ab1-"], 1, 4], Gen.Int[2, 600], Gen.Int[0, 100_000], Gen.String[Gen.Char[' ', '~'], 0, 30]).Sample(
            (unit, repeats, cutAt, before) =>
            {
                var secret = string.Concat(Enumerable.Repeat(unit, repeats));
                if (secret.Length <= SecretRedactor.MinimumLength)
                {
                    return;
                }

                var shown = secret[..(SecretRedactor.MinimumLength + (cutAt % (secret.Length - SecretRedactor.MinimumLength)))];

                var text = new SecretRedactor([secret]).Redact("x" + before + "\"" + shown);

                text.Should().EndWith("\"" + SecretRedactor.Mask);
            },
            iter: 1000,
            print: t => $"unit '{t.Item1}' x {t.Item2}, cut at {t.Item3}, before '{t.Item4}'");
    }

    [Fact]
    public void A_credential_member_of_an_answer_cut_anywhere_is_found_and_redacted()
    {
        var token = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="].Array[1, 120].Select(c => new string(c));
        Gen.Select(token, Gen.Int[0, 1000], Gen.Bool).Sample(
            (value, cutAt, php) =>
            {
                var json = JsonSerializer.Serialize(value);
                json = php ? json.Replace("/", "\\/", StringComparison.Ordinal) : json;
                var body = "{\"token_type\":\"Bearer\",\"access_token\": " + json + ",\"note\":\"issued " + json.Trim('"') + "\",\"expires_in\":300}";
                var shown = body[..(1 + (cutAt % body.Length))];
                var valueStart = body.IndexOf("\"access_token\": \"", StringComparison.Ordinal) + "\"access_token\": \"".Length;

                var text = SecretRedactor.None.With(SecretRedactor.MemberValues(shown, ["access_token", "refresh_token"])).Redact(shown);

                if (shown.Length > valueStart)
                {
                    // The body shows some of the token: it is gone, wherever it is repeated.
                    text.Should().Contain("\"access_token\": \"" + SecretRedactor.Mask);
                    if (value.Length >= SecretRedactor.MinimumLength)
                    {
                        text.Should().NotContain(value);
                    }
                }
                else
                {
                    text.Should().Be(shown);
                }
            },
            iter: 3000,
            print: t => $"token '{t.Item1}' cut at {t.Item2} (php {t.Item3})");
    }

    [Theory]
    [InlineData("{\"access_token\":\"abc\\\"def\",\"x\":1}", "abc\\\"def")]
    [InlineData("{\"access_token\" : \"abc", "abc")]
    [InlineData("{\"access_token\":\"abc\\", "abc\\")]
    [InlineData("{\"access_token\":42,\"refresh_token\":\"r1\"}", "r1")]
    [InlineData("{\"access_token\":\"\"}", "")]
    [InlineData("<p>access_token: abc</p>", "")]
    public void Member_values_are_read_as_written_without_parsing(string body, string expected)
    {
        string.Concat(SecretRedactor.MemberValues(body, ["access_token", "refresh_token"])).Should().Be(expected);
    }

    [Fact]
    public void With_adds_secrets_to_the_ones_already_held()
    {
        var redactor = new SecretRedactor(["first-secret"]).With(["second-secret", null, " "]);

        redactor.Redact("first-secret second-secret").Should().Be("<redacted> <redacted>");
        SecretRedactor.None.With([null, ""]).Should().BeSameAs(SecretRedactor.None);
    }

    [Fact]
    public void The_basic_header_of_a_username_and_password_is_redacted_as_a_secret_of_its_own()
    {
        var token = SecretRedactor.BasicToken("api", "wpAP 8x7Q Zz+/ 9k2L");
        var redactor = new SecretRedactor(["wpAP 8x7Q Zz+/ 9k2L", token]);

        redactor.Redact("<p>Authorization: Basic " + token + "</p>").Should().Be("<p>Authorization: Basic <redacted></p>");
    }
}
