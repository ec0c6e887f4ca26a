using CsCheck;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A custom field's display value as CiviCRM 6.17.2 prints it in plain text (<see cref="CustomFieldText"/>): the
/// expectations are what its converter (<c>CRM_Utils_String::htmlToText</c>, after <c>nl2br</c> for a note) printed for
/// the same text under PHP 8.2.36; the real site agreed where the recording <c>civicrm-6.17.2-filters-*</c> has the case.
/// </summary>
public sealed class CustomFieldTextTests
{
    [Theory]
    [InlineData("0", "Text", "String", null)]
    [InlineData(" 0 ", "Text", "String", null)]
    [InlineData("\t0\n", "Text", "String", null)]
    [InlineData("\v0", "Text", "String", null)]
    [InlineData("0", "Text", "Int", null)]
    [InlineData("0", "Select", "String", null)]
    [InlineData("0", "TextArea", "Memo", null)]
    [InlineData("", "Text", "String", null)]
    [InlineData("\u00A0", "Text", "String", null)]
    [InlineData("00", "Text", "String", "00")]
    [InlineData("-0", "Text", "String", "-0")]
    [InlineData("0.0", "Text", "String", "0.0")]
    [InlineData("\u00A00", "Text", "String", "0")]
    [InlineData("\u200C0", "Text", "String", "0")]
    [InlineData("a\u200Cb", "Text", "String", "ab")]
    [InlineData(" a \t b ", "Text", "String", "a b")]
    [InlineData("a  b\nc", "Text", "String", "a b c")]
    [InlineData("No", "Radio", "Boolean", "No")]
    [InlineData("0", "Text", "Money", "0.00")]
    [InlineData("0", "Link", "Link", null)]
    [InlineData(" 0", "Link", "Link", " 0")]
    [InlineData("0\n", "TextArea", "Memo", "0")]
    [InlineData("\n0\n", "TextArea", "Memo", "0")]
    [InlineData("0\r", "TextArea", "Memo", "0")]
    [InlineData(" \n ", "TextArea", "Memo", null)]
    [InlineData("x\ny", "TextArea", "Memo", "x\ny")]
    [InlineData("x\r\n\r\ny", "TextArea", "Memo", "x\n\ny")]
    [InlineData("a \n  b\n\n\n\nc", "TextArea", "Memo", "a\nb\n\nc")]
    [InlineData("a\u00A0\u00A0b\n c", "TextArea", "Memo", "a b\nc")]
    public void Prints_what_CiviCRM_prints(string display, string htmlType, string dataType, string? printed) =>
        CustomFieldText.Printed(display, htmlType, dataType).Should().Be(printed);

    [Fact]
    public void Never_throws_prints_0_only_where_the_converter_made_it_and_printing_again_changes_nothing() =>
        Gen.Select(Gen.String[Gen.OneOf(Gen.Char[' ', '~'], Gen.OneOf(Gen.Const('\u00A0'), Gen.Const('\u200C'), Gen.Const('\t'), Gen.Const('\n'), Gen.Const('\r'), Gen.Const('\v'), Gen.Const('\0'), Gen.Const('0'))), 0, 12],
            Gen.OneOf(Gen.Const("Text"), Gen.Const("Select"), Gen.Const("TextArea"))).Sample(input =>
        {
            var (display, htmlType) = input;
            var printed = CustomFieldText.Printed(display, htmlType, "String");
            if (printed is null)
            {
                return;
            }

            printed.Should().Match(p => p.Length > 0 && p.Trim(' ', '\t', '\n', '\r', '\0', '\v') == p, "the printed text is trimmed");
            if (printed == "0")
            {
                // Only a note's 0 with a line break (nl2br's <br /> makes it more than 0), 0 after a non-breaking space, or
                // 0 left by markup (a '<' that starts the value, a tag, a reference).
                var madeByConverter = (htmlType == "TextArea" && (display.Contains('\n') || display.Contains('\r'))) || display.Contains('\u00A0') || display.Contains('\u200C')
                    || display.Contains('<') || display.Contains('&');
                madeByConverter.Should().BeTrue($"0 is printed only where the converter made it ({System.Text.Json.JsonSerializer.Serialize(display)})");
                return;
            }

            if (display.IndexOfAny(['<', '&']) < 0)
            {
                // Markup converts again (&amp;amp; prints &amp;, which prints &) and may leave two spaces (text on each side
                // of a tag collapses apart); plain text prints as it is the second time.
                CustomFieldText.Printed(printed, htmlType, "String").Should().Be(printed, "printed text prints as it is");
            }
        }, iter: 3000);
}
