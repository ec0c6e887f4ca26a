using System.Text;
using CsCheck;
using Skvare.CmsUser.Cli.Import;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>The reading of the extension's <c>cmsuser_user_fields</c> lines, held to what its PHP (<c>help_parse_qs</c>) did.</summary>
public sealed class FieldLinesProperties
{
    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz_0123456789.-"], 1, 12].Where(n => n != "0");

    // Token patterns and text without the characters a query string gives a meaning to ('&', '=', '%', '+', '[').
    private static readonly Gen<string> Value = Gen.OneOf(
        Gen.String[Gen.Char["abcXYZ019 .,;:!?'\"@#(){}|/\\_-éЖ会"], 1, 20],
        Gen.Const("{contact.first_name}"),
        Gen.Const("{contact.city|upper}"),
        Gen.Const("{contact.nick_name|default:\"member\"}")).Where(v => FieldLines.PhpTrim(v).Length > 0 && FieldLines.PhpTrim(v) == v);

    private static readonly Gen<string> LineEnd = Gen.OneOf(Gen.Const("\n"), Gen.Const("\r\n"), Gen.Const("\n\n"), Gen.Const("\n  \t\n"));

    [Fact]
    public void Plain_lines_give_each_field_its_value_whatever_the_line_ends_and_blank_lines()
    {
        Gen.Select(Gen.Dictionary(Name, Value)[0, 8], LineEnd.Array[8], Gen.Bool).Sample((fields, ends, padded) =>
        {
            var text = new StringBuilder();
            var i = 0;
            foreach (var (name, value) in fields)
            {
                text.Append(padded ? "  " : "").Append(name).Append('=').Append(value).Append(padded ? " \t" : "").Append(ends[i++ % ends.Length]);
            }

            var pairs = FieldLines.Parse(text.ToString());
            pairs.Should().NotContain(p => !p.IsPlain || p.Name.Length == 0);
            FieldLines.Plain(pairs).Should().BeEquivalentTo(fields);
        });
    }

    [Fact]
    public void A_later_line_for_the_same_field_wins_and_a_bracket_makes_the_key_nested()
    {
        Gen.Select(Name, Value, Value, Gen.String[Gen.Char["0123456789abc"], 0, 5]).Sample((name, first, second, index) =>
        {
            var pairs = FieldLines.Parse($"{name}={first}\n{name}={second}\n{name}_x[{index}][part]={first}");

            FieldLines.Plain(pairs).Should().Equal(new Dictionary<string, string> { [name] = second });
            pairs.Last().IsPlain.Should().BeFalse();
            pairs.Last().Name.Should().Be(name + "_x");
            pairs.Last().Brackets.Should().Be($"[{index}][part]");
        });
    }

    [Fact]
    public void Values_are_url_decoded_as_php_decodes_them()
    {
        Gen.Select(Name, Gen.String[Gen.Char["abc XYZ%+&=éЖ"], 0, 10]).Sample((name, raw) =>
        {
            var encoded = Uri.EscapeDataString(raw);
            var pairs = FieldLines.Parse($"{name}={encoded}");

            pairs.Should().ContainSingle().Which.Value.Should().Be(raw);
        });
        FieldLines.Parse("a=Hello+World%21%zz%4").Single().Value.Should().Be("Hello World!%zz%4", "a '%' without two hex digits stays");
    }

    [Fact]
    public void Any_text_parses_without_an_exception_into_pairs_from_its_own_text()
    {
        Gen.OneOf(HostileText.MaybeText, Gen.String[Gen.Char["ab=&[]%+\n\r 0"], 0, 40]).Sample(text =>
        {
            var pairs = FieldLines.Parse(text);
            // The lines as the extension joined them: trimmed, without the empty ones and "0".
            var joined = string.Join('&', (text ?? "").Split('\n').Select(FieldLines.PhpTrim).Where(l => l.Length > 0 && l != "0"));
            pairs.Should().NotContain(p => !joined.Contains(p.Source, StringComparison.Ordinal));
            FieldLines.Plain(pairs).Keys.Should().NotContain(k => k.Length == 0);
        });
    }
}
